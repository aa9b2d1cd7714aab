// Catalog reads never wait without bound: they run in one transaction whose lock_timeout and
// statement_timeout are set for them, and a lock wait that runs out names who holds the lock.
import type pg from 'pg';
import type { QualifiedName } from '../types';
import { quoteLiteral, quoteQualified } from '../sql/quote';

/** How long catalog reads may wait, and what to tell the user to raise. */
export interface CatalogBounds {
  /** lock_timeout for the reads (ms, ≥ 1: 0 would mean no bound). */
  lockWaitMs: number;
  /** statement_timeout for each read (ms, ≥ 1). */
  statementTimeoutMs: number;
  /** The setting that gave lockWaitMs, for the message: '--catalog-lock-wait', 'the run deadline (--deadline)'. */
  lockWaitSource: string;
}

/** What the reads may lock: the parents (and all their partitions), and the archive schemas' tables. */
export interface LockScope {
  parents: QualifiedName[];
  archiveSchemas: string[];
}

/** A catalog read gave up waiting for a lock (exit 1, not a bug). */
export class CatalogLockTimeout extends Error {
  override name = 'CatalogLockTimeout';
}

/** A catalog read ran past its statement_timeout (exit 1, not a bug). */
export class CatalogReadTimeout extends Error {
  override name = 'CatalogReadTimeout';
}

const milliseconds = (ms: number): string => quoteLiteral(`${Math.max(1, Math.round(ms))}ms`);

/**
 * Runs `work` (catalog reads on `client`) in one REPEATABLE READ transaction, so every read sees
 * the same catalog, under the bounds. A lock timeout becomes CatalogLockTimeout naming the
 * relation and the session holding it; a statement timeout CatalogReadTimeout. (BEGIN is awaited:
 * the driver warns on stderr when more than one query waits behind a running one.)
 */
export async function inCatalogTransaction<T>(
  client: pg.Client,
  scope: () => LockScope,
  bounds: CatalogBounds,
  work: (server: { version: number }) => Promise<T>,
): Promise<T> {
  // jit off: the snapshot's estimated cost is far above jit_above_cost, and compiling it took
  // 55 ms of a 150 ms read at 200 parents, in every fresh session (BENCHMARKS.md, issue 9).
  // The server's version comes in the same round trip: the snapshot's SQL depends on it.
  const results = (await client.query(
    'begin isolation level repeatable read; ' +
      `set local lock_timeout = ${milliseconds(bounds.lockWaitMs)}; ` +
      `set local statement_timeout = ${milliseconds(bounds.statementTimeoutMs)}; ` +
      'set local jit = off; ' +
      "select current_setting('server_version_num')::int as version",
  )) as unknown as pg.QueryResult<{ version: number }>[];
  try {
    const version = results.at(-1)?.rows[0]?.version;
    if (version === undefined) throw new Error('the server did not say its version');
    const result = await work({ version });
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw await explainTimeout(client, error, scope, bounds);
  }
}

const sqlState = (error: unknown): string | undefined => (error as { code?: string } | null)?.code;

async function explainTimeout(
  client: pg.Client,
  error: unknown,
  scope: () => LockScope,
  bounds: CatalogBounds,
): Promise<unknown> {
  const code = sqlState(error);
  if (code === '57014' && /statement timeout/.test((error as Error).message)) {
    return new CatalogReadTimeout(
      `reading the catalog took longer than ${seconds(bounds.statementTimeoutMs)} (statement_timeout for catalog reads); ` +
        'the server is overloaded or a catalog query is stuck: look at pg_stat_activity and try again',
    );
  }
  if (code !== '55P03') return error;
  const waited = `waited ${seconds(bounds.lockWaitMs)} (${bounds.lockWaitSource}) for a lock while reading the catalog`;
  let holders: LockHolder[];
  try {
    holders = await lockHolders(client, scope());
  } catch {
    return new CatalogLockTimeout(`${waited}; who held it could not be read. Try again later.`);
  }
  if (holders.length === 0) {
    return new CatalogLockTimeout(
      `${waited}: another session held a table in ACCESS EXCLUSIVE mode and has let go since. Try again.`,
    );
  }
  const raise = `Let it finish (or end it: select pg_terminate_backend(pid)), or wait longer with ${bounds.lockWaitSource}.`;
  return new CatalogLockTimeout(`${waited}: ${holders.map(describeHolder).join('; ')}. ${raise}`);
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

interface LockHolder {
  schema: string;
  name: string;
  pid: number;
  granted: boolean;
  application_name: string | null;
  state: string | null;
  xact_age_s: number | null;
  /** pg_blocking_pids of a session still queued for the lock: whom it waits behind. */
  blocked_by: number[];
}

/**
 * Sessions holding, or queued for, ACCESS EXCLUSIVE on a relation the catalog reads lock: the only
 * mode that conflicts with their ACCESS SHARE (one queued ahead of us blocks us as well). $1/$2 the
 * parents (schema, name), $3 the archive schemas. Read after the wait ended, so from pg_locks;
 * pg_blocking_pids tells whom a queued session waits behind. Never waits itself: to_regclass and
 * pg_inherits take no lock.
 */
export const LOCK_HOLDERS_SQL = `
with recursive parent(oid) as (
  select to_regclass(format('%I.%I', s, n)) from unnest($1::text[], $2::text[]) as t(s, n)
),
related(oid) as (
  select oid from parent where oid is not null
  union
  select i.inhrelid from pg_inherits i join related r on i.inhparent = r.oid
)
select n.nspname::text as schema, c.relname::text as name, l.pid, l.granted,
       a.application_name, a.state,
       floor(extract(epoch from clock_timestamp() - a.xact_start))::int as xact_age_s,
       case when l.granted then '{}'::int[] else pg_blocking_pids(l.pid) end as blocked_by
  from pg_locks l
  join pg_class c on c.oid = l.relation
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_stat_activity a on a.pid = l.pid
 where l.locktype = 'relation' and l.mode = 'AccessExclusiveLock' and l.pid <> pg_backend_pid()
   and l.database = (select oid from pg_database where datname = current_database())
   and (l.relation in (select oid from related) or n.nspname = any ($3::text[]))
 order by l.granted desc, n.nspname, c.relname, l.pid
`;

async function lockHolders(client: pg.Client, scope: LockScope): Promise<LockHolder[]> {
  const { rows } = await client.query<LockHolder>(LOCK_HOLDERS_SQL, [
    scope.parents.map((p) => p.schema),
    scope.parents.map((p) => p.name),
    scope.archiveSchemas,
  ]);
  return rows;
}

function describeHolder(holder: LockHolder): string {
  const who = [
    `pid ${holder.pid}`,
    holder.application_name ? `application ${JSON.stringify(holder.application_name)}` : undefined,
    holder.state ? `state ${holder.state}` : undefined,
    holder.xact_age_s === null ? undefined : `transaction open ${holder.xact_age_s} s`,
  ]
    .filter(Boolean)
    .join(', ');
  const relation = quoteQualified(holder);
  if (holder.granted) return `${relation} is held in ACCESS EXCLUSIVE mode by ${who}`;
  const behind = holder.blocked_by.length > 0 ? ` behind pid ${holder.blocked_by.join(', pid ')}` : '';
  return `${relation} has ${who} queued for ACCESS EXCLUSIVE mode${behind}, and reads queue behind it`;
}
