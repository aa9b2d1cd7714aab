// Benchmark: archiving one partition (fingerprint, dump, verify, upload to a local S3 server) with
// our functions, and end to end through the CLI as a user runs it (`partition-keeper apply`:
// detach, move, dump, verify, upload), beside the bare commands a person would run by hand
// (pg_dump -Fc to a file, sha256sum, an upload of the file with the same SDK), in one run, on the
// local server and s3rver. Also the two ways of reading a dump's rows back (issue 10, item 5):
// restoring it into a scratch database and fingerprinting there with the same SQL, or streaming
// pg_restore's COPY text into Node.
//
// Usage: npx tsx bench/archive-bench.ts [sizeMB=1000] [--cli=PATH]   (npm run bench:archive)
//   --cli=PATH: the CLI bundle apply runs from (default: built from src/ with ncc into a temporary
//   directory first, as `npm run build` does; the build is not timed).
// The rows are made in public.kid_absences_2025, the 2025 partition of public.kid_absences (2026–2028
// exist too, so apply has nothing to create); `apply --now 2027-03-01` with retention 1 year and
// `archive: {schema: archive, dump: s3://…}` (no drop) detaches it and leaves it as
// archive.kid_absences_2025, the table every other subject then reads: same table, same data.
// Each library subject runs in a child process of its own, so its peak RSS (getrusage maxrss) is its
// own; times are measured inside the child, from the start of the work to its end (Node start-up
// apart). apply is timed as a whole process (wall clock, Node start-up included); its steps' times
// come from its --log-format json lines; its peak RSS is its own (getrusage, from a preload) and,
// by /usr/bin/time, that of the process with its pg_dump and pg_restore children.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { connect } from '../src/db/connect';
import { parseConnInfo } from '../src/db/conninfo';
import {
  dumpFileName,
  dumpTable,
  dumpTarget,
  openStore,
  readServerVersion,
  tableFingerprint,
  verifyDump,
} from '../src/run/archive';
import { CopyTextFingerprint } from '../src/run/archive/fingerprint';
import { s3ClientConfig } from '../src/run/archive/store';
import { quoteIdent, quoteLiteral, quoteQualified } from '../src/sql/quote';
import { startS3Server } from '../test/helpers/s3-server';
import { benchDatabase, dropDatabase, withClient } from './lib';

// apply moves the 2025 partition of PARENT into the archive schema: TABLE is where it ends up.
const PARENT = { schema: 'public', name: 'kid_absences' };
const PARTITION = { schema: 'public', name: 'kid_absences_2025' };
const TABLE = { schema: 'archive', name: 'kid_absences_2025' };
const QUALIFIED = quoteQualified(TABLE);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ChildReport {
  phases: Record<string, number>;
  totalMs: number;
  maxRssMB: number;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Child: one subject, its phases timed; prints a ChildReport as JSON on its last line. */
async function child(subject: string, url: string, file: string, location: string): Promise<void> {
  const phases: Record<string, number> = {};
  const started = process.hrtime.bigint();
  const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t = process.hrtime.bigint();
    const result = await work();
    phases[name] = since(t);
    return result;
  };
  if (subject === 'ours') {
    const client = await connect(url, { statementTimeoutMs: 0 }); // the runner gives the time left
    const target = dumpTarget(parseConnInfo(url, process.env), await readServerVersion(client), process.env);
    const fingerprint = await time('fingerprint (SQL)', () => tableFingerprint(client, TABLE));
    const dump = await time('dump', () => dumpTable(target, TABLE, file));
    await time('verify', () => verifyDump(target, file, { ...fingerprint, ...dump }));
    const store = openStore(location);
    await time('upload + confirm', () => store.put(dumpFileName(TABLE), file, dump.sha256));
    await client.end();
  } else if (subject === 'ours-overlapped') {
    // The same calls, overlapped where they are independent: the live fingerprint beside the dump
    // (two server sessions), the verification beside the upload (both only read the file); the
    // upload still counts only once confirmed, and a drop would wait for both.
    const client = await connect(url, { statementTimeoutMs: 0 }); // the runner gives the time left
    const target = dumpTarget(parseConnInfo(url, process.env), await readServerVersion(client), process.env);
    const [fingerprint, dump] = await time('fingerprint ∥ dump', () =>
      Promise.all([tableFingerprint(client, TABLE), dumpTable(target, TABLE, file)]),
    );
    const store = openStore(location);
    await time('verify ∥ upload + confirm', () =>
      Promise.all([
        verifyDump(target, file, { ...fingerprint, ...dump }),
        store.put(dumpFileName(TABLE), file, dump.sha256),
      ]),
    );
    await client.end();
  } else if (subject === 'bare-upload') {
    // What a person would write with the same SDK: lib-storage's Upload with its defaults.
    const client = new S3Client(s3ClientConfig(process.env));
    const { bucket, key } = /^s3:\/\/(?<bucket>[^/]+)\/(?<key>.*)$/.exec(location)?.groups as {
      bucket: string;
      key: string;
    };
    await time('upload', () =>
      new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done(),
    );
    client.destroy();
  } else if (subject === 'baseline') {
    // Nothing: the RSS of a child with its imports loaded.
  } else if (subject === 'readback-stream') {
    const rows = await CopyTextFingerprint.create();
    await time('pg_restore -f - → Node fingerprint', async () => {
      const run = spawnAsync('pg_restore', ['--data-only', '--file=-', file]);
      await pipeline(
        run.stdout,
        new Writable({
          write(chunk: Buffer, _e, done) {
            rows.update(chunk);
            done();
          },
        }),
      );
      await run.done;
    });
  }
  const report: ChildReport = {
    phases,
    totalMs: since(started),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(report));
}

function spawnAsync(command: string, args: string[]): { stdout: NodeJS.ReadableStream; done: Promise<void> } {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<void>((resolve, reject) =>
    proc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`)))),
  );
  return { stdout: proc.stdout, done };
}

/** Runs a command without blocking this process (s3rver answers from here): status, stdout, stderr. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runChild(
  subject: string,
  url: string,
  file: string,
  location: string,
  env: NodeJS.ProcessEnv,
): Promise<ChildReport> {
  const result = await run(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', subject, url, file, location],
    env,
  );
  if (result.code !== 0) throw new Error(`${subject} failed: ${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildReport;
}

/** Wall-clock ms and peak RSS (MB) of a command, by /usr/bin/time; its stdout and stderr. */
async function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; maxRssMB: number; stdout: string; stderr: string }> {
  const started = process.hrtime.bigint();
  const result = await run('/usr/bin/time', ['-f', '%M', command, ...args], env);
  const ms = since(started);
  if (result.code !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  const kb = Number(lines.pop());
  return { ms, maxRssMB: kb / 1024, stdout: result.stdout, stderr: lines.join('\n') };
}

/** The CLI bundle from src/, as `npm run build` makes it (ncc, then libpg-query's wasm beside it). */
async function buildCli(dir: string): Promise<string> {
  const started = process.hrtime.bigint();
  const ncc = join(ROOT, 'node_modules', '.bin', 'ncc');
  const args = ['build', join(ROOT, 'src/cli.ts'), '-o', dir, '--target', 'es2022', '--minify'];
  const built = await run(ncc, [...args, '--transpile-only', '--quiet'], process.env, ROOT);
  if (built.code !== 0) throw new Error(`ncc build failed: ${built.stderr}`);
  const copied = await run(process.execPath, ['scripts/copy-wasm.mjs', dir], process.env, ROOT);
  if (copied.code !== 0) throw new Error(`copy-wasm failed: ${copied.stderr}`);
  console.log(`CLI bundle built from src/ in ${seconds(since(started))} s (not timed below)`);
  return join(dir, 'index.js');
}

interface ApplyReport {
  ms: number;
  /** Of the node process alone (getrusage RUSAGE_SELF at exit), and with its children (/usr/bin/time). */
  ownRssMB: number;
  treeRssMB: number;
  /** Each step's kind and `ms` as apply logged them. */
  steps: { kind: string; ms: number }[];
}

/**
 * `partition-keeper apply` as a user runs it, timed as a whole process. It must do exactly the
 * archival steps of the one due partition, each done: else the figures would not be this work's.
 */
async function applyRun(
  cli: string,
  url: string,
  work: string,
  location: string,
  env: NodeJS.ProcessEnv,
): Promise<ApplyReport> {
  const config = join(work, 'partitions.yml');
  await writeFile(
    config,
    `tables:
  - table: ${JSON.stringify(quoteQualified(PARENT))}
    interval: year
    naming: "{parent}_{YYYY}"
    premake: 1
    retention: 1 year
    archive:
      schema: ${JSON.stringify(quoteIdent(TABLE.schema))}
      dump: ${JSON.stringify(location)}
      drop: false
`,
  );
  // getrusage of the node process itself, written at exit (apply's pg_dump and pg_restore apart).
  const rssFile = join(work, 'apply-maxrss');
  const preload = join(work, 'maxrss.mjs');
  await writeFile(
    preload,
    `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));
`,
  );
  const args = ['--import', pathToFileURL(preload).href, cli, 'apply', '--config', config];
  // 2027: 2025's upper bound is at or before 2027-01-01 − 1 year; the deadline leaves time for 1 GB.
  args.push('--now', '2027-03-01', '--log-format', 'json', '--deadline', '3600');
  // The URL through the environment, as a user would pass a password: never on a command line.
  const result = await timed(process.execPath, args, { ...env, DATABASE_URL: url });
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (secret && `${result.stdout}${result.stderr}`.includes(secret))
    throw new Error('apply printed the secret access key');
  const logged = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('{')) // not Node's own warnings (the AWS SDK's about Node 20)
    .map((line) => JSON.parse(line) as { message: string; status?: string; ms?: number });
  const steps = logged
    .filter((e) => e.ms !== undefined)
    .map((e) => {
      if (e.status !== 'done') throw new Error(`apply: ${e.message}`);
      return { kind: /^done: step \d+\/\d+ (\w+) /.exec(e.message)?.[1] ?? e.message, ms: e.ms ?? 0 };
    });
  const kinds = steps.map((s) => s.kind).join(', ');
  if (kinds !== 'detach, move, dump, verify, upload')
    throw new Error(`apply ran ${kinds || 'no steps'}, not detach, move, dump, verify, upload`);
  const ownRssMB = Number(await readFile(rssFile, 'utf8')) / 1024;
  return { ms: result.ms, ownRssMB, treeRssMB: result.maxRssMB, steps };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizeMB = Number(args.find((a) => !a.startsWith('--')) ?? 1000);
  const cliArg = args.find((a) => a.startsWith('--cli='))?.slice('--cli='.length);
  const uptime = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  console.log(`archive bench: a partition of ~${sizeMB} MB; load before: ${uptime}`);
  const url = await benchDatabase('pk_bench_archive');
  const work = await mkdtemp(join(tmpdir(), 'pk-archive-bench-'));
  const s3 = await startS3Server('archive-bench');
  // Here too (the SDK reads the standard chain from process.env): apply's manifest is read below.
  Object.assign(process.env, s3.env);
  const env = { ...process.env, PGTZ: 'UTC' };
  try {
    const cli = cliArg ?? (await buildCli(join(work, 'cli')));
    // ~120 bytes a row on disk: an id, a kid, a day, a reason with some variety, a timestamp.
    const rows = Math.round((sizeMB * 1024 * 1024) / 120);
    const t0 = process.hrtime.bigint();
    await withClient(url, async (c) => {
      await c.query(
        `CREATE TABLE ${quoteQualified(PARENT)} (id bigint NOT NULL, kid_id int NOT NULL, day date NOT NULL,
           reason text, noted_at timestamptz NOT NULL) PARTITION BY RANGE (day)`,
      );
      // 2025 holds the rows; 2026–2028 are there so that apply has nothing to create.
      for (const year of [2025, 2026, 2027, 2028]) {
        const partition = { schema: PARENT.schema, name: `${PARENT.name}_${year}` };
        await c.query(
          `CREATE TABLE ${quoteQualified(partition)} PARTITION OF ${quoteQualified(PARENT)}
             FOR VALUES FROM (${quoteLiteral(`${year}-01-01`)}) TO (${quoteLiteral(`${year + 1}-01-01`)})`,
        );
      }
      const batch = 1_000_000;
      for (let first = 1; first <= rows; first += batch) {
        const last = Math.min(rows, first + batch - 1);
        await c.query(
          `INSERT INTO ${quoteQualified(PARTITION)}
           SELECT i, (i * 7919) % 50000, DATE '2025-01-01' + (i % 365)::int,
                  CASE WHEN i % 9 = 0 THEN NULL ELSE 'sick: ' || md5(i::text) || E'\\tnote ' || (i % 1000) END,
                  TIMESTAMPTZ '2025-01-01 08:00+00' + i * INTERVAL '3 seconds'
             FROM generate_series(${first}::bigint, ${last}::bigint) AS i`,
        );
      }
      await c.query(`VACUUM ANALYZE ${quoteQualified(PARTITION)}`);
    });
    const bytes = await withClient(url, async (c) =>
      Number(
        (await c.query(`SELECT pg_total_relation_size(${quoteLiteral(quoteQualified(PARTITION))}) AS b`))
          .rows[0].b,
      ),
    );
    console.log(
      `table: ${rows} rows, ${(bytes / 1024 / 1024).toFixed(0)} MB on disk (made in ${seconds(since(t0))} s)`,
    );

    // Warm the cache the same way for all: one sequential read of the table.
    await withClient(url, (c) => c.query(`SELECT count(*) FROM ${quoteQualified(PARTITION)}`));

    // apply first: it detaches the partition and moves it to TABLE, which the others then read.
    const applyLocation = `s3://${s3.bucket}/apply`;
    const applied = await applyRun(cli, url, work, applyLocation, env);
    const manifest = await openStore(applyLocation, env).getManifest(dumpFileName(TABLE));
    if (manifest?.rows !== rows)
      throw new Error(`apply's manifest counts ${manifest?.rows} rows, not ${rows}`);

    // The bare commands.
    const bareFile = join(work, 'bare.pgdump');
    const pgDumpRun = await timed('pg_dump', ['-Fc', '-t', QUALIFIED, '-f', bareFile, '-d', url], env);
    const shaRun = await timed('sha256sum', [bareFile], env);
    const upload = await runChild('bare-upload', url, bareFile, `s3://${s3.bucket}/bare/bare.pgdump`, env);
    const bareMs = pgDumpRun.ms + shaRun.ms + upload.totalMs;
    const dumpMB = (await stat(bareFile)).size / 1024 / 1024;

    // Ours.
    const ourFile = join(work, 'ours.pgdump');
    const ours = await runChild('ours', url, ourFile, `s3://${s3.bucket}/ours`, env);
    const overlapped = await runChild(
      'ours-overlapped',
      url,
      join(work, 'overlapped.pgdump'),
      `s3://${s3.bucket}/overlapped`,
      env,
    );

    // Reading the rows back: a stream into Node, or a restore into a scratch database + the same SQL.
    const stream = await runChild('readback-stream', url, ourFile, '', env);
    const scratch = await benchDatabase('pk_bench_archive_scratch');
    await withClient(scratch, (c) => c.query(`CREATE SCHEMA ${quoteIdent(TABLE.schema)}`)); // the dump names it
    const restoreRun = await timed('pg_restore', ['-d', scratch, ourFile], env);
    const client = await connect(scratch, { statementTimeoutMs: 0 });
    const t1 = process.hrtime.bigint();
    await tableFingerprint(client, TABLE);
    const scratchFingerprintMs = since(t1);
    await client.end();
    await dropDatabase('pk_bench_archive_scratch');

    const oursMs = ours.totalMs;
    const baseline = await runChild('baseline', url, '', '', env);
    console.log(`\ndump: ${dumpMB.toFixed(0)} MB (pg_dump -Fc, default compression)`);
    console.log('\n| run | step | seconds | peak RSS (MB) |\n|---|---|---:|---:|');
    console.log(
      `| bare | pg_dump -Fc -f | ${seconds(pgDumpRun.ms)} | ${pgDumpRun.maxRssMB.toFixed(0)} (pg_dump) |`,
    );
    console.log(`| bare | sha256sum | ${seconds(shaRun.ms)} | ${shaRun.maxRssMB.toFixed(0)} |`);
    console.log(
      `| bare | Upload (SDK defaults) | ${seconds(upload.totalMs)} | ${upload.maxRssMB.toFixed(0)} (node) |`,
    );
    console.log(`| **bare** | **total** | **${seconds(bareMs)}** | |`);
    for (const [phase, ms] of Object.entries(ours.phases))
      console.log(`| ours | ${phase} | ${seconds(ms)} | |`);
    console.log(`| **ours** | **total** | **${seconds(oursMs)}** | **${ours.maxRssMB.toFixed(0)}** (node) |`);
    for (const [phase, ms] of Object.entries(overlapped.phases))
      console.log(`| ours, overlapped | ${phase} | ${seconds(ms)} | |`);
    console.log(
      `| **ours, overlapped** | **total** | **${seconds(overlapped.totalMs)}** | **${overlapped.maxRssMB.toFixed(0)}** (node) |`,
    );
    for (const step of applied.steps)
      console.log(`| partition-keeper apply | ${step.kind} | ${seconds(step.ms)} | |`);
    console.log(
      `| **partition-keeper apply** | **whole process** | **${seconds(applied.ms)}** | ` +
        `**${applied.ownRssMB.toFixed(0)}** (node; ${applied.treeRssMB.toFixed(0)} with its children) |`,
    );
    console.log(
      `\npartition-keeper apply / bare: ${(applied.ms / bareMs).toFixed(2)}× (target ≤ 1.5×); ` +
        `peak RSS of apply's process ${applied.ownRssMB.toFixed(0)} MB (target < 200 MB)`,
    );
    console.log(
      `ours / bare: ${(oursMs / bareMs).toFixed(2)}× in sequence, ${(overlapped.totalMs / bareMs).toFixed(2)}× overlapped; ` +
        `peak RSS ${ours.maxRssMB.toFixed(0)} / ${overlapped.maxRssMB.toFixed(0)} MB ` +
        `(a child that loaded tsx, pg and the AWS SDK and did nothing: ${baseline.maxRssMB.toFixed(0)} MB)`,
    );
    console.log("\nReading the dump's rows back (verify, item 5):");
    const streamMs = Object.values(stream.phases)[0] ?? 0;
    console.log(
      `- pg_restore --data-only -f - → Node fingerprint: ${seconds(streamMs)} s (peak RSS ${stream.maxRssMB.toFixed(0)} MB)`,
    );
    console.log(
      `- pg_restore -d scratch database + SQL fingerprint there: ${seconds(restoreRun.ms + scratchFingerprintMs)} s ` +
        `(restore ${seconds(restoreRun.ms)} s, fingerprint ${seconds(scratchFingerprintMs)} s)`,
    );
    console.log(
      `\nload after: ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()}; loadavg ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await s3.stop();
    await rm(work, { recursive: true, force: true });
    await dropDatabase('pk_bench_archive');
  }
}

if (process.argv[2] === '--child') {
  const [subject, url, file, location] = process.argv.slice(3) as [string, string, string, string];
  await child(subject, url, file, location);
} else {
  await main();
}
