// One load scenario: a fresh database with the events table, steady traffic, a long reader, and the
// subject run in the middle of it; then what the subject left behind and what the traffic felt.
//
//   0 s ── writers + readers ────────────────────────────────────────────── load ends (--seconds)
//   3 s ──────── long reader: BEGIN; count(*) … holds 6 s … COMMIT
//   4 s ──────────── subject (child process) … must finish, however long the long reader stays
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { benchDatabase, dropDatabase } from './lib';
import { watchLocks, type LockWait } from './load-locks';
import { countPartitions, createEventsTable, seedRows, type PartitionCount } from './load-schema';
import type { Subject, SubjectContext } from './load-subjects';
import { openLongReader, startLoad, type StatementTimings } from './load-traffic';
import { summarize, type LatencySummary } from './load-stats';

export const DATABASE_NAME = 'pk_bench_load';
/** A subject must leave at least this many whole days ahead to count as done. */
export const MIN_AHEAD = 50;

export interface ScenarioOptions {
  loadSeconds: number;
  longReaderSeconds: number;
  lockTimeoutMs?: number;
  /** Steady load before the long reader opens. */
  warmUpMs: number;
  /** Between the long reader's BEGIN and the subject's start. */
  subjectDelayMs: number;
  /** A subject still running after this is killed (and the scenario reported as timed out). */
  subjectTimeoutSeconds: number;
  /** The repository root: subjects run there (keeper subjects use dist/). */
  repoRoot: string;
  workDir: string;
  keepDatabase: boolean;
}

export type ScenarioStatus =
  'ok' | 'incomplete' | 'failed' | 'failed to start' | 'timed out' | 'setup failed';

export interface SubjectRun {
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  stderr: string;
}

export interface ScenarioResult {
  subject: string;
  withDefault: boolean;
  command: string;
  status: ScenarioStatus;
  run?: SubjectRun;
  /** Range partitions the subject added (after − before; pg_partman's create_parent makes 1 before). */
  created: number;
  ahead: number;
  coveredThrough: string | null;
  readers: LatencySummary;
  writers: LatencySummary;
  lockWaits: LockWait[];
  loadErrors: string[];
  setupError?: string;
}

// Enough for any error psql or the keeper prints; a chatty subject's stderr is cut here.
const STDERR_LIMIT = 64 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `command` with bash; kills its process group if it outlives `timeoutMs`. Never rejects. */
export function runCommand(
  command: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
): Promise<SubjectRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    let stderr = '';
    let timedOut = false;
    // Its own process group, so a timeout ends psql/node and not just the shell around them.
    const child = spawn('bash', ['-c', command], {
      env,
      cwd,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr = (stderr + chunk.toString('utf8')).slice(0, STDERR_LIMIT);
    });
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2_000).unref();
    }, timeoutMs);
    const finish = (exitCode: number | null, extra = ''): void => {
      clearTimeout(timer);
      resolve({
        exitCode,
        durationMs: performance.now() - started,
        timedOut,
        stderr: (stderr + extra).trim(),
      });
    };
    child.on('error', (error) => finish(null, `\n${error.message}`));
    child.on('close', (code) => finish(code));
  });
}

/**
 * "failed to start": exited non-zero having created nothing and never waited for a lock (a missing
 * command, a usage error); one that gave up on a lock or failed half-way is just "failed".
 */
function statusOf(run: SubjectRun, created: number, ahead: number, lockWaits: LockWait[]): ScenarioStatus {
  if (run.timedOut) return 'timed out';
  if (run.exitCode !== 0) {
    const waited = lockWaits.some((wait) => wait.who === 'subject');
    return created === 0 && !waited ? 'failed to start' : 'failed';
  }
  return ahead >= MIN_AHEAD ? 'ok' : 'incomplete';
}

function slug(subject: string, withDefault: boolean): string {
  return `${subject.replace(/[^A-Za-z0-9_-]+/g, '_')}-${withDefault ? 'default' : 'no-default'}`;
}

/**
 * Table, then the subject's own preparation, then rows (so a DEFAULT partition that a preparation
 * swapped for its own still gets the old rows). The context's connection is closed on return.
 */
async function prepareScenario(
  url: string,
  subject: Subject,
  withDefault: boolean,
  workDir: string,
  lockTimeoutMs: number | undefined,
): Promise<{ context: SubjectContext; before: PartitionCount }> {
  const db = new pg.Client({ connectionString: url, application_name: 'bench-load-setup' });
  await db.connect();
  try {
    const today = await createEventsTable(db, DATABASE_NAME, { withDefault, daysBack: 3 });
    const context: SubjectContext = { db, today, withDefault, workDir, lockTimeoutMs };
    await subject.prepare?.(context);
    await seedRows(db, withDefault);
    return { context, before: await countPartitions(db) };
  } finally {
    await db.end();
  }
}

export async function runScenario(
  subject: Subject,
  withDefault: boolean,
  options: ScenarioOptions,
): Promise<ScenarioResult> {
  const url = await benchDatabase(DATABASE_NAME);
  const workDir = join(options.workDir, slug(subject.name, withDefault));
  mkdirSync(workDir, { recursive: true });
  const base = {
    subject: subject.name,
    withDefault,
    created: 0,
    ahead: 0,
    coveredThrough: null,
    lockWaits: [],
  };

  let prepared: Awaited<ReturnType<typeof prepareScenario>>;
  try {
    prepared = await prepareScenario(url, subject, withDefault, workDir, options.lockTimeoutMs);
  } catch (error) {
    if (!options.keepDatabase) await dropDatabase(DATABASE_NAME);
    return {
      ...base,
      command: '',
      status: 'setup failed',
      readers: summarize('reader', []),
      writers: summarize('writer', []),
      loadErrors: [],
      setupError: (error as Error).message,
    };
  }
  const { context, before } = prepared;
  const command = subject.command(context);

  const loadStarted = performance.now();
  const loadEnds = loadStarted + options.loadSeconds * 1000;
  const hardDeadline =
    loadStarted + options.warmUpMs + options.subjectDelayMs + (options.subjectTimeoutSeconds + 10) * 1000;
  const load = await startLoad({
    url,
    writers: 2,
    readers: 2,
    hardDeadline: Math.max(loadEnds, hardDeadline),
    statementTimeoutMs: (options.subjectTimeoutSeconds + 5) * 1000,
  });
  const knownPids = new Map<number, string>(load.pids);
  const monitor = await watchLocks(url, knownPids);

  await sleep(options.warmUpMs);
  const longReader = await openLongReader(url, options.longReaderSeconds * 1000);
  knownPids.set(longReader.pid, 'long reader');
  await sleep(options.subjectDelayMs);
  const env = { ...process.env, DATABASE_URL: url, PGAPPNAME: 'bench-load-subject' };
  const run = await runCommand(command, env, options.repoRoot, options.subjectTimeoutSeconds * 1000);
  const lockWaits = await monitor.stop();
  await longReader.done;
  await sleep(Math.max(0, loadEnds - performance.now()));
  const timings = await load.stop();

  const verify = new pg.Client({ connectionString: url, application_name: 'bench-load-verify' });
  await verify.connect();
  const after = await countPartitions(verify);
  await verify.end();
  if (!options.keepDatabase) await dropDatabase(DATABASE_NAME);

  const of = (role: StatementTimings['role']): StatementTimings[] => timings.filter((t) => t.role === role);
  const created = after.total - before.total;
  return {
    ...base,
    command,
    status: statusOf(run, created, after.ahead, lockWaits),
    run,
    created,
    ahead: after.ahead,
    coveredThrough: after.coveredThrough,
    readers: summarize('reader', of('reader')),
    writers: summarize('writer', of('writer')),
    lockWaits,
    loadErrors: timings.flatMap((t) => t.errors),
  };
}
