// Production-like traffic on the parent table: writers and readers in tight loops, each timing every
// statement it runs, and one long reader whose open transaction is what makes a queued lock hurt.
// Every loop stops by itself: at the stop signal, at a hard deadline, or after a maximum count.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PARENT_SQL } from './load-schema';

export type Role = 'writer' | 'reader';

export interface StatementTimings {
  role: Role;
  /** Milliseconds each successful statement took, in order. */
  latencies: number[];
  /** When each of those started, in ms since the load started (same order). */
  startedAt: number[];
  failures: number;
  /** The first few error messages, for the report. */
  errors: string[];
}

export interface LoadOptions {
  url: string;
  writers: number;
  readers: number;
  /** A performance.now() value: loops end then whatever happens (a stuck subject must not keep the load going). */
  hardDeadline: number;
  /** A statement waiting longer than this fails; bounds every wait. */
  statementTimeoutMs: number;
}

// Far above what a loop can reach in the allowed time; only a guard against runaway loops.
const MAX_STATEMENTS_PER_CLIENT = 5_000_000;
const MAX_FAILURES_PER_CLIENT = 1_000;

export interface RunningLoad {
  /** Backend pids of the load's connections (the lock monitor tells them apart from the subject's). */
  pids: Map<number, Role>;
  /** Asks every loop to stop after its current statement; resolves with their timings. */
  stop: () => Promise<StatementTimings[]>;
}

async function openClient(url: string, statementTimeoutMs: number, role: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: `bench-load-${role}` });
  await client.connect();
  await client.query(`set statement_timeout = ${Math.trunc(statementTimeoutMs)}`);
  return client;
}

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  return rows[0]!.pid;
}

/** Starts all loops once every connection is open; the load's clock starts then. */
export async function startLoad(options: LoadOptions): Promise<RunningLoad> {
  const loadStart = performance.now();
  let stopRequested = false;
  // Newest id seen, so point lookups hit rows that exist.
  const newestId = { value: 1 };
  const roles: Role[] = [
    ...Array<Role>(options.writers).fill('writer'),
    ...Array<Role>(options.readers).fill('reader'),
  ];
  const clients = await Promise.all(
    roles.map((role) => openClient(options.url, options.statementTimeoutMs, role)),
  );
  const pids = new Map<number, Role>();
  for (const [i, client] of clients.entries()) pids.set(await backendPid(client), roles[i]!);

  const insert = `insert into ${PARENT_SQL} (payload) values ($1) returning id`;
  const recentCount = `select count(*) from ${PARENT_SQL} where k > now() - interval '1 hour'`;
  const pointLookup = `select payload from ${PARENT_SQL} where id = $1`;

  async function loop(client: pg.Client, role: Role, index: number): Promise<StatementTimings> {
    const timings: StatementTimings = { role, latencies: [], startedAt: [], failures: 0, errors: [] };
    for (let n = 0; n < MAX_STATEMENTS_PER_CLIENT; n += 1) {
      if (stopRequested || performance.now() >= options.hardDeadline) break;
      const started = performance.now();
      try {
        if (role === 'writer') {
          const { rows } = await client.query<{ id: string }>(insert, [`w${index} ${n}`]);
          newestId.value = Math.max(newestId.value, Number(rows[0]!.id));
        } else if (n % 2 === 0) {
          await client.query(recentCount);
        } else {
          await client.query(pointLookup, [1 + Math.floor(Math.random() * newestId.value)]);
        }
        timings.latencies.push(performance.now() - started);
        timings.startedAt.push(started - loadStart);
      } catch (error) {
        timings.failures += 1;
        if (timings.errors.length < 5) timings.errors.push((error as Error).message);
        if (timings.failures >= MAX_FAILURES_PER_CLIENT) break;
      }
    }
    return timings;
  }

  const loops = clients.map((client, i) => loop(client, roles[i]!, i));
  return {
    pids,
    stop: async () => {
      stopRequested = true;
      const timings = await Promise.all(loops);
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      return timings;
    },
  };
}

export interface LongReader {
  pid: number;
  /** Resolves once the transaction has committed. */
  done: Promise<void>;
}

/**
 * A report query that reads the whole parent and keeps its transaction open for `holdMs`: its
 * ACCESS SHARE locks on the parent and every partition stay held until it commits.
 */
export async function openLongReader(url: string, holdMs: number): Promise<LongReader> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-load-long-reader' });
  await client.connect();
  const pid = await backendPid(client);
  await client.query('begin');
  await client.query(`select count(*) from ${PARENT_SQL}`);
  const done = (async () => {
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    await client.query('commit');
    await client.end();
  })();
  return { pid, done };
}
