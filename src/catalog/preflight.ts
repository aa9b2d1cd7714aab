// Pre-flight: what the connected role may do to the configured parents, read in one statement
// whatever their number, so `plan` and `check` can say what `apply` would fail to do.
import type pg from 'pg';
import type { ParentAccess, Preflight, QualifiedName, SchemaAccess } from '../types';
import { relationKey } from '../sql/quote';

/** What pre-flight needs of a configured table; a TableSpec fits as it is. */
export interface PreflightTarget extends QualifiedName {
  archive?: { schema?: string };
}

/**
 * $1 parent schemas, $2 parent names (parallel arrays), $3 every schema whose rights matter
 * (the parents' and the archive schemas). Never SQL text: the names arrive as parameters.
 * has_*_privilege and pg_has_role answer for current_user, superusers included.
 */
export const PREFLIGHT_SQL = `
select current_user::text as role,
       current_database()::text as database,
       current_setting('transaction_read_only') = 'on' as read_only,
       (select source from pg_settings where name = 'default_transaction_read_only') as read_only_source,
       pg_is_in_recovery() as in_recovery,
       has_database_privilege(current_database(), 'CREATE') as can_create_schemas,
       coalesce((
         select json_agg(json_build_object(
                  'schema', s.name,
                  'exists', n.oid is not null,
                  'usage', n.oid is not null and has_schema_privilege(n.oid, 'USAGE'),
                  'create', n.oid is not null and has_schema_privilege(n.oid, 'CREATE')))
         from (select distinct unnest($3::text[]) as name) s
         left join pg_namespace n on n.nspname = s.name
       ), '[]') as schemas,
       coalesce((
         select json_agg(json_build_object(
                  'schema', t.schema_name,
                  'name', t.table_name,
                  'owner', pg_get_userbyid(c.relowner),
                  'owner_rights', pg_has_role(c.relowner, 'USAGE'),
                  'tablespace', spc.spcname,
                  -- CREATE on a tablespace is only asked for one other than the database's default.
                  'tablespace_create', spc.oid is null
                    or spc.oid = (select dattablespace from pg_database where datname = current_database())
                    or has_tablespace_privilege(spc.oid, 'CREATE')))
         from unnest($1::text[], $2::text[]) as t(schema_name, table_name)
         join pg_namespace n on n.nspname = t.schema_name
         join pg_class c on c.relnamespace = n.oid and c.relname = t.table_name
         left join pg_tablespace spc on spc.oid = c.reltablespace
       ), '[]') as parents
`;

interface PreflightRow {
  role: string;
  database: string;
  read_only: boolean;
  read_only_source: string | null;
  in_recovery: boolean;
  can_create_schemas: boolean;
  schemas: (SchemaAccess & { schema: string })[];
  parents: {
    schema: string;
    name: string;
    owner: string;
    owner_rights: boolean;
    tablespace: string | null;
    tablespace_create: boolean;
  }[];
}

/** One round trip, whatever the number of targets. */
export async function readPreflight(client: pg.Client, targets: PreflightTarget[]): Promise<Preflight> {
  const archiveSchemas = targets.flatMap((t) => (t.archive?.schema === undefined ? [] : [t.archive.schema]));
  const { rows } = await client.query<PreflightRow>(PREFLIGHT_SQL, [
    targets.map((t) => t.schema),
    targets.map((t) => t.name),
    [...targets.map((t) => t.schema), ...archiveSchemas],
  ]);
  const row = rows[0];
  if (!row) throw new Error('the pre-flight query returned no row');
  const parents = new Map<string, ParentAccess>();
  for (const p of row.parents) {
    parents.set(relationKey(p), {
      owner: p.owner,
      ownerRights: p.owner_rights,
      ...(p.tablespace !== null && { tablespace: p.tablespace }),
      tablespaceCreate: p.tablespace_create,
    });
  }
  return {
    role: row.role,
    database: row.database,
    readOnly: row.read_only,
    readOnlySource: row.read_only_source ?? 'default',
    inRecovery: row.in_recovery,
    canCreateSchemas: row.can_create_schemas,
    schemas: new Map(
      row.schemas.map((s) => [s.schema, { exists: s.exists, usage: s.usage, create: s.create }]),
    ),
    parents,
  };
}
