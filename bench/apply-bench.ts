// Benchmark: creating the same missing monthly partitions three ways, side by side in one run —
// `partition-keeper apply` (end to end: Node start-up, run lock, snapshot, plan, DDL, re-check),
// psql running the bare DDL, and pg_partman 4.7's run_maintenance().
// Every subject gets its own copy (CREATE DATABASE … TEMPLATE) of one base database, so all start
// from exactly the same catalog. Needs pg_partman: bash bench/setup-partman.sh.
// Usage: npm run build && npx tsx bench/apply-bench.ts [parents=200] [repeats=3] [--with-default]
//   [--earlier=DIR]: also time the CLI bundle in DIR (an earlier commit's dist/cli, e.g. from
//   `git archive <commit> dist | tar -x -C DIR`), side by side in the same run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, dropDatabase, median, timeCommand, withClient } from './lib';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const parents = Number(args[0] ?? 200);
const repeats = Number(args[1] ?? 3);
const withDefault = process.argv.includes('--with-default');
const earlier = process.argv.find((a) => a.startsWith('--earlier='))?.slice('--earlier='.length);
const MONTHS_BACK = 26;
const PREMAKE = 3;

const base = 'pk_bench_apply_base';
const baseUrl = await benchDatabase(base);
const dir = mkdtempSync(join(tmpdir(), 'pk-apply-bench-'));

// The base: N parents handed to pg_partman, which makes months from MONTHS_BACK ago through
// PREMAKE ahead in its naming (bench_tN_pYYYY_MM); then the current month and everything after it
// is dropped again, so each subject has the same 4 × N partitions to create.
const today = await withClient(baseUrl, async (db) => {
  await db.query('create schema partman; create extension pg_partman schema partman');
  const { rows } = await db.query<{ first: string; current: string }>(
    `select to_char(date_trunc('month', current_date) - make_interval(months => ${MONTHS_BACK}), 'YYYY-MM-DD') as first,
            to_char(date_trunc('month', current_date), 'YYYY-MM-DD') as current`,
  );
  const { first, current } = rows[0]!;
  for (let i = 1; i <= parents; i += 1) {
    const parent = `bench_t${i}`;
    await db.query(
      `create table ${parent} (id bigint generated always as identity, k date not null, v text, primary key (id, k))
         partition by range (k)`,
    );
    await db.query(
      `select partman.create_parent(p_parent_table := $1, p_control := 'k', p_type := 'native',
         p_interval := 'monthly', p_premake := ${PREMAKE}, p_start_partition := $2, p_jobmon := false)`,
      [`public.${parent}`, first],
    );
  }
  await db.query(`
    do $$ declare r record; begin
      for r in select c.oid::regclass as part from pg_inherits i join pg_class c on c.oid = i.inhrelid
                where c.relname ~ '^bench_t\\d+_p\\d{4}_\\d{2}$'
                  and to_date(substring(c.relname from '_p(\\d{4}_\\d{2})$'), 'YYYY_MM') >= '${current}'::date
      loop execute format('drop table %s', r.part); end loop;
      ${
        withDefault
          ? ''
          : `for r in select c.oid::regclass as part from pg_class c where c.relname ~ '^bench_t\\d+_default$'
      loop execute format('drop table %s', r.part); end loop;`
      }
    end $$`);
  // Without this pg_partman creates nothing ahead of a table that has no new rows (its guard
  // against endless creation); our tool and the bare DDL create regardless, so make it do the same.
  await db.query(`update partman.part_config set infinite_time_partitions = true, premake = ${PREMAKE - 1}`);
  await db.query('vacuum analyze');
  return current;
});

const configFile = join(dir, 'partitions.yml');
writeFileSync(
  configFile,
  `defaults:\n  interval: month\n  naming: "{parent}_p{YYYY}_{MM}"\n  premake: ${PREMAKE}\ntables:\n` +
    Array.from({ length: parents }, (_, i) => `  - table: bench_t${i + 1}\n`).join(''),
);

// The bare DDL: what a person would run by hand for the same partitions.
const months = Array.from({ length: PREMAKE + 1 }, (_, m) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + m);
  const next = new Date(d);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return { from: d.toISOString().slice(0, 10), to: next.toISOString().slice(0, 10) };
});
const ddl: string[] = [];
for (let i = 1; i <= parents; i += 1) {
  for (const { from, to } of months) {
    const name = `bench_t${i}_p${from.slice(0, 7).replace('-', '_')}`;
    ddl.push(`CREATE TABLE ${name} PARTITION OF bench_t${i} FOR VALUES FROM ('${from}') TO ('${to}');`);
  }
}
const ddlFile = join(dir, 'bare.sql');
writeFileSync(ddlFile, `${ddl.join('\n')}\n`);
// The same DDL split by table over 8 psql sessions at once: about the least time this server takes
// to make these partitions, whoever sends the DDL (the floor for any tool).
const PARALLEL = 8;
const parallelFiles = Array.from({ length: PARALLEL }, (_, k) => {
  const file = join(dir, `bare-${k}.sql`);
  const mine = ddl.filter((_, i) => Math.floor(i / (PREMAKE + 1)) % PARALLEL === k);
  writeFileSync(file, `${mine.join('\n')}\n`);
  return file;
});

const subjects: Record<string, (url: string) => [string, string[]]> = {
  'partition-keeper apply (attach)': () => [
    'node',
    ['dist/cli/index.js', 'apply', '--config', configFile, '--now', new Date().toISOString().slice(0, 10)],
  ],
  'partition-keeper apply (partition-of)': () => [
    'node',
    [
      'dist/cli/index.js',
      'apply',
      '--config',
      configFile,
      '--strategy',
      'partition-of',
      '--now',
      new Date().toISOString().slice(0, 10),
    ],
  ],
  ...(earlier && {
    [`partition-keeper apply (attach), earlier bundle`]: () => [
      'node',
      [
        join(earlier, 'dist/cli/index.js'),
        'apply',
        '--config',
        configFile,
        '--now',
        new Date().toISOString().slice(0, 10),
      ],
    ],
  }),
  'psql, bare DDL': (url) => ['psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', ddlFile]],
  [`psql, bare DDL on ${PARALLEL} sessions at once`]: () => [
    'bash',
    [
      '-c',
      // Every session must succeed: wait for each one and fail if any did.
      `pids=(); for f in "$@"; do psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f "$f" & pids+=($!); done; ` +
        'for p in "${pids[@]}"; do wait "$p" || exit 1; done',
      'bash',
      ...parallelFiles,
    ],
  ],
  'pg_partman run_maintenance()': (url) => [
    'psql',
    [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      url,
      '-c',
      'select partman.run_maintenance(p_analyze := false)',
    ],
  ],
};

const countNew = (url: string): Promise<number> =>
  withClient(url, async (db) => {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where c.relname ~ '^bench_t\\d+_p\\d{4}_\\d{2}$'
          and to_date(substring(c.relname from '_p(\\d{4}_\\d{2})$'), 'YYYY_MM') >= '${today}'::date`,
    );
    return Number(rows[0]!.n);
  });

const times: Record<string, number[]> = {};
const created: Record<string, number> = {};
for (let r = 0; r < repeats; r += 1) {
  // Alternate the order each round so drift (cache, autovacuum) hits every subject alike.
  const order = Object.keys(subjects);
  if (r % 2 === 1) order.reverse();
  for (const name of order) {
    const url = await benchDatabase('pk_bench_apply_run', base);
    // Copying the base writes it all to WAL; without a checkpoint here, the one that WAL triggers
    // lands inside whichever subject runs next (runs of one subject varied 2.0–3.7 s).
    await withClient(url, (db) => db.query('checkpoint'));
    const [command, commandArgs] = subjects[name]!(url);
    (times[name] ??= []).push(timeCommand(command, commandArgs, { ...process.env, DATABASE_URL: url }));
    created[name] = await countNew(url);
  }
}

const ms = (name: string): number => median(times[name] ?? []);
const ours = ms('partition-keeper apply (attach)');
console.log(
  `apply benchmark: ${parents} parents, ${parents * (PREMAKE + 1)} missing monthly partitions, ` +
    `${withDefault ? 'with' : 'without'} DEFAULT partitions; median of ${repeats} runs each`,
);
console.log('| subject | partitions created | median ms | runs ms |');
console.log('| --- | ---: | ---: | --- |');
for (const name of Object.keys(subjects)) {
  console.log(
    `| ${name} | ${created[name]} | ${ms(name).toFixed(0)} | ${(times[name] ?? []).map((t) => t.toFixed(0)).join(', ')} |`,
  );
}
console.log(
  `ratio apply (attach) / psql bare DDL: ${(ours / ms('psql, bare DDL')).toFixed(2)} (target ≤ 1.3)`,
);
// pg_partman's premake counts from its newest partition, so on some days it makes one month fewer
// than the others (600 of 800 on 2026-12-01): then the time per partition is what compares, roughly
// (each subject's fixed start-up cost is spread over its own count, which favours us a little).
const partman = 'pg_partman run_maintenance()';
const perPartition = (name: string): number => ms(name) / (created[name] || 1);
const fewer = created[partman] !== created['partition-keeper apply (attach)'];
console.log(
  `ratio apply (attach) / pg_partman run_maintenance(): ${(ours / ms(partman)).toFixed(2)} (target ≤ 0.5)` +
    (fewer
      ? `; pg_partman made ${created[partman]} partitions, ours ${created['partition-keeper apply (attach)']}: ` +
        `per partition ${(perPartition('partition-keeper apply (attach)') / perPartition(partman)).toFixed(2)}`
      : ''),
);
console.log(
  `ratio apply (partition-of) / psql bare DDL: ${(ms('partition-keeper apply (partition-of)') / ms('psql, bare DDL')).toFixed(2)}`,
);
if (earlier) {
  console.log(
    `ratio apply (attach) / the earlier bundle's: ${(ours / ms('partition-keeper apply (attach), earlier bundle')).toFixed(2)}`,
  );
}
const floor = ms(`psql, bare DDL on ${PARALLEL} sessions at once`);
console.log(
  `ratio bare DDL on ${PARALLEL} sessions / pg_partman run_maintenance(): ${(floor / ms('pg_partman run_maintenance()')).toFixed(2)} ` +
    `(the floor: no tool sending this DDL gets below it here)`,
);

await dropDatabase('pk_bench_apply_run');
await dropDatabase(base);
