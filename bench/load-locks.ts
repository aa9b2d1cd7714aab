// Samples pg_locks while the subject runs, to say who waited for which lock and roughly how long:
// the figures show *that* the load stalled, this shows *why* (e.g. the subject queued for ACCESS
// EXCLUSIVE on the DEFAULT partition behind the long reader, and the readers queued behind it).
import pg from 'pg';

const SAMPLE_EVERY_MS = 100;
// A bound on the sampling loop whatever the caller does (10 minutes of samples).
const MAX_SAMPLES = 6_000;

export interface LockWait {
  /** subject, writer, reader or long reader. */
  who: string;
  /** How many of those connections were seen waiting for this lock. */
  connections: number;
  mode: string;
  target: string;
  /**
   * Roughly how long the most-waiting of them was seen waiting (samples × interval), in ms; summed
   * over separate waits, so a subject retrying 200 ms attempts adds up.
   */
  seenMs: number;
  /** Who held it up, in the same words as `who`. */
  blockedBy: string[];
}

export interface LockMonitor {
  stop: () => Promise<LockWait[]>;
}

interface Sample {
  pid: number;
  mode: string;
  target: string;
  blockers: number[];
}

interface WaitTally extends Omit<LockWait, 'connections' | 'seenMs'> {
  perPid: Map<number, number>;
}

/** `knownPids` names the harness's own connections; any other backend in the database is the subject. */
export async function watchLocks(url: string, knownPids: Map<number, string>): Promise<LockMonitor> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-load-lock-monitor' });
  await client.connect();
  const { rows: own } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const monitorPid = own[0]!.pid;
  const who = (pid: number): string => knownPids.get(pid) ?? 'subject';
  // Per (who, mode, target): ms each waiting connection was seen waiting, and who blocked them.
  const waits = new Map<string, WaitTally>();
  let stopRequested = false;

  const sampling = (async () => {
    for (let n = 0; n < MAX_SAMPLES && !stopRequested; n += 1) {
      const { rows } = await client.query<Sample>(
        `select l.pid, l.mode,
                coalesce(l.relation::regclass::text, l.locktype) as target,
                pg_blocking_pids(l.pid) as blockers
         from pg_locks l
         where not l.granted and l.pid <> $1
           and (l.database = (select oid from pg_database where datname = current_database()) or l.database is null)`,
        [monitorPid],
      );
      for (const row of rows) {
        const key = `${who(row.pid)}|${row.mode}|${row.target}`;
        const wait: WaitTally = waits.get(key) ?? {
          who: who(row.pid),
          mode: row.mode,
          target: row.target,
          perPid: new Map(),
          blockedBy: [],
        };
        wait.perPid.set(row.pid, (wait.perPid.get(row.pid) ?? 0) + SAMPLE_EVERY_MS);
        for (const blocker of row.blockers) {
          if (!wait.blockedBy.includes(who(blocker))) wait.blockedBy.push(who(blocker));
        }
        waits.set(key, wait);
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();

  return {
    stop: async () => {
      stopRequested = true;
      await sampling;
      await client.end();
      return [...waits.values()]
        .map(({ perPid, ...wait }) => ({
          ...wait,
          connections: perPid.size,
          seenMs: Math.max(...perPid.values()),
        }))
        .sort((a, b) => b.seenMs - a.seenMs);
    },
  };
}
