// Names a plan wants to take, looked up: which of them a relation or a type already holds.
// Looked up rather than listed: a schema of 100,000 partitions holds several times as many names
// (their indexes, sequences …), and a plan takes a few of them.
import type pg from 'pg';
import type { QualifiedName } from '../types';
import { quoteQualified } from '../sql/quote';
import { relationKindName } from './problems';

/** A name a plan wants, and the parent that wants it. */
export interface WantedName extends QualifiedName {
  parent: QualifiedName;
}

/**
 * The catalog changed between the snapshot and the look-up of names: a partition the plan would
 * create was made meanwhile (by another run, say). Exit 1, not a bug: running again plans afresh.
 */
export class CatalogChanged extends Error {
  override name = 'CatalogChanged';
}

/**
 * Relations of every kind share one namespace with each other and with types (CREATE TABLE fails on
 * an existing enum or domain of that name). Row types of relations are in pg_class already, and
 * automatic array types are renamed out of the way by PostgreSQL. '+' marks a table that is a
 * partition of another parent, '=' one that is a partition of the parent that wants the name.
 * $1 schemas, $2 names, $3 the wanting parents (schema-qualified, quoted), in threes.
 */
const TAKEN_NAMES_SQL = `
select w.schema_name as schema, w.name,
       case when c.relispartition and c.relkind in ('r', 'p', 'f') then
              case when i.inhparent = to_regclass(w.parent) then '=' else '+' end
            when c.oid is not null then c.relkind::text
            else 'type' end as holder
from unnest($1::text[], $2::text[], $3::text[]) as w(schema_name, name, parent)
join pg_namespace n on n.nspname = w.schema_name
left join pg_class c on c.relnamespace = n.oid and c.relname = w.name
left join pg_inherits i on i.inhrelid = c.oid
left join pg_type ty on ty.typnamespace = n.oid and ty.typname = w.name and ty.typrelid = 0
                    and not (ty.typcategory = 'A' and ty.typelem <> 0)
where c.oid is not null or ty.oid is not null
`;

/**
 * Which of `wanted` are taken, keyed by schema, each with what holds it ('a view', 'a type' …).
 * A CatalogChanged error when one is now a partition of the very parent that wants it: the
 * snapshot the plan was made from no longer holds.
 */
export async function readTakenNames(
  client: pg.Client,
  wanted: readonly WantedName[],
): Promise<Map<string, Map<string, string>>> {
  const taken = new Map<string, Map<string, string>>();
  if (wanted.length === 0) return taken;
  const { rows } = await client.query<{ schema: string; name: string; holder: string }>(TAKEN_NAMES_SQL, [
    wanted.map((w) => w.schema),
    wanted.map((w) => w.name),
    wanted.map((w) => quoteQualified(w.parent)),
  ]);
  for (const row of rows) {
    if (row.holder === '=') {
      throw new CatalogChanged(
        `${quoteQualified(row)} became a partition while this plan was made (another run?); nothing was changed: run again`,
      );
    }
    const names = taken.get(row.schema) ?? new Map<string, string>();
    names.set(row.name, row.holder === 'type' ? 'a type' : relationKindName(row.holder));
    taken.set(row.schema, names);
  }
  return taken;
}
