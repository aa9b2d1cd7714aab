// Names a plan wants to take, looked up: which of them a relation or a type already holds.
// Looked up rather than listed: a schema of 100,000 partitions holds several times as many names
// (their indexes, sequences …), and a plan takes a few of them.
import type pg from 'pg';
import type { QualifiedName } from '../types';
import { relationKindName } from './problems';

/**
 * Relations of every kind share one namespace with each other and with types (CREATE TABLE fails on
 * an existing enum or domain of that name). Row types of relations are in pg_class already, and
 * automatic array types are renamed out of the way by PostgreSQL. '+' marks a table that is a
 * partition (of any parent). $1 schemas, $2 names, in pairs.
 */
const TAKEN_NAMES_SQL = `
select w.schema_name as schema, w.name,
       case when c.relispartition and c.relkind in ('r', 'p', 'f') then '+'
            when c.oid is not null then c.relkind::text
            else 'type' end as holder
from unnest($1::text[], $2::text[]) as w(schema_name, name)
join pg_namespace n on n.nspname = w.schema_name
left join pg_class c on c.relnamespace = n.oid and c.relname = w.name
left join pg_type ty on ty.typnamespace = n.oid and ty.typname = w.name and ty.typrelid = 0
                    and not (ty.typcategory = 'A' and ty.typelem <> 0)
where c.oid is not null or ty.oid is not null
`;

/** Which of `wanted` are taken, keyed by schema, each with what holds it ('a view', 'a type' …). */
export async function readTakenNames(
  client: pg.Client,
  wanted: readonly QualifiedName[],
): Promise<Map<string, Map<string, string>>> {
  const taken = new Map<string, Map<string, string>>();
  if (wanted.length === 0) return taken;
  const { rows } = await client.query<{ schema: string; name: string; holder: string }>(TAKEN_NAMES_SQL, [
    wanted.map((w) => w.schema),
    wanted.map((w) => w.name),
  ]);
  for (const row of rows) {
    const names = taken.get(row.schema) ?? new Map<string, string>();
    names.set(row.name, row.holder === 'type' ? 'a type' : relationKindName(row.holder));
    taken.set(row.schema, names);
  }
  return taken;
}
