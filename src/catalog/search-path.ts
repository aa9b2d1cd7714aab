// A table written without a schema resolves as SQL resolves it: in the first schema of the
// connection's search_path (current_schemas(false)) that holds a relation of that name.
import type pg from 'pg';
import { parseQualifiedName, relationKey } from '../sql/quote';
import type { QualifiedName } from '../types';

/** What resolution needs of a configured table; a TableSpec fits as it is. */
export interface NamedTarget extends QualifiedName {
  /** The `table` field as written in the config. */
  table: string;
}

/** `orders` or `"Orders"`, not `app.orders`: one part, as the SQL parser reads it. */
export function writtenWithoutSchema(table: string): boolean {
  // parseQualifiedName refuses three parts: with one more part, only a bare name still parses.
  try {
    parseQualifiedName(`${table.trim()}.x`);
    return true;
  } catch {
    return false;
  }
}

/**
 * $1 the bare names. For each, the first schema of current_schemas(false) holding a relation of
 * that name (null: none does); with the first name (ord 1) only, the search_path as set, for
 * messages, and current_schemas. Takes no lock.
 */
export const RESOLVE_SQL = `
select t.ord::int as ord,
       (select s.nspname::text
          from unnest(current_schemas(false)) with ordinality as s(nspname, pos)
          join pg_namespace n on n.nspname = s.nspname
          join pg_class c on c.relnamespace = n.oid and c.relname = t.name
         order by s.pos limit 1) as schema,
       -- The same for every name: sent once, not parsed again with each.
       case when t.ord = 1 then current_setting('search_path') end as search_path,
       case when t.ord = 1 then current_schemas(false)::text[] end as schemas
  from unnest($1::text[]) with ordinality as t(name, ord)
`;

export interface Resolved<T> {
  /** The targets, each bare name in the schema where the search_path finds it. */
  targets: T[];
  /**
   * relationKey of a bare name found nowhere (left in public) → the search_path it was looked up
   * in; not when that search_path comes down to public alone ("public.orders does not exist" says it).
   */
  notFound: Map<string, string>;
}

/** One round trip when some name is bare; none otherwise. */
export async function resolveBareNames<T extends NamedTarget>(
  client: pg.Client,
  targets: readonly T[],
): Promise<Resolved<T>> {
  const bare = targets.filter((t) => writtenWithoutSchema(t.table));
  const notFound = new Map<string, string>();
  if (bare.length === 0) return { targets: [...targets], notFound };
  const { rows } = await client.query<{
    ord: number;
    schema: string | null;
    /** The first row's only. */
    search_path: string | null;
    schemas: string[] | null;
  }>(RESOLVE_SQL, [bare.map((t) => t.name)]);
  const first = rows.find((row) => row.ord === 1);
  if (!first?.schemas || first.search_path === null) {
    throw new Error('the search_path query did not say the search_path');
  }
  const searchPath = first.search_path;
  const onlyPublic = first.schemas.length === 1 && first.schemas[0] === 'public';
  const found = new Map<T, string>();
  for (const row of rows) {
    const target = bare[row.ord - 1];
    if (!target) throw new Error(`the search_path query returned an unknown name ${row.ord}`);
    if (row.schema === null && !onlyPublic) notFound.set(relationKey(target), searchPath);
    else if (row.schema !== null) found.set(target, row.schema);
  }
  return {
    targets: targets.map((t) => {
      const schema = found.get(t);
      return schema === undefined || schema === t.schema ? t : { ...t, schema };
    }),
    notFound,
  };
}
