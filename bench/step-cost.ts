// Benchmark: what one create step costs the server, counted in instructions rather than timed, so
// the figure does not move with the machine (callgrind counts the same for the same statements;
// timed runs of the apply bench here spread by ±25%). Side by side in one run, each on its own
// copy of one throwaway cluster, each subject's statements run by a single-user backend under
// `valgrind --tool=callgrind`:
//   bare DDL      CREATE TABLE … PARTITION OF, what psql runs in the apply bench (the floor)
//   ours, apply   our steps as `apply` runs them: calls of the function it makes once per session
//   ours, DO      the reviewed file's DO blocks as apply runs them where it cannot make the function
//                 (check_function_bodies off)
//   ours, psql    the same file as psql runs it (the server's defaults)
//   earlier       the steps of the bundle in --earlier=DIR (`git archive <commit> dist | tar -x -C DIR`)
// Instructions per step = (subject − an empty run) / steps. Needs valgrind and root (the cluster
// runs as the postgres user). Usage: npx tsx bench/step-cost.ts [parents=100] [--earlier=DIR]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSync, loadModule } from 'libpg-query';
import { readReviewedFile } from '../src/sql/reviewed-file';
import { sessionCall, sessionFunctionSql } from '../src/sql/step-sql';
import { benchDatabase, dropDatabase, serverVersionNum, withClient } from './lib';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const parents = Number(args[0] ?? 100);
const earlier = process.argv.find((a) => a.startsWith('--earlier='))?.slice('--earlier='.length);
const NOW = '2026-12-01';
// The throwaway cluster runs the same major version as the server the steps are planned on.
const pgMajor = Math.floor(serverVersionNum() / 10_000);
const bin = `/usr/lib/postgresql/${pgMajor}/bin`;
const quoted = (path: string): string => `'${path.replaceAll("'", "'\\''")}'`;

const dir = mkdtempSync(join(tmpdir(), 'pk-step-cost-'));
execFileSync('chown', ['postgres', dir]); // the cluster's files are the postgres user's
const dbName = 'pk_bench_step_cost';
try {
  const schema = Array.from(
    { length: parents },
    (_, i) =>
      `create table bench_t${i + 1} (id bigint generated always as identity, k date not null, v text, ` +
      'primary key (id, k)) partition by range (k)',
  );

  // The subjects' files come from the CLIs themselves, planned against the same parents on the local
  // server: one step per parent (premake 0: the current month only).
  const url = await benchDatabase(dbName);
  await withClient(url, async (db) => {
    for (const statement of schema) await db.query(statement);
  });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `defaults:\n  interval: month\n  premake: 0\ntables:\n${Array.from({ length: parents }, (_, i) => `  - table: public.bench_t${i + 1}\n`).join('')}`,
  );
  const planSql = (cli: string): string =>
    execFileSync(
      'node',
      [cli, 'plan', '--format', 'sql', '--config', config, '--database-url', url, '--now', NOW],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );

  await loadModule();
  /** The file's statements, as PostgreSQL's parser splits them (comments and SET lock_timeout left out). */
  function statementsOf(file: string): string[] {
    const bytes = Buffer.from(file);
    return (parseSync(file).stmts ?? [])
      .map((s: { stmt_location?: number; stmt_len?: number }) =>
        bytes
          .subarray(s.stmt_location ?? 0, (s.stmt_location ?? 0) + (s.stmt_len || bytes.length))
          .toString()
          .trim(),
      )
      .filter((s: string) => !/^SET lock_timeout/i.test(s));
  }

  /** A file's statements, which must be one step per parent (premake 0), or the division below is wrong. */
  function steps(file: string, who: string): string[] {
    const statements = statementsOf(file);
    if (statements.length !== parents) {
      throw new Error(`${who} planned ${statements.length} statements, not one per parent (${parents})`);
    }
    return statements;
  }

  const file = planSql('dist/cli/index.js');
  const ours = steps(file, 'dist/cli');
  // apply runs the same steps as calls of the function it makes once per session.
  const calls = (await readReviewedFile(file)).steps.map(({ step }) => sessionCall(step, 'attach')!.sql);
  const subjects: Record<string, string[]> = {
    'bare DDL (CREATE TABLE … PARTITION OF)': ours.map((s) => {
      const partition = /partition_name text := '([^']+)'/.exec(s)![1]!;
      const parent = /parent_name text := '([^']+)'/.exec(s)![1]!;
      const bounds = /ATTACH PARTITION \S+\s+(FOR VALUES [^;]+);/.exec(s)![1]!;
      return `CREATE TABLE ${partition} PARTITION OF ${parent} ${bounds}`;
    }),
    'ours, as apply runs them (session function)': [
      'SET check_function_bodies = off',
      sessionFunctionSql('attach'),
      ...calls,
    ],
    'ours, as DO blocks (apply on a role without TEMP)': ['SET check_function_bodies = off', ...ours],
    'ours, as psql runs the file': ours,
    ...(earlier && {
      [`earlier bundle (${earlier})`]: steps(planSql(join(earlier, 'dist/cli/index.js')), earlier),
    }),
  };
  // The throwaway cluster, with the parents made, copied afresh for each subject.
  const base = join(dir, 'base');
  const asPostgres = (command: string, input?: string): string => {
    const result = spawnSync('runuser', ['-u', 'postgres', '--', 'bash', '-c', command], {
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (result.status !== 0) throw new Error(`${command}: ${result.stderr}`);
    return `${result.stdout}${result.stderr}`;
  };
  asPostgres(`${bin}/initdb -D ${quoted(base)} -A trust >/dev/null`);
  const single = (dataDir: string): string =>
    `${bin}/postgres --single -j -D ${quoted(dataDir)} -c fsync=off -c synchronous_commit=off postgres`;
  asPostgres(single(base), `${schema.join(';\n\n')};\n\n`);

  /** Instructions a single-user backend spends running `statements` (each its own transaction). */
  function instructions(name: string, statements: string[]): number {
    const copy = join(dir, 'run');
    rmSync(copy, { recursive: true, force: true });
    cpSync(base, copy, { recursive: true });
    execFileSync('chown', ['-R', 'postgres', copy]);
    const out = asPostgres(
      `valgrind --tool=callgrind --callgrind-out-file=${quoted(join(dir, 'callgrind.out'))} ${single(copy)}`,
      `SET TimeZone = 'UTC';\n\n${statements.map((s) => `${s};\n\n`).join('')}`,
    );
    const errors = out.split('\n').filter((line) => /\bERROR:/.test(line));
    if (errors.length > 0) throw new Error(`${name}: ${errors.slice(0, 3).join('\n')}`);
    return Number(/Collected : (\d+)/.exec(out)![1]);
  }

  console.log(
    `step-cost ${new Date().toISOString()}: ${parents} create steps, PostgreSQL ${pgMajor}, callgrind`,
  );
  const empty = instructions('empty', []);
  const perStep: Record<string, number> = {};
  for (const [name, statements] of Object.entries(subjects)) {
    perStep[name] = (instructions(name, statements) - empty) / parents;
    console.log(`  ${name}: ${(perStep[name] / 1e6).toFixed(2)} M instructions per step`);
  }
  console.log('| subject | M instructions per step | × bare DDL |');
  console.log('| --- | ---: | ---: |');
  const bare = Object.values(perStep)[0]!;
  for (const [name, n] of Object.entries(perStep)) {
    console.log(`| ${name} | ${(n / 1e6).toFixed(2)} | ${(n / bare).toFixed(2)} |`);
  }
  if (earlier) {
    const earlierName = Object.keys(perStep).at(-1)!;
    console.log(
      `ours (apply) / earlier: ${(perStep['ours, as apply runs them (session function)']! / perStep[earlierName]!).toFixed(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await dropDatabase(dbName);
}
