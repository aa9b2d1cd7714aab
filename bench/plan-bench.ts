// Benchmark: `partition-keeper plan` end to end (Node start-up, config, one snapshot, planner,
// JSON out) beside psql running the bare catalog query, on the local server, in one run.
// Usage: npm run build && npx tsx bench/plan-bench.ts [parents=200] [partitionsEach=30] [repeats=7] [--earlier=DIR]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readSnapshot } from '../src/catalog/snapshot';
import { connect } from '../src/db/connect';
import { loadConfig } from '../src/config/load';
import { benchDatabase, dropDatabase, median, serverVersionNum, timeCommand, writeCatalogSql } from './lib';

const parents = Number(process.argv[2] ?? 200);
const partitionsEach = Number(process.argv[3] ?? 30);
const repeats = Number(process.argv[4] ?? 7);
const NOW = new Date().toISOString().slice(0, 10);

const url = await benchDatabase('pk_bench_plan');
const setup = new pg.Client({ connectionString: url });
await setup.connect();
// N parents × `partitionsEach` monthly partitions ending in the current month (so plan has premake
// work); one transaction per parent, or the server runs out of lock slots.
for (let i = 1; i <= parents; i += 1) {
  await setup.query(`
  do $$
  declare m int; first date := date_trunc('month', current_date)::date - make_interval(months => ${partitionsEach - 1});
  begin
    execute format('create table bench_t%s (id bigint, k date not null, v text) partition by range (k)', ${i});
    execute format('create index on bench_t%s (k)', ${i});
    for m in 0..${partitionsEach - 1} loop
      execute format('create table bench_t%s_y%s partition of bench_t%s for values from (%L) to (%L)',
        ${i}, to_char(first + make_interval(months => m), 'YYYY"m"MM'), ${i},
        (first + make_interval(months => m))::date, (first + make_interval(months => m + 1))::date);
    end loop;
  end $$;`);
}
// Settle the setup's WAL before timing, or a checkpoint it triggers lands inside some timed run.
await setup.query('checkpoint');
await setup.end();

const dir = mkdtempSync(join(tmpdir(), 'pk-bench-'));
const configFile = join(dir, 'partitions.yml');
const tables = Array.from(
  { length: parents },
  (_, i) => `  - table: bench_t${i + 1}\n    interval: month\n    premake: 2\n`,
);
writeFileSync(configFile, `tables:\n${tables.join('')}`);

// The bare catalog query as psql would run it: the same two statements, their arrays inlined.
const specs = loadConfig(configFile).tables;
const sqlFile = join(dir, 'catalog.sql');
writeCatalogSql(sqlFile, specs);

const env = { ...process.env, DATABASE_URL: url };
const plan = (): number =>
  timeCommand(
    'node',
    ['dist/cli/index.js', 'plan', '--format', 'json', '--config', configFile, '--now', NOW],
    env,
  );
const psql = (): number =>
  timeCommand(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-d', url, '-f', sqlFile],
    env,
  );
const nodeStart = (): number => timeCommand('node', ['-e', ''], env);
// --earlier=DIR: an earlier commit's bundle (`git archive <commit> dist | tar -x -C DIR`), timed beside.
const earlier = process.argv.find((a) => a.startsWith('--earlier='))?.slice('--earlier='.length);
const planEarlier = (): number =>
  earlier
    ? timeCommand(
        'node',
        [
          join(earlier, 'dist/cli/index.js'),
          'plan',
          '--format',
          'json',
          '--config',
          configFile,
          '--now',
          NOW,
        ],
        env,
      )
    : 0;

// Warm up once each (file cache, catalog cache), then alternate so drift hits all alike.
plan();
psql();
nodeStart();
planEarlier();
const samples = { plan: [] as number[], psql: [] as number[], node: [] as number[], earlier: [] as number[] };
for (let i = 0; i < repeats; i += 1) {
  samples.plan.push(plan());
  if (earlier) samples.earlier.push(planEarlier());
  samples.psql.push(psql());
  samples.node.push(nodeStart());
}

const serverVersion = serverVersionNum();
async function roundTripsFor(count: number): Promise<number> {
  const client = await connect(url);
  let queries = 0;
  const original = client.query.bind(client);
  client.query = ((...args: Parameters<typeof original>) => {
    queries += 1;
    return original(...args);
  }) as typeof client.query;
  // The version as the CLI has it: from the catalog transaction's BEGIN, in no round trip of its own.
  await readSnapshot(client, specs.slice(0, count), { serverVersion });
  await client.end();
  return queries;
}
const trips = { one: await roundTripsFor(1), all: await roundTripsFor(parents) };

const p = median(samples.plan);
const q = median(samples.psql);
const n = median(samples.node);
const check = spawnSync(
  'node',
  ['dist/cli/index.js', 'plan', '--format', 'json', '--config', configFile, '--now', NOW],
  { env, encoding: 'utf8', maxBuffer: 1 << 30 },
);
const creates = (JSON.parse(check.stdout) as { statements: string[] }).statements.length;

console.log(
  `plan benchmark: ${parents} parents × ${partitionsEach} monthly partitions, ${repeats} runs each, medians`,
);
console.log(`| what | median ms |`);
console.log(`| --- | ---: |`);
console.log(
  `| partition-keeper plan (node dist/cli, end to end, ${creates} creates planned) | ${p.toFixed(0)} |`,
);
console.log(`| psql running the bare catalog query | ${q.toFixed(0)} |`);
console.log(`| node start-up (node -e '') | ${n.toFixed(0)} |`);
console.log(`ratio plan / (bare query + node start-up): ${(p / (q + n)).toFixed(2)} (target < 1.5)`);
console.log(`ratio plan / bare query alone: ${(p / q).toFixed(2)}`);
if (earlier) {
  const e = median(samples.earlier);
  console.log(`| the earlier bundle's plan (${earlier}) | ${e.toFixed(0)} |`);
  console.log(`ratio plan / the earlier bundle's plan: ${(p / e).toFixed(2)}`);
}
console.log(
  `round trips for the snapshot (after connect + session SET): 1 parent ${trips.one}, ${parents} parents ${trips.all}`,
);

await dropDatabase('pk_bench_plan');
