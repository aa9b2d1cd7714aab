// One run at a time per database: a session-level advisory lock under a fixed key.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { sleep } from './sleep';

/** The advisory lock key: the first 8 bytes of sha256('partition-keeper'), as a signed bigint. */
export const RUN_LOCK_KEY = createHash('sha256')
  .update('partition-keeper')
  .digest()
  .readBigInt64BE(0)
  .toString();

export class RunLockBusy extends Error {
  override name = 'RunLockBusy';
}

/**
 * Takes the run lock, polling with pg_try_advisory_lock (never queueing in the server, so no one
 * else waits on us) for up to `waitSeconds`. Throws RunLockBusy naming the holder when it can't.
 */
export async function acquireRunLock(client: pg.Client, waitSeconds: number, pollMs = 250): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1::bigint) as locked',
      [RUN_LOCK_KEY],
    );
    if (rows[0]?.locked) return;
    if (Date.now() + pollMs > deadline) break;
    await sleep(pollMs);
  }
  const { rows } = await client.query<{ pid: number; application_name: string; since: string }>(
    `select a.pid, a.application_name, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') as since
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
        and ((l.classid::int8 << 32) | l.objid::int8) = $1::bigint`,
    [RUN_LOCK_KEY],
  );
  const holder = rows[0]
    ? ` (held by pid ${rows[0].pid}, ${rows[0].application_name || 'no application name'}, connected since ${rows[0].since})`
    : '';
  throw new RunLockBusy(
    `another partition-keeper run holds the run lock${holder}; waited ${waitSeconds} s. ` +
      'Try again when it is done, or raise --lock-wait.',
  );
}

export async function releaseRunLock(client: pg.Client): Promise<void> {
  await client.query('select pg_advisory_unlock($1::bigint)', [RUN_LOCK_KEY]);
}
