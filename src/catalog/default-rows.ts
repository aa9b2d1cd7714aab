// Rows in DEFAULT partitions, read after planning and only where they matter: how many there are
// (counted up to a cap, so a DEFAULT full of old rows costs no more than an empty one), and, by
// calendar day, those inside the ranges the plan is about (key >= from and key < to, so an index
// on the key is used where there is one).
import type pg from 'pg';
import type { DefaultPartitionInfo, KeyType } from '../types';
import { formatBound } from '../plan/bounds';
import type { Range } from '../plan/ranges';
import { quoteIdent, quoteLiteral, quoteQualified } from '../sql/quote';

/** Rows counted in a DEFAULT partition before counting stops ("more than 1000 rows"). */
export const DEFAULT_ROWS_COUNTED = 1000;

export interface DefaultRowsProbe {
  /** The snapshot's DEFAULT partition: `rows` and `rowsByDay` are filled in on it. */
  partition: DefaultPartitionInfo;
  keyColumn: string;
  keyType: KeyType;
  /** IANA zone whose calendar days the rows are grouped by (timestamptz keys only). */
  timezone: string;
  /** Where rows are counted by day; none: only the total is counted. */
  ranges: readonly Range[];
}

export interface ProbeOptions {
  /** Count every row (status), not only up to DEFAULT_ROWS_COUNTED. */
  exact?: boolean;
}

const SQL_TYPE: Record<KeyType, string> = {
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
};

/** The calendar day of the key in the table's timezone; dates and timestamps have no zone to convert. */
function dayOf(probe: DefaultRowsProbe): string {
  const key = quoteIdent(probe.keyColumn);
  if (probe.keyType === 'date') return key;
  if (probe.keyType === 'timestamp') return `${key}::date`;
  return `(${key} at time zone ${quoteLiteral(probe.timezone)})::date`;
}

/** A bound as a typed SQL literal, as PostgreSQL prints it (timestamptz with its offset). */
function literal(value: number, probe: DefaultRowsProbe): string {
  return `${quoteLiteral(formatBound(value, probe.keyType, probe.timezone))}::${SQL_TYPE[probe.keyType]}`;
}

/** `key >= from and key < to` for each range, OR-ed; an infinite end adds no condition. */
function inRanges(probe: DefaultRowsProbe): string {
  const key = quoteIdent(probe.keyColumn);
  const each = probe.ranges.map((range) => {
    const parts = [
      ...(Number.isFinite(range.from) ? [`${key} >= ${literal(range.from, probe)}`] : []),
      ...(Number.isFinite(range.to) ? [`${key} < ${literal(range.to, probe)}`] : []),
    ];
    return parts.length === 0 ? `${key} is not null` : `(${parts.join(' and ')})`;
  });
  return each.join(' or ');
}

/**
 * One statement for every probe: per DEFAULT partition a total (capped unless `exact`) and, when
 * it has ranges, its rows in them by day. Identifiers and literals are quoted: names come from the
 * catalog, zones from the config. Days print as YYYY-MM-DD whatever the DateStyle, BC days with
 * ' BC', infinite keys as 'infinity' / '-infinity'.
 */
export function defaultRowsSql(probes: readonly DefaultRowsProbe[], options: ProbeOptions = {}): string {
  const parts = probes.flatMap((probe, i) => {
    const table = quoteQualified(probe.partition);
    const rows = options.exact ? table : `(select from ${table} limit ${DEFAULT_ROWS_COUNTED + 1}) capped`;
    const total = `  select ${i} as probe, true as total, null::date as day, count(*) as row_count from ${rows}`;
    if (probe.ranges.length === 0) return [total];
    const days =
      `  select ${i}, false, ${dayOf(probe)}, count(*) from ${table}\n` +
      `  where ${inRanges(probe)}\n  group by 3`;
    return [total, days];
  });
  return `
select probe, total,
       case when day is null then null
            when not isfinite(day) then day::text
            when day < date '0001-01-01' then to_char(day, 'YYYY-MM-DD') || ' BC'
            else to_char(day, 'YYYY-MM-DD')
       end as day,
       row_count
from (
${parts.join('\n  union all\n')}
) counts
order by probe, total desc, counts.day
`;
}

interface ProbeRow {
  probe: number;
  total: boolean;
  day: string | null;
  row_count: string;
}

/** Fills in `rows` and `rowsByDay` of each probed DEFAULT partition, all in one round trip. */
export async function probeDefaultRows(
  client: pg.Client,
  probes: readonly DefaultRowsProbe[],
  options: ProbeOptions = {},
): Promise<void> {
  if (probes.length === 0) return;
  const { rows } = await client.query<ProbeRow>(defaultRowsSql(probes, options));
  for (const probe of probes) probe.partition.rowsByDay = [];
  for (const row of rows) {
    const probe = probes[row.probe];
    if (!probe) throw new Error(`the DEFAULT-row count returned an unknown partition ${row.probe}`);
    const count = Number(row.row_count);
    if (row.total) {
      const more = !options.exact && count > DEFAULT_ROWS_COUNTED;
      probe.partition.rows = { count: more ? DEFAULT_ROWS_COUNTED : count, more };
    } else if (row.day !== null) {
      probe.partition.rowsByDay.push({ day: row.day, rows: count });
    }
  }
}
