// The SQL of the catalog snapshot: two statements whatever the number of parents. Mapping the
// results lives in snapshot.ts.

/**
 * The configured parents as they are, one row each (in `ord` order). The targets arrive as parallel
 * arrays (never as SQL text), one element per parent: $1 schema, $2 table name, $3 archive schema
 * (null when none).
 */
export const PARENTS_SQL = `
select t.ord::int as ord,
       n.oid is not null as schema_exists,
       exists (select from pg_namespace a where a.nspname = t.archive_schema) as archive_schema_exists,
       c.oid,
       c.relkind::text as relkind,
       pt.partstrat::text as strategy,
       pt.partnatts::int as key_columns,
       -- partattrs holds 0 for an expression column; partattrs[0] is the first key column.
       0 = any (pt.partattrs) as expression_key,
       -- It opens the parent, so a parent held in ACCESS EXCLUSIVE makes this wait (under lock_timeout).
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
       (select spcname::text from pg_tablespace where oid = c.reltablespace) as tablespace,
       current_setting('DateStyle') as date_style,
       -- How many partitions the members statement sends for it (it reads the same snapshot).
       (select count(*) from pg_inherits i where i.inhparent = c.oid)::int as partition_count
from unnest($1::text[], $2::text[], $3::text[]) with ordinality as t(schema_name, table_name, archive_schema, ord)
left join pg_namespace n on n.nspname = t.schema_name
left join pg_class c on c.relnamespace = n.oid and c.relname = t.table_name
left join pg_partitioned_table pt on pt.partrelid = c.oid
left join pg_attribute a on a.attrelid = c.oid and a.attnum = pt.partattrs[0]
order by t.ord
`;

/**
 * The parents' member tables, one row each: their partitions (of range-partitioned parents), and
 * the tables attached nowhere that may be their archived partitions. For a server of
 * `serverVersion` (server_version_num). One element per parent in each array:
 *   $1 ord, $2 its oid (null when missing), $3 schema, $4 archive schema (null when none),
 *   $5 the fixed prefix of the naming template (archived-table candidates must start with it),
 *   $6 whether its partitions are read (range-partitioned).
 *
 * Shaped for 100,000 partitions: pg_class is read in one pass (a hash join, not 100,000 index
 * look-ups: 0.8 s against 2.8 s for the single statement before, in a fresh session; BENCHMARKS.md),
 * and rows come as rows, not one JSON value the driver must gather and parse whole.
 */
export const membersSql = (serverVersion: number, sizes: boolean): string => `
with parent as (
  select p.*, n.oid as namespace
  from unnest($1::int[], $2::oid[], $3::text[], $4::text[], $5::text[], $6::boolean[])
         as p(ord, oid, schema_name, archive_schema, name_prefix, partitions_read)
  left join pg_namespace n on n.nspname = p.schema_name
),

attached as (
  select p.ord, i.inhrelid as oid, p.namespace as parent_namespace,
         -- an interrupted DETACH … CONCURRENTLY (PostgreSQL 14+)
         ${serverVersion >= 140000 ? 'i.inhdetachpending' : 'false'} as detach_pending
  from parent p
  join pg_inherits i on i.inhparent = p.oid
  where p.partitions_read
),

-- The one pass over pg_class: every partition, and the tables attached nowhere in the schemas of
-- the parents and their archives. Our partitions' bounds are printed here, so the raw bounds are
-- never carried (at 100,000 partitions they made this 60 MB, spilled to disk: 0.69 → 0.64 s).
-- Bounds hold only constants, so pg_get_expr needs no relation context (0); with the oid
-- PostgreSQL opens every partition to name its columns: 3× the time.
class as materialized (
  select c.oid, c.relname, c.relnamespace, c.relkind, c.relispartition, c.reltuples,
         a.ord, a.parent_namespace, a.detach_pending,
         case when a.oid is not null then pg_get_expr(c.relpartbound, 0) end as bound
  from pg_class c
  left join attached a on a.oid = c.oid
  where c.relispartition
     or (c.relkind in ('r', 'p')
         and c.relnamespace in (select n.oid from parent p
                                join pg_namespace n on n.nspname in (p.schema_name, p.archive_schema)))
),

-- Tables attached nowhere, with their name's first characters for each prefix length in use, so
-- that matching them to parents' naming prefixes is a hash join, not every table against every prefix.
unattached as materialized (
  select c.oid, n.nspname::text as schema_name, left(c.relname::text, l.len) as head
  from class c
  join pg_namespace n on n.oid = c.relnamespace
  join (select distinct length(name_prefix) as len from parent) l on l.len <= length(c.relname)
  where not c.relispartition
),

-- Partitions come with their bound, detached candidates without one (which is how snapshot.ts
-- tells them apart: a column saying so cost 100,000 more values to send and read). Partitions go
-- first: they stream out during the pass over pg_class, while the candidates can only come once it
-- is over (candidates first made the plan of 100,000 partitions 0.2 s slower). So a parent with
-- detached tables is usually given twice, and planned again (snapshot.ts, onParentRead).
member as (
  select c.ord, c.oid, c.relnamespace, c.parent_namespace, c.relname, c.relkind,
         c.bound, c.reltuples, c.detach_pending, null as comment
  from class c
  where c.ord is not null
  union all
  -- Detached partitions: ordinary tables in the archive schema or the parent's own, whose name
  -- starts with the naming prefix (snapshot.ts then checks the full naming pattern).
  select p.ord, c.oid, c.relnamespace, null, c.relname, c.relkind, null, c.reltuples,
         false, obj_description(c.oid, 'pg_class')
  from unattached u
  join parent p on p.name_prefix = u.head and u.schema_name in (p.schema_name, p.archive_schema)
               and u.oid is distinct from p.oid
  join class c on c.oid = u.oid
)

-- What is usually so goes as NULL, which the driver need not decode: a partition's schema when it
-- is its parent's, false flags (100,000 rows: 20 ms less of the client's time, which is what the
-- rows wait for; BENCHMARKS.md, issue 9).
-- The columns' order is memberOf's (snapshot.ts): rows come as fields, not named.
select m.ord,
       case when m.relnamespace is distinct from m.parent_namespace then n.nspname::text end as schema,
       m.relname::text as name,
       case when m.relkind = 'p' then true end as sub_partitioned,
       m.bound,
       case when m.detach_pending then true end as detach_pending,
       m.comment,
       -- A DEFAULT whose file has no pages holds no rows: it needs no counting (catalog/default-rows.ts).
       -- (It takes the DEFAULT's ACCESS SHARE lock, so a DEFAULT held in ACCESS EXCLUSIVE makes this wait.)
       case when m.bound = 'DEFAULT' and m.relkind = 'r' then pg_relation_size(m.oid) = 0 end as empty
       ${sizes ? SIZES_COLUMNS : ''}
from member m
join pg_namespace n on n.oid = m.relnamespace
${sizes ? SIZES_JOIN : ''}
`;

// Sizes and row estimates only when asked, for the status command: measuring opens every
// partition, and even unasked the lateral join and its columns made a plan of 100,000 partitions
// ~4% slower (1.42 → 1.36 of the bare bounds query; BENCHMARKS.md, issue 9). A sub-partitioned
// table stores nothing itself: add up its leaves. reltuples is -1 until the table is first
// analyzed (or, summed over leaves, when none was).
const SIZES_COLUMNS = `,
       coalesce(leaves.bytes, pg_total_relation_size(m.oid), 0)::float8 as bytes,
       case when m.relkind = 'p' then coalesce(leaves.reltuples, -1) else m.reltuples end::float8 as reltuples`;

const SIZES_JOIN = `left join lateral (
  select sum(pg_total_relation_size(leaf.relid)) as bytes,
         sum(leaf_class.reltuples) filter (where leaf_class.reltuples >= 0) as reltuples
  from pg_partition_tree(m.oid) leaf
  join pg_class leaf_class on leaf_class.oid = leaf.relid
  where m.relkind = 'p' and leaf.isleaf
) leaves on true`;
