// Load test for archival: how long do readers and writers of a busy partitioned table wait while
// something detaches 20 old daily partitions, with a long-running reader open at the time?
// Subjects: `partition-keeper apply` (DETACH … CONCURRENTLY without a DEFAULT partition, a plain
// DETACH under the lock timeout with one), the bare DETACH statements a person would run in psql,
// and pg_partman 4's retention (run_maintenance with retention_keep_table). Same traffic and timing
// as bench/load.ts (writers + readers on the parent, a 6 s reader from 3 s, the subject from 4 s).
// Usage: bash bench/setup-partman.sh && npx tsx bench/load-detach.ts [--seconds N] [--only a,b]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { adminUrl, benchDatabase, dropDatabase, withClient } from './lib';
import { watchLocks } from './load-locks';
import { runCommand } from './load-scenario';
import { addDays, createEventsTable, PARENT, PARENT_SQL, PARENT_TEXT, rangePartitions } from './load-schema';
import { shellQuote } from './load-subjects';
import { summarize, type LatencySummary } from './load-stats';
import { openLongReader, startLoad, type StatementTimings } from './load-traffic';

const DATABASE = 'pk_bench_detach';
/** Partitions for today − DAYS_BACK … today; those ending at or before today − RETENTION_DAYS are due. */
const DAYS_BACK = 25;
const RETENTION_DAYS = 5;
const DUE = DAYS_BACK - RETENTION_DAYS;
const ROWS_PER_DAY = 2_000;

interface Context {
  db: pg.Client;
  today: string;
  withDefault: boolean;
  workDir: string;
}

interface Subject {
  name: string;
  /** Runs only where it can (DETACH … CONCURRENTLY refuses a parent with a DEFAULT partition). */
  variants: boolean[];
  prepare?: (c: Context) => Promise<void>;
  command: (c: Context) => string;
}

const psql = (args: string): string => `psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" ${args}`;

async function dueNames(db: pg.Client, today: string): Promise<string[]> {
  const cutoff = addDays(today, -RETENTION_DAYS);
  return (await rangePartitions(db)).filter((p) => p.to <= cutoff).map((p) => `${PARENT.schema}.${p.name}`);
}

function bareDetach(concurrently: boolean): Subject {
  return {
    name: concurrently ? 'psql-detach-concurrently' : 'psql-detach',
    variants: concurrently ? [false] : [true, false],
    prepare: async ({ db, today, workDir }) => {
      const lines = (await dueNames(db, today)).map(
        (name) => `ALTER TABLE ${PARENT_SQL} DETACH PARTITION ${name}${concurrently ? ' CONCURRENTLY' : ''};`,
      );
      writeFileSync(join(workDir, 'detach.sql'), `${lines.join('\n')}\n`);
    },
    command: ({ workDir }) => psql(`-f ${shellQuote(join(workDir, 'detach.sql'))}`),
  };
}

const keeper: Subject = {
  name: 'keeper',
  variants: [true, false],
  prepare: async ({ workDir }) => {
    const config = [
      'defaults:',
      '  timezone: UTC',
      'tables:',
      `  - table: ${PARENT_TEXT}`,
      '    interval: day',
      '    premake: 0',
      '    naming: "{parent}_p{YYYY}{MM}{DD}"',
      `    retention: ${RETENTION_DAYS} days`,
      '    archive:',
      '      drop: false',
      '',
    ].join('\n');
    writeFileSync(join(workDir, 'partitions.yml'), config);
  },
  command: ({ workDir }) =>
    `node --import tsx src/cli.ts apply --config ${shellQuote(join(workDir, 'partitions.yml'))}`,
};

/** pg_partman 4.7's retention: its own names and DEFAULT partition; run_maintenance() detaches and keeps. */
const partman: Subject = {
  name: 'partman',
  variants: [true, false],
  prepare: async ({ db, today, withDefault }) => {
    await db.query('create schema if not exists partman');
    await db.query('create extension if not exists pg_partman schema partman');
    for (const p of await rangePartitions(db)) {
      const renamed = `${PARENT.name}_p${p.from.replace(/-/g, '_')}`;
      await db.query(
        `alter table ${pg.escapeIdentifier(p.schema)}.${pg.escapeIdentifier(p.name)} rename to ${pg.escapeIdentifier(renamed)}`,
      );
    }
    const ours = await db.query<{ name: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
         join pg_namespace n on n.oid = c.relnamespace where i.inhparent = to_regclass($1) and pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'`,
      [PARENT_SQL],
    );
    for (const row of ours.rows) await db.query(`drop table ${row.name}`);
    await db.query(
      `select partman.create_parent(p_parent_table := $1, p_control := 'k', p_type := 'native',
         p_interval := 'daily', p_premake := 1, p_start_partition := $2)`,
      [PARENT_TEXT, `${addDays(today, -DAYS_BACK)} 00:00:00+00`],
    );
    if (!withDefault) {
      const theirs = await db.query<{ name: string }>(
        `select format('%I.%I', n.nspname, c.relname) as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
           join pg_namespace n on n.oid = c.relnamespace where i.inhparent = to_regclass($1) and pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'`,
        [PARENT_SQL],
      );
      for (const row of theirs.rows) await db.query(`drop table ${row.name}`);
    }
  },
  command: () =>
    psql(
      `-c ${shellQuote(
        `update partman.part_config set retention = '${RETENTION_DAYS} days', retention_keep_table = true where parent_table = ${pg.escapeLiteral(PARENT_TEXT)}`,
      )} -c ${shellQuote('select partman.run_maintenance(p_analyze := false)')}`,
    ),
};

const SUBJECTS: Subject[] = [keeper, bareDetach(false), bareDetach(true), partman];

interface Result {
  subject: string;
  withDefault: boolean;
  exitCode: number | null;
  seconds: number;
  detached: number;
  readers: LatencySummary;
  writers: LatencySummary;
  stderr: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function scenario(
  subject: Subject,
  withDefault: boolean,
  loadSeconds: number,
  repoRoot: string,
  outDir: string,
): Promise<Result> {
  const url = await benchDatabase(DATABASE);
  const workDir = join(outDir, `${subject.name}-${withDefault ? 'default' : 'no-default'}`);
  mkdirSync(workDir, { recursive: true });
  const db = new pg.Client({ connectionString: url, application_name: 'bench-detach-setup' });
  await db.connect();
  let today: string;
  let dueBefore: number;
  try {
    today = await createEventsTable(db, DATABASE, { withDefault, daysBack: DAYS_BACK });
    await db.query(
      `insert into ${PARENT_SQL} (k, payload)
       select timestamptz '${addDays(today, -DAYS_BACK)} 00:00:00+00' + (i * interval '1 day' / ${ROWS_PER_DAY}), 'old ' || i
         from generate_series(0, ${ROWS_PER_DAY * DAYS_BACK} - 1) i`,
    );
    await subject.prepare?.({ db, today, withDefault, workDir });
    dueBefore = (await dueNames(db, today)).length;
  } finally {
    await db.end();
  }
  const started = performance.now();
  const load = await startLoad({
    url,
    writers: 2,
    readers: 2,
    hardDeadline: started + (loadSeconds + 120) * 1000,
    statementTimeoutMs: 120_000,
  });
  const monitor = await watchLocks(url, new Map(load.pids));
  await sleep(3_000);
  const longReader = await openLongReader(url, 6_000);
  await sleep(1_000);
  const run = await runCommand(
    subject.command({ db, today, withDefault, workDir }),
    { ...process.env, DATABASE_URL: url },
    repoRoot,
    120_000,
  );
  await monitor.stop();
  await longReader.done;
  await sleep(Math.max(0, started + loadSeconds * 1000 - performance.now()));
  const timings = await load.stop();
  const left = await withClient(url, (c) => dueNames(c, today));
  await dropDatabase(DATABASE);
  const of = (role: StatementTimings['role']) => timings.filter((t) => t.role === role);
  return {
    subject: subject.name,
    withDefault,
    exitCode: run.exitCode,
    seconds: run.durationMs / 1000,
    detached: dueBefore - left.length,
    readers: summarize('reader', of('reader')),
    writers: summarize('writer', of('writer')),
    stderr: run.stderr,
  };
}

const { values } = parseArgs({ options: { seconds: { type: 'string' }, only: { type: 'string' } } });
const loadSeconds = Number(values.seconds ?? 20);
const only = values.only?.split(',').map((s) => s.trim());
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(repoRoot, '.bench-out', 'load-detach');
mkdirSync(outDir, { recursive: true });
const version = await withClient(
  adminUrl,
  async (c) => (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v,
);
const heading = `detach load test: PostgreSQL ${version}, ${DUE} of ${DAYS_BACK + 1} daily partitions due (${ROWS_PER_DAY} rows each), 2 writers + 2 readers on the parent for ${loadSeconds} s, a 6 s reader from 3 s, subject from 4 s`;
console.log(heading);
const results: Result[] = [];
for (const subject of SUBJECTS.filter((s) => !only || only.includes(s.name))) {
  for (const withDefault of subject.variants) {
    const r = await scenario(subject, withDefault, loadSeconds, repoRoot, outDir);
    results.push(r);
    console.log(
      `${r.subject} ${withDefault ? 'with' : 'without'} DEFAULT: exit ${r.exitCode}, ${r.seconds.toFixed(1)} s, detached ${r.detached}/${DUE}, reader max ${r.readers.maxMs.toFixed(0)} ms, writer max ${r.writers.maxMs.toFixed(0)} ms`,
    );
    if (r.exitCode !== 0) console.log(r.stderr.split('\n').slice(-3).join('\n'));
  }
}
const table = [
  '| subject | DEFAULT | exit | subject s | detached | reader max ms | reader p99 ms | writer max ms | writer p99 ms | failed r/w |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.subject} | ${r.withDefault ? 'yes' : 'no'} | ${r.exitCode ?? 'killed'} | ${r.seconds.toFixed(1)} | ${r.detached}/${DUE} | ${r.readers.maxMs.toFixed(0)} | ${r.readers.p99Ms.toFixed(0)} | ${r.writers.maxMs.toFixed(0)} | ${r.writers.p99Ms.toFixed(0)} | ${r.readers.failures}/${r.writers.failures} |`,
  ),
].join('\n');
console.log(`\n${heading}\n\n${table}`);
writeFileSync(join(outDir, 'results.md'), `${heading}\n\n${table}\n`);
