// Benchmark: archiving one partition (fingerprint, dump, verify, upload to a local S3 server) with
// our functions, beside the bare commands a person would run by hand (pg_dump -Fc to a file,
// sha256sum, an upload of the file with the same SDK), in one run, on the local server and s3rver.
// Also the two ways of reading a dump's rows back (issue 10, item 5): restoring it into a scratch
// database and fingerprinting there with the same SQL, or streaming pg_restore's COPY text into Node.
//
// Usage: npx tsx bench/archive-bench.ts [sizeMB=1000]   (npm run bench:archive)
// Each subject runs in a child process of its own, so its peak RSS (getrusage maxrss) is its own;
// times are measured inside the child, from the start of the work to its end (Node start-up apart).
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
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
import { startS3Server } from '../test/helpers/s3-server';
import { benchDatabase, dropDatabase, withClient } from './lib';

const TABLE = { schema: 'archive', name: 'kid_absences_2025' };
const QUALIFIED = 'archive.kid_absences_2025';

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
    const rows = new CopyTextFingerprint();
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
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Wall-clock ms and peak RSS (MB) of a command, by /usr/bin/time. */
async function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; maxRssMB: number }> {
  const started = process.hrtime.bigint();
  const result = await run('/usr/bin/time', ['-f', '%M', command, ...args], env);
  const ms = since(started);
  if (result.code !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const kb = Number(result.stderr.trim().split('\n').pop());
  return { ms, maxRssMB: kb / 1024 };
}

async function main(): Promise<void> {
  const sizeMB = Number(process.argv[2] ?? 1000);
  const uptime = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
  console.log(`archive bench: a partition of ~${sizeMB} MB; load before: ${uptime}`);
  const url = await benchDatabase('pk_bench_archive');
  const work = await mkdtemp(join(tmpdir(), 'pk-archive-bench-'));
  const s3 = await startS3Server('archive-bench');
  const env = { ...process.env, ...s3.env, PGTZ: 'UTC' };
  try {
    // ~120 bytes a row on disk: an id, a kid, a day, a reason with some variety, a timestamp.
    const rows = Math.round((sizeMB * 1024 * 1024) / 120);
    const t0 = process.hrtime.bigint();
    await withClient(url, async (c) => {
      await c.query('CREATE SCHEMA archive');
      await c.query(
        `CREATE TABLE ${QUALIFIED} (id bigint NOT NULL, kid_id int NOT NULL, day date NOT NULL,
           reason text, noted_at timestamptz NOT NULL)`,
      );
      const batch = 1_000_000;
      for (let first = 1; first <= rows; first += batch) {
        const last = Math.min(rows, first + batch - 1);
        await c.query(
          `INSERT INTO ${QUALIFIED}
           SELECT i, (i * 7919) % 50000, DATE '2025-01-01' + (i % 365)::int,
                  CASE WHEN i % 9 = 0 THEN NULL ELSE 'sick: ' || md5(i::text) || E'\\tnote ' || (i % 1000) END,
                  TIMESTAMPTZ '2025-01-01 08:00+00' + i * INTERVAL '3 seconds'
             FROM generate_series(${first}::bigint, ${last}::bigint) AS i`,
        );
      }
      await c.query(`VACUUM ANALYZE ${QUALIFIED}`);
    });
    const bytes = await withClient(url, async (c) =>
      Number((await c.query(`SELECT pg_total_relation_size('${QUALIFIED}') AS b`)).rows[0].b),
    );
    console.log(
      `table: ${rows} rows, ${(bytes / 1024 / 1024).toFixed(0)} MB on disk (made in ${seconds(since(t0))} s)`,
    );

    // Warm the cache the same way for both: one sequential read of the table.
    await withClient(url, (c) => c.query(`SELECT count(*) FROM ${QUALIFIED}`));

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
    await withClient(scratch, (c) => c.query('CREATE SCHEMA archive')); // the dump names its schema
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
    console.log(
      `\nours / bare: ${(oursMs / bareMs).toFixed(2)}× in sequence, ${(overlapped.totalMs / bareMs).toFixed(2)}× overlapped; ` +
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
