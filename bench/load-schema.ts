// The table every load scenario runs against, and the check of what a subject left behind.
// Daily partitions of `public.events` named {parent}_pYYYYMMDD with bounds at UTC midnight; the
// scenario's database has timezone UTC so `now()`, pg_partman and our bounds all agree.
import pg from 'pg';

export const PARENT = { schema: 'public', name: 'events' } as const;
export const PARENT_SQL = `${pg.escapeIdentifier(PARENT.schema)}.${pg.escapeIdentifier(PARENT.name)}`;
/** As pg_partman and our config spell it. */
export const PARENT_TEXT = `${PARENT.schema}.${PARENT.name}`;

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` shifted by whole days (UTC calendar arithmetic). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** `CREATE TABLE IF NOT EXISTS events_pYYYYMMDD PARTITION OF events …` for one UTC day. */
export function dailyPartitionDdl(day: string): string {
  const name = `${PARENT.name}_p${day.replace(/-/g, '')}`;
  const from = `${day} 00:00:00+00`;
  const to = `${addDays(day, 1)} 00:00:00+00`;
  return (
    `CREATE TABLE IF NOT EXISTS ${pg.escapeIdentifier(PARENT.schema)}.${pg.escapeIdentifier(name)} ` +
    `PARTITION OF ${PARENT_SQL} FOR VALUES FROM (${pg.escapeLiteral(from)}) TO (${pg.escapeLiteral(to)});`
  );
}

/** Today in UTC as the server sees it (the scenario database runs in UTC). */
export async function serverToday(db: pg.Client): Promise<string> {
  const { rows } = await db.query<{ today: string }>(`select to_char(current_date, 'YYYY-MM-DD') as today`);
  return rows[0]!.today;
}

/**
 * A fresh `events` table with partitions for the last `daysBack` days and today, so writers
 * inserting now() always have a partition; optionally a DEFAULT partition (left empty here).
 */
export async function createEventsTable(
  db: pg.Client,
  databaseName: string,
  options: { withDefault: boolean; daysBack: number },
): Promise<string> {
  await db.query(`alter database ${pg.escapeIdentifier(databaseName)} set timezone = 'UTC'`);
  await db.query(`set timezone = 'UTC'`);
  await db.query(`
    create table ${PARENT_SQL} (
      id bigint generated always as identity,
      k timestamptz not null default now(),
      payload text,
      primary key (id, k)
    ) partition by range (k)`);
  const today = await serverToday(db);
  for (let offset = -options.daysBack; offset <= 0; offset += 1) {
    await db.query(dailyPartitionDdl(addDays(today, offset)));
  }
  if (options.withDefault) {
    const name = pg.escapeIdentifier(`${PARENT.name}_default`);
    await db.query(
      `create table ${pg.escapeIdentifier(PARENT.schema)}.${name} partition of ${PARENT_SQL} default`,
    );
  }
  return today;
}

/**
 * Rows before the load: some for now(), and, when there is a DEFAULT partition, a handful far in
 * the past that land in it (as in production, where nothing ever moves out of it again).
 */
export async function seedRows(db: pg.Client, withDefault: boolean): Promise<void> {
  await db.query(`insert into ${PARENT_SQL} (payload) select 'seed ' || i from generate_series(1, 100) i`);
  if (withDefault) {
    await db.query(
      `insert into ${PARENT_SQL} (k, payload) select timestamptz '2000-01-01 00:00:00+00' + i * interval '1 hour', 'old ' || i
       from generate_series(1, 5) i`,
    );
  }
}

/** The DEFAULT partition's qualified, quoted name, if there is one. */
export async function defaultPartition(db: pg.Client): Promise<string | undefined> {
  const { rows } = await db.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name
     from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
     where i.inhparent = to_regclass($1) and pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'`,
    [PARENT_SQL],
  );
  return rows[0]?.name;
}

export interface RangePartition {
  schema: string;
  name: string;
  /** Bounds as UTC dates (`YYYY-MM-DD`); every partition here spans whole UTC days. */
  from: string;
  to: string;
}

/** The parent's range partitions (not the DEFAULT one), oldest first, bounds read from the catalog. */
export async function rangePartitions(db: pg.Client): Promise<RangePartition[]> {
  const { rows } = await db.query<RangePartition>(
    `with parts as (
       select n.nspname as schema, c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
       from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
       where i.inhparent = to_regclass($1))
     select schema, name,
            to_char((regexp_match(bound, $$FROM \\('([^']+)'\\)$$))[1]::timestamptz at time zone 'UTC', 'YYYY-MM-DD') as "from",
            to_char((regexp_match(bound, $$TO \\('([^']+)'\\)$$))[1]::timestamptz at time zone 'UTC', 'YYYY-MM-DD') as "to"
     from parts where bound <> 'DEFAULT'
     order by 3`,
    [PARENT_SQL],
  );
  return rows;
}

export interface PartitionCount {
  /** Range partitions (not the DEFAULT one). */
  total: number;
  /** Whole partitions starting tomorrow (UTC) or later. */
  ahead: number;
  /** The furthest upper bound; with `ahead` it tells whether the coverage has holes. */
  coveredThrough: string | null;
}

export async function countPartitions(db: pg.Client): Promise<PartitionCount> {
  const partitions = await rangePartitions(db);
  const tomorrow = addDays(await serverToday(db), 1);
  return {
    total: partitions.length,
    ahead: partitions.filter((p) => p.from >= tomorrow).length,
    coveredThrough: partitions.reduce<string | null>(
      (max, p) => (max === null || p.to > max ? p.to : max),
      null,
    ),
  };
}
