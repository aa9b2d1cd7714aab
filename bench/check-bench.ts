// Benchmark: `check` and `plan` at the speed limit (issue 9), whole processes, medians.
//   check    200 pg_partman-made monthly parents (31 partitions + DEFAULT each): our no-op `check`
//            beside pg_partman's no-op run_maintenance(), the bare bounds query in psql, our catalog
//            query in psql, and `node -e 0`.
//   default  `check` of one parent whose indexed DEFAULT holds 5,000,000 rows, all in the past,
//            beside the same parent with an empty DEFAULT.
//   plan     `plan` at 1,000 parents × 100 monthly partitions (100,000), as run by default (text)
//            and with --format json, wall time and peak RSS (/usr/bin/time -v), beside the bare
//            bounds query (pg_get_expr(relpartbound, 0), and once with the oid for comparison) and
//            `node -e 0`.
// Our CLI is the ncc bundle users run (built from src into /tmp/pk-bench-cli first).
// Usage: npm run bench:check -- [check] [default] [plan]   (default: all; REPEATS=5, PLAN_REPEATS=min(REPEATS, 5))
// Needs pg_partman (bash bench/setup-partman.sh). The databases are kept and reused when complete
// (BENCH_FRESH=1 rebuilds them); setting up 100,000 partitions takes minutes. BENCH_SKIP_BUILD=1
// times the bundle already in /tmp/pk-bench-cli.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/load';
import { adminUrl, median, withClient, writeCatalogSql } from './lib';

const phases = new Set(
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['check', 'default', 'plan'],
);
const REPEATS = Number(process.env.REPEATS ?? 5);
const PLAN_REPEATS = Number(process.env.PLAN_REPEATS ?? Math.min(REPEATS, 5));
const FRESH = process.env.BENCH_FRESH === '1';
const CLI = '/tmp/pk-bench-cli/index.js';
const dir = mkdtempSync(join(tmpdir(), 'pk-check-bench-'));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

function urlOf(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Whether `name` exists and answers `ready` with true (a complete setup from an earlier run). */
async function reusable(name: string, ready: string): Promise<boolean> {
  if (FRESH) return false;
  try {
    return await withClient(
      urlOf(name),
      async (db) => (await db.query<{ ok: boolean }>(ready)).rows[0]?.ok === true,
    );
  } catch {
    return false;
  }
}

async function freshDatabase(name: string): Promise<string> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  });
  return urlOf(name);
}

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

// Where a timed command's report goes when it is not read: psql's go to /dev/null (-o), and ours
// must too, or the 8.8 MB JSON plan is timed passing through a pipe into this process (~140 ms).
const devNull = openSync('/dev/null', 'w');

function run(command: string, args: string[], okStatus: number[] = [0], discardStdout = false): Run {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...(discardStdout && { stdio: ['ignore', devNull, 'pipe'] }),
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!okStatus.includes(result.status ?? -1)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 2000)}`);
  }
  return { ms, status: result.status, stdout: result.stdout ?? '', stderr: result.stderr };
}

interface Timings {
  /** Each subject's median. */
  median: Record<string, number>;
  /** Each subject's runs, round by round (round i of every subject ran back to back). */
  runs: Record<string, number[]>;
}

/** REPEATS runs of each, alternating so that drift in the machine's load hits all alike. */
function timeSideBySide(subjects: Record<string, () => number>, repeats = REPEATS): Timings {
  for (const time of Object.values(subjects)) time(); // warm-up
  const runs: Record<string, number[]> = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (let i = 0; i < repeats; i += 1) {
    for (const [name, time] of Object.entries(subjects)) runs[name]!.push(time());
  }
  for (const [name, values] of Object.entries(runs)) {
    console.log(`  ${name}: ${values.map((v) => v.toFixed(0)).join(', ')} ms`);
  }
  return { median: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])), runs };
}

/**
 * `top` over the sum of `bottom`, round by round, and the median of those ratios: a stretch of load
 * on this shared machine slows every subject of a round, so it cancels here where it can shift the
 * separate medians.
 */
function roundRatio(t: Timings, top: string, bottom: string[]): string {
  const ratios = t.runs[top]!.map((ms, i) => ms / bottom.reduce((sum, b) => sum + t.runs[b]![i]!, 0));
  return median(ratios).toFixed(2);
}

const psql = (url: string, ...args: string[]): string[] => [
  '-X',
  '-q',
  '-v',
  'ON_ERROR_STOP=1',
  '-o',
  '/dev/null',
  '-d',
  url,
  ...args,
];
const nodeStart = (): number => run('node', ['-e', '0']).ms;

function buildCli(): void {
  const started = Date.now();
  run('npx', [
    'ncc',
    'build',
    'src/cli.ts',
    '-o',
    '/tmp/pk-bench-cli',
    '--target',
    'es2022',
    '--minify',
    '-q',
  ]);
  run('node', ['scripts/copy-wasm.mjs', '/tmp/pk-bench-cli']);
  console.log(`built ${CLI} with ncc in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Our catalog statement for `configFile`'s tables, as psql would run it. */
function catalogSqlFile(configFile: string): string {
  const file = join(dir, 'catalog.sql');
  writeCatalogSql(file, loadConfig(configFile).tables);
  return file;
}

/** The bounds of every partition of the bench parents, nothing else. */
const bareBounds = (context: '0' | 'c.oid'): string =>
  `select p.relname, c.relname, pg_get_expr(c.relpartbound, ${context})
     from pg_class p join pg_inherits i on i.inhparent = p.oid join pg_class c on c.oid = i.inhrelid
    where p.relkind = 'p' and p.relname like 'bench\\_t%'`;

// ---------------------------------------------------------------------------------------------
const PARTMAN_PARENTS = 200;
const MONTHS_BACK = 26; // + the current month + premake 4 = 31 partitions, and pg_partman's DEFAULT

async function checkPhase(): Promise<void> {
  const name = 'pk_bench_check_partman';
  const url = urlOf(name);
  if (!(await reusable(name, `select count(*) = ${PARTMAN_PARENTS} as ok from partman.part_config`))) {
    const started = Date.now();
    await freshDatabase(name);
    await withClient(url, async (db) => {
      await db.query('create schema partman; create extension pg_partman schema partman');
      const { rows } = await db.query<{ first: string }>(
        `select to_char(date_trunc('month', current_date) - make_interval(months => ${MONTHS_BACK}), 'YYYY-MM-DD') as first`,
      );
      for (let i = 1; i <= PARTMAN_PARENTS; i += 1) {
        await db.query(
          `create table bench_t${i} (id bigint not null, k date not null, v text) partition by range (k)`,
        );
        await db.query(
          `select partman.create_parent(p_parent_table := $1, p_control := 'k', p_type := 'native',
             p_interval := 'monthly', p_premake := 4, p_start_partition := $2, p_jobmon := false)`,
          [`public.bench_t${i}`, rows[0]!.first],
        );
      }
      await db.query('vacuum analyze');
      await db.query('checkpoint');
    });
    console.log(
      `set up ${PARTMAN_PARENTS} pg_partman parents in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  const counts = await withClient(url, async (db) => {
    const { rows } = await db.query<{ parts: number; defaults: number }>(
      `select count(*) filter (where pg_get_expr(c.relpartbound, 0) <> 'DEFAULT')::int as parts,
              count(*) filter (where pg_get_expr(c.relpartbound, 0) = 'DEFAULT')::int as defaults
         from pg_inherits i join pg_class c on c.oid = i.inhrelid`,
    );
    return rows[0]!;
  });
  const configFile = join(dir, 'partman.yml');
  writeFileSync(
    configFile,
    'defaults:\n  interval: month\n  naming: "{parent}_p{YYYY}_{MM}"\n  premake: 4\ntables:\n' +
      Array.from({ length: PARTMAN_PARENTS }, (_, i) => `  - table: bench_t${i + 1}\n`).join(''),
  );
  const catalogFile = catalogSqlFile(configFile);
  const bareFile = join(dir, 'bare.sql');
  writeFileSync(bareFile, `${bareBounds('0')};\n`);
  // run_maintenance() with nothing to do, as cron calls it; its procedure form commits per parent
  // (pg_partman's advice when one transaction runs out of lock slots).
  let maintenance = ['-c', 'select partman.run_maintenance()'];
  const probe = spawnSync('psql', psql(url, ...maintenance), { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`run_maintenance() failed (${probe.stderr.trim()}); timing run_maintenance_proc() instead`);
    maintenance = ['-c', 'call partman.run_maintenance_proc()'];
  }
  const first = run('node', [CLI, 'check', '--config', configFile, '--database-url', url]);
  console.log(
    `check phase: ${PARTMAN_PARENTS} parents, ${counts.parts} partitions + ${counts.defaults} DEFAULT; ` +
      `check says: ${first.stdout.trim().split('\n').pop()}; load ${load()}`,
  );
  const t = timeSideBySide({
    'partition-keeper check (node bundle)': () =>
      run('node', [CLI, 'check', '--config', configFile, '--database-url', url]).ms,
    [`pg_partman ${maintenance[1]}`]: () => run('psql', psql(url, ...maintenance)).ms,
    'psql: bare bounds query, pg_get_expr(relpartbound, 0)': () => run('psql', psql(url, '-f', bareFile)).ms,
    'psql: our catalog query': () => run('psql', psql(url, '-f', catalogFile)).ms,
    'psql: select 1': () => run('psql', psql(url, '-c', 'select 1')).ms,
    'node -e 0': nodeStart,
  });
  const partman = `pg_partman ${maintenance[1]}`;
  const check = 'partition-keeper check (node bundle)';
  const bare = 'psql: bare bounds query, pg_get_expr(relpartbound, 0)';
  const m = t.median;
  console.log(`| what | median ms |\n| --- | ---: |`);
  for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toFixed(0)} |`);
  console.log(
    `ratio check / pg_partman no-op: ${(m[check]! / m[partman]!).toFixed(2)} of the medians, ` +
      `${roundRatio(t, check, [partman])} round by round (target ≤ 0.5)`,
  );
  console.log(
    `ratio check / (bare bounds query + node -e 0): ${(m[check]! / (m[bare]! + m['node -e 0']!)).toFixed(2)} of the medians, ` +
      `${roundRatio(t, check, [bare, 'node -e 0'])} round by round`,
  );
  console.log(`load after: ${load()}`);
}

// ---------------------------------------------------------------------------------------------
const BIG_ROWS = 5_000_000;

async function defaultPhase(): Promise<void> {
  const name = 'pk_bench_check_default';
  const url = urlOf(name);
  if (!(await reusable(name, `select count(*) = ${BIG_ROWS} as ok from big_default`))) {
    const started = Date.now();
    await freshDatabase(name);
    await withClient(url, async (db) => {
      for (const table of ['big', 'small']) {
        await db.query(`
          create table ${table} (id bigint not null, k date not null, v int) partition by range (k);
          create table ${table}_default partition of ${table} default;
          create index on ${table} (k);
          do $$ declare first date := date_trunc('month', current_date)::date - interval '26 months'; m int;
          begin
            for m in 0..30 loop
              execute format('create table ${table}_p%s partition of ${table} for values from (%L) to (%L)',
                to_char(first + make_interval(months => m), 'YYYY_MM'),
                first + make_interval(months => m), first + make_interval(months => m + 1));
            end loop;
          end $$;`);
      }
      // Every row in the past, before the first partition: rows to report, none in a planned range.
      await db.query(
        `insert into big_default select g, date '2000-01-01' + (g % 7000), g % 1000 from generate_series(1, ${BIG_ROWS}) g`,
      );
      await db.query('vacuum analyze');
      await db.query('checkpoint');
    });
    console.log(`set up the 5,000,000-row DEFAULT in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const config = (table: string): string => {
    const file = join(dir, `${table}.yml`);
    writeFileSync(
      file,
      `tables:\n  - table: ${table}\n    interval: month\n    naming: "{parent}_p{YYYY}_{MM}"\n    premake: 4\n`,
    );
    return file;
  };
  const [big, small] = [config('big'), config('small')];
  const says = run('node', [CLI, 'check', '--config', big, '--database-url', url], [1]).stdout;
  console.log(
    `default phase: check of big says: ${says
      .trim()
      .split('\n')
      .find((l) => l.includes('default-rows'))
      ?.trim()}; load ${load()}`,
  );
  const t = timeSideBySide({
    'check, DEFAULT with 5,000,000 old rows (indexed)': () =>
      run('node', [CLI, 'check', '--config', big, '--database-url', url], [1]).ms,
    'check, empty DEFAULT': () => run('node', [CLI, 'check', '--config', small, '--database-url', url]).ms,
  });
  const m = t.median;
  const ratio = m['check, DEFAULT with 5,000,000 old rows (indexed)']! / m['check, empty DEFAULT']!;
  console.log(`| what | median ms |\n| --- | ---: |`);
  for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toFixed(0)} |`);
  console.log(
    `ratio 5M-row DEFAULT / empty DEFAULT: ${ratio.toFixed(2)} (target ≤ 1.5); load after: ${load()}`,
  );
}

// ---------------------------------------------------------------------------------------------
const PLAN_PARENTS = 1000;
const PLAN_PARTITIONS = 100;

async function planPhase(): Promise<void> {
  const name = 'pk_bench_check_100k';
  const url = urlOf(name);
  const total = PLAN_PARENTS * PLAN_PARTITIONS;
  if (!(await reusable(name, `select count(*) = ${total} as ok from pg_inherits`))) {
    const started = Date.now();
    await freshDatabase(name);
    await withClient(url, async (db) => {
      // 100 months ending with the current one (so plan has premake work); a transaction per
      // parent, or the server runs out of lock slots.
      for (let i = 1; i <= PLAN_PARENTS; i += 1) {
        await db.query(`
          do $$ declare m int; first date := date_trunc('month', current_date)::date - make_interval(months => ${PLAN_PARTITIONS - 1});
          begin
            create table bench_t${i} (id bigint, k date not null, v text) partition by range (k);
            for m in 0..${PLAN_PARTITIONS - 1} loop
              execute format('create table bench_t${i}_y%s partition of bench_t${i} for values from (%L) to (%L)',
                to_char(first + make_interval(months => m), 'YYYY"m"MM'),
                first + make_interval(months => m), first + make_interval(months => m + 1));
            end loop;
          end $$;`);
        if (i % 100 === 0)
          console.log(`  ${i} parents set up (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
      await db.query('checkpoint');
    });
    console.log(`set up ${total} partitions in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const configFile = join(dir, 'plan.yml');
  writeFileSync(
    configFile,
    'defaults:\n  interval: month\n  premake: 2\ntables:\n' +
      Array.from({ length: PLAN_PARENTS }, (_, i) => `  - table: bench_t${i + 1}\n`).join(''),
  );
  const bare0 = join(dir, 'bare0.sql');
  const bareOid = join(dir, 'bareoid.sql');
  writeFileSync(bare0, `${bareBounds('0')};\n`);
  writeFileSync(bareOid, `${bareBounds('c.oid')};\n`);
  const catalogFile = catalogSqlFile(configFile);
  const planArgs = [CLI, 'plan', '--config', configFile, '--database-url', url];
  const jsonArgs = [...planArgs, '--format', 'json'];
  const planned = JSON.parse(run('node', jsonArgs).stdout) as { statements?: string[]; steps: unknown[] };
  console.log(`plan phase: ${total} partitions, ${planned.steps.length} steps planned; load ${load()}`);
  // `plan` as run by default (the text report), and with --format json, which also carries every
  // step's SQL (the DO blocks: 7 of its 8.8 MB), written by neither psql subject.
  const plan = 'partition-keeper plan (node bundle; text, the default)';
  const json = 'partition-keeper plan --format json (node bundle)';
  const rss: Record<string, number[]> = { [plan]: [], [json]: [] };
  const timed = (name: string, args: string[]) => (): number => {
    const r = run('/usr/bin/time', ['-v', 'node', ...args], [0], true);
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    if (kb) rss[name]!.push(Number(kb[1]) / 1024);
    return r.ms;
  };
  const t = timeSideBySide(
    {
      [plan]: timed(plan, planArgs),
      [json]: timed(json, jsonArgs),
      'psql: bare bounds query, pg_get_expr(relpartbound, 0)': () => run('psql', psql(url, '-f', bare0)).ms,
      'psql: our catalog query': () => run('psql', psql(url, '-f', catalogFile)).ms,
      'node -e 0': nodeStart,
    },
    PLAN_REPEATS,
  );
  const withOid = run('psql', psql(url, '-f', bareOid)).ms;
  const bare = 'psql: bare bounds query, pg_get_expr(relpartbound, 0)';
  const m = t.median;
  console.log(`| what | median ms |\n| --- | ---: |`);
  for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toFixed(0)} |`);
  console.log(
    `| psql: bare bounds query, pg_get_expr(relpartbound, c.oid) (1 run) | ${withOid.toFixed(0)} |`,
  );
  for (const subject of [plan, json]) {
    const mb = rss[subject]!;
    console.log(
      `${subject}: peak RSS ${mb.map((r) => r.toFixed(0)).join(', ')} MB (median ${median(mb).toFixed(0)}; target < 250); ` +
        `/ (bare bounds query + node -e 0): ${(m[subject]! / (m[bare]! + m['node -e 0']!)).toFixed(2)} of the medians, ` +
        `${roundRatio(t, subject, [bare, 'node -e 0'])} round by round (target ≤ 1.3)`,
    );
  }
  console.log(`load after: ${load()}`);
}

console.log(
  `check-bench ${new Date().toISOString()}; load ${load()}; ${REPEATS} runs each (plan: ${PLAN_REPEATS})`,
);
if (process.env.BENCH_SKIP_BUILD === '1') console.log(`using the ${CLI} already built (BENCH_SKIP_BUILD=1)`);
else buildCli();
if (phases.has('check')) await checkPhase();
if (phases.has('default')) await defaultPhase();
if (phases.has('plan')) await planPhase();
