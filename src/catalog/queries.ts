// The SQL of the catalog snapshot. Mapping the results lives in snapshot.ts.

/**
 * Everything about the configured parents in one statement, whatever their number, for a server of
 * `serverVersion` (server_version_num).
 * The targets arrive as parallel arrays (never as SQL text), one element per parent:
 *   $1 schema, $2 table name, $3 archive schema (null when none),
 *   $4 the fixed prefix of the naming template (archived-table candidates must start with it).
 * Returns one row whose json columns hold the parents, their member tables and the names in use.
 */
export const snapshotSql = (serverVersion: number): string => `
with target as (
  select t.ord::int as ord, t.schema_name, t.table_name, t.archive_schema, t.name_prefix
  from unnest($1::text[], $2::text[], $3::text[], $4::text[]) with ordinality
         as t(schema_name, table_name, archive_schema, name_prefix, ord)
),

-- Each parent as it is: whether it exists, how it is partitioned, its key column and type.
-- partattrs holds 0 for an expression column; partattrs[0] is the first key column.
parent as (
  select t.*,
         n.oid is not null as schema_exists,
         c.oid::int8 as oid,
         c.relkind::text as relkind,
         pt.partstrat::text as strategy,
         pt.partnatts::int as key_columns,
         0 = any (pt.partattrs) as expression_key,
         case when pt.partrelid is not null then pg_get_partkeydef(c.oid) end as key_definition,
         a.attname::text as key_column,
         -- A domain key is read as its base type (through domains over domains), with the base's typmod.
         (with recursive chain(type_id, type_mod) as (
            select a.atttypid, a.atttypmod
            union all
            select t.typbasetype, t.typtypmod from chain join pg_type t on t.oid = chain.type_id where t.typtype = 'd'
          ) select format_type(chain.type_id, chain.type_mod) from chain join pg_type t on t.oid = chain.type_id
             where t.typtype <> 'd') as key_type_name,
         -- PARTITION OF puts new partitions in the parent's tablespace; our LIKE + ATTACH must say it.
         (select spcname::text from pg_tablespace where oid = c.reltablespace) as tablespace
  from target t
  left join pg_namespace n on n.nspname = t.schema_name
  left join pg_class c on c.relnamespace = n.oid and c.relname = t.table_name
  left join pg_partitioned_table pt on pt.partrelid = c.oid
  left join pg_attribute a on a.attrelid = c.oid and a.attnum = pt.partattrs[0]
),

-- The partitions of the range-partitioned parents (the others are problems, their partitions unread).
attached as (
  select p.ord, 'partition' as role, i.inhrelid as oid,
         -- an interrupted DETACH … CONCURRENTLY (PostgreSQL 14+). Not read through to_jsonb(i), which
         -- works on 13 too but costs 130 ms at 100,000 partitions.
         ${serverVersion >= 140000 ? 'i.inhdetachpending' : 'false'} as detach_pending
  from parent p
  join pg_inherits i on i.inhparent = p.oid
  where p.strategy = 'r'
),

-- Detached partitions: ordinary tables, not attached anywhere, in the archive schema or the parent's
-- own, whose name starts with the naming prefix (snapshot.ts then checks the full naming pattern).
detached as (
  select p.ord, 'archived' as role, c.oid, false as detach_pending
  from parent p
  join pg_namespace n on n.nspname in (p.schema_name, p.archive_schema)
  join pg_class c on c.relnamespace = n.oid
  where c.relkind in ('r', 'p')
    and not c.relispartition
    and starts_with(c.relname::text, p.name_prefix)
    and c.oid is distinct from p.oid
),

-- Sizes ($5: only when asked, for the status command — measuring opens every partition, which in a fresh
-- session is most of this query's time) and row estimates. A sub-partitioned table stores nothing
-- itself: add up its leaves. reltuples is -1 until the table is first analyzed (or, summed over
-- leaves, when none was).
member as (
  select m.ord, m.role, c.oid::int8 as oid, n.nspname::text as schema, c.relname::text as name,
         c.relkind = 'p' as sub_partitioned,
         -- No relation context (0): bounds hold only constants, so the text is the same, but with the
         -- oid PostgreSQL opens (and locks) every partition to name its columns: 3× the time at 100k.
         pg_get_expr(c.relpartbound, 0) as bound,
         case when $5::boolean then coalesce(leaves.bytes, pg_total_relation_size(c.oid), 0) else 0 end::int8 as bytes,
         case when c.relkind = 'p' then coalesce(leaves.reltuples, -1) else c.reltuples end::float8 as reltuples,
         m.detach_pending,
         -- a detached table's comment: its origin mark, when it carries one (catalog/origin.ts)
         case when m.role = 'archived' then obj_description(c.oid, 'pg_class') end as comment
  from (select * from attached union all select * from detached) m
  join pg_class c on c.oid = m.oid
  join pg_namespace n on n.oid = c.relnamespace
  left join lateral (
    select sum(pg_total_relation_size(leaf.relid)) as bytes,
           sum(leaf_class.reltuples) filter (where leaf_class.reltuples >= 0) as reltuples
    from pg_partition_tree(c.oid) leaf
    join pg_class leaf_class on leaf_class.oid = leaf.relid
    where c.relkind = 'p' and leaf.isleaf and $5::boolean
  ) leaves on true
)

select current_setting('DateStyle') as date_style,
       (select coalesce(json_agg(parent order by ord), '[]') from parent) as parents,
       -- Members as arrays, not objects: there can be tens of thousands, and keys would double the bytes.
       (select coalesce(json_agg(json_build_array(ord, role, oid, schema, name, sub_partitioned, bound, bytes,
                                                  reltuples, detach_pending, comment) order by ord, role, name), '[]')
          from member) as members,
       -- Names a new partition must not take, in the parents' and archive schemas. Relations of every
       -- kind share one namespace with each other and with types (CREATE TABLE fails on an existing
       -- enum or domain of that name). Row types of relations are in pg_class already, and automatic
       -- array types are renamed out of the way by PostgreSQL. (Kept apart from the CTEs above: as
       -- a subquery of them the planner chose a plan 50× slower.)
       (select coalesce(json_agg(json_build_object(
                 'schema', n.nspname,
                 -- name → relkind, '+' for a table that is a partition (of any parent)
                 'names', (select coalesce(json_object_agg(c.relname,
                                    case when c.relispartition and c.relkind in ('r', 'p', 'f') then '+'
                                         else c.relkind::text end), '{}')
                             from pg_class c where c.relnamespace = n.oid),
                 'type_names', array(select ty.typname::text from pg_type ty
                                      where ty.typnamespace = n.oid and ty.typrelid = 0
                                        and not (ty.typcategory = 'A' and ty.typelem <> 0)))), '[]')
          from pg_namespace n
         where n.nspname = any ($1::text[] || $3::text[])) as relation_names
`;
