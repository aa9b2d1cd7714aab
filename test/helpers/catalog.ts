// What the tests read back from the catalog to judge what a run did.
import type pg from 'pg';

export interface Partition {
  name: string;
  bound: string;
}

/** The parent's partitions with their bounds as PostgreSQL prints them, by name. */
export async function partitionsOf(client: pg.Client, parent: string): Promise<Partition[]> {
  const { rows } = await client.query<Partition>(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
       from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = $1::regclass order by 1`,
    [parent],
  );
  return rows;
}

/** Every relation outside the system schemas, with its kind: what "nothing changed" compares. */
export async function relationsOf(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ r: string }>(
    `select n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relispartition::text as r
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema' order by 1`,
  );
  return rows.map((r) => r.r);
}

/** Tables whose name starts with `prefix` that are partitions of nothing (a half-made partition). */
export async function unattached(client: pg.Client, prefix: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `select relname as name from pg_class
      where relkind = 'r' and not relispartition and starts_with(relname::text, $1) order by 1`,
    [prefix],
  );
  return rows.map((r) => r.name);
}
