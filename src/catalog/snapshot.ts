// The catalog snapshot: the configured parents as they are, in one statement whatever their number.
// Rows in DEFAULT partitions are counted later, for the ranges a plan needs (default-rows.ts).
import type pg from 'pg';
import type {
  ArchivedTable,
  CatalogSnapshot,
  DefaultPartitionInfo,
  ParentInfo,
  PartitionInfo,
  TableSpec,
} from '../types';
import { quoteIdent, quoteQualified, relationKey } from '../sql/quote';
import { carriesNaming, namePrefix } from './archived';
import { parseOrigin } from './origin';
import { parsePartitionBound } from './bounds';
import { classifyParent, relationKindName } from './problems';
import { snapshotSql } from './queries';

/**
 * What the snapshot needs to know of a configured table. A TableSpec fits as it is: its archive
 * schema is read from `archive.schema` when `archiveSchema` is not given.
 */
export interface SnapshotTarget extends Pick<TableSpec, 'schema' | 'name' | 'naming' | 'timezone'> {
  archiveSchema?: string;
  archive?: { schema?: string };
  /** Set for a name written without a schema that no schema on this search_path holds (search-path.ts). */
  searchPath?: string;
}

// Row shapes of snapshotSql (json columns, parsed by the driver).
interface ParentRow {
  ord: number;
  schema_name: string;
  table_name: string;
  archive_schema: string | null;
  schema_exists: boolean;
  oid: number | null;
  relkind: string | null;
  strategy: string | null;
  key_columns: number | null;
  expression_key: boolean | null;
  key_definition: string | null;
  key_column: string | null;
  key_type_name: string | null;
  tablespace: string | null;
}

interface MemberRow {
  ord: number;
  role: 'partition' | 'archived';
  oid: number;
  schema: string;
  name: string;
  sub_partitioned: boolean;
  bound: string | null;
  bytes: number;
  reltuples: number;
  detach_pending: boolean;
  /** Detached tables only: their comment (an origin mark, maybe). */
  comment: string | null;
}

/** A member as the query sends it: the fields of MemberRow in order. */
type MemberTuple = [
  MemberRow['ord'],
  MemberRow['role'],
  MemberRow['oid'],
  MemberRow['schema'],
  MemberRow['name'],
  MemberRow['sub_partitioned'],
  MemberRow['bound'],
  MemberRow['bytes'],
  MemberRow['reltuples'],
  MemberRow['detach_pending'],
  MemberRow['comment'],
];

const toMemberRow = ([
  ord,
  role,
  oid,
  schema,
  name,
  subPartitioned,
  bound,
  bytes,
  reltuples,
  detachPending,
  comment,
]: MemberTuple) => ({
  ord,
  role,
  oid,
  schema,
  name,
  sub_partitioned: subPartitioned,
  bound,
  bytes,
  reltuples,
  detach_pending: detachPending,
  comment,
});

interface SnapshotRow {
  date_style: string;
  parents: ParentRow[];
  members: MemberTuple[];
  /** names: relname → relkind, or '+' for a partition. */
  relation_names: { schema: string; names: Record<string, string>; type_names: string[] }[];
}

export interface SnapshotOptions {
  /** Measure each partition's size (default true). Planning does not need it, and it is the costly part. */
  sizes?: boolean;
  /** server_version_num: the statement's text depends on it (inCatalogTransaction gives it). */
  serverVersion: number;
}

/** Reads the parents named by `targets`; a table that cannot be managed gets a `problem`, never an exception. */
export async function readSnapshot(
  client: pg.Client,
  targets: SnapshotTarget[],
  options: SnapshotOptions,
): Promise<CatalogSnapshot> {
  const unique = uniqueTargets(targets);
  const { rows } = await client.query<SnapshotRow>(snapshotSql(options.serverVersion), [
    unique.map((t) => t.schema),
    unique.map((t) => t.name),
    unique.map((t) => archiveSchemaOf(t) ?? null),
    unique.map((t) => namePrefix(t.naming, t.name)),
    options.sizes ?? true,
  ]);
  const row = rows[0];
  if (!row) throw new Error('the catalog query returned no row');
  requireIsoDates(row.date_style);

  const membersByOrd = groupBy(row.members.map(toMemberRow), (m) => m.ord);
  const parents = new Map<string, ParentInfo>();
  for (const parentRow of row.parents) {
    const target = unique[parentRow.ord - 1];
    if (!target) throw new Error(`the catalog query returned an unknown target ${parentRow.ord}`);
    const parent = toParentInfo(parentRow, target, membersByOrd.get(parentRow.ord) ?? []);
    parents.set(relationKey(parent), parent);
  }

  return {
    serverVersion: options.serverVersion,
    parents,
    relationNames: relationNames(unique, row.relation_names),
    // relation_names has a row for each of those schemas that exists
    schemas: new Set(row.relation_names.map((r) => r.schema)),
    roundTrips: 1,
  };
}

/** The first entry for a table wins: the snapshot holds one ParentInfo per table. */
function uniqueTargets(targets: SnapshotTarget[]): SnapshotTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = relationKey(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function archiveSchemaOf(target: SnapshotTarget): string | undefined {
  return target.archiveSchema ?? target.archive?.schema;
}

/** Bound literals are parsed in ISO form; connect() sets it, a foreign session might not. */
function requireIsoDates(dateStyle: string): void {
  if (!/^ISO\b/.test(dateStyle)) {
    throw new Error(
      `the catalog snapshot needs DateStyle ISO to read partition bounds, but this session has ${dateStyle}; ` +
        `open it with connect() or run SET datestyle = 'ISO, YMD'`,
    );
  }
}

function toParentInfo(row: ParentRow, target: SnapshotTarget, members: MemberRow[]): ParentInfo {
  const base: ParentInfo = {
    schema: target.schema,
    name: target.name,
    partitions: [],
    archived: [],
  };
  const verdict = classifyParent({
    display: quoteQualified(target),
    schemaExists: row.schema_exists,
    relkind: row.relkind,
    strategy: row.strategy,
    keyColumns: row.key_columns,
    expressionKey: row.expression_key,
    keyDefinition: row.key_definition,
    keyColumn: row.key_column,
    keyTypeName: row.key_type_name,
  });
  const strategy = strategyName(row.strategy);
  const archived = archivedTables(members, target);
  if (!verdict.ok) {
    const message =
      verdict.code === 'missing' && target.searchPath !== undefined
        ? `${quoteIdent(target.name)} is written without a schema, and no schema on the search_path ` +
          `(${target.searchPath}) holds it; write the schema (schema.${target.name}) or set the ` +
          'search_path of the role or database'
        : verdict.message;
    return {
      ...base,
      problem: { code: verdict.code, message },
      ...(strategy && { strategy }),
      ...(row.key_column && { keyColumn: row.key_column }),
      ...(row.key_type_name && { keyTypeName: row.key_type_name }),
      archived,
    };
  }

  const partitions: PartitionInfo[] = [];
  let defaultPartition: DefaultPartitionInfo | undefined;
  for (const member of members) {
    if (member.role !== 'partition') continue;
    if (member.bound === null) throw new Error(`partition ${quoteQualified(member)} has no bound`);
    const bound = parsePartitionBound(member.bound, verdict.keyType);
    const estimated = estimatedRows(member.reltuples);
    // Written out rather than spread: this runs for every partition of every parent.
    if (bound.kind === 'default') {
      defaultPartition = {
        schema: member.schema,
        name: member.name,
        bytes: member.bytes,
        estimatedRows: estimated,
        rowsByDay: [],
      };
    } else {
      partitions.push({
        schema: member.schema,
        name: member.name,
        bytes: member.bytes,
        estimatedRows: estimated,
        from: bound.from,
        to: bound.to,
        fromText: bound.fromText,
        toText: bound.toText,
        subPartitioned: member.sub_partitioned,
        ...(member.detach_pending && { detachPending: true }),
      });
    }
  }
  partitions.sort((a, b) => a.from - b.from || a.to - b.to || a.name.localeCompare(b.name));

  return {
    ...base,
    strategy: 'range',
    keyColumn: verdict.keyColumn,
    keyTypeName: verdict.keyTypeName,
    keyType: verdict.keyType,
    ...(row.tablespace && { tablespace: row.tablespace }),
    partitions,
    ...(defaultPartition && { defaultPartition }),
    archived,
  };
}

function strategyName(partstrat: string | null): ParentInfo['strategy'] {
  if (partstrat === 'r') return 'range';
  if (partstrat === 'l') return 'list';
  if (partstrat === 'h') return 'hash';
  return undefined;
}

/** The SQL keeps tables that start with the naming prefix; here the whole pattern must match. */
function archivedTables(members: MemberRow[], target: SnapshotTarget): ArchivedTable[] {
  const candidates = members.filter((m) => m.role === 'archived');
  if (candidates.length === 0) return []; // the usual case: no pattern to build
  const ours = carriesNaming(target.naming, target.name);
  return candidates
    .filter((m) => ours(m.name))
    .map((m) => {
      const origin = parseOrigin(m.comment);
      return {
        schema: m.schema,
        name: m.name,
        bytes: m.bytes,
        estimatedRows: estimatedRows(m.reltuples),
        ...(origin && ('problem' in origin ? { originProblem: origin.problem } : { origin })),
      };
    });
}

/** reltuples is negative (-1) until the first ANALYZE: unknown, not zero. */
function estimatedRows(reltuples: number): number | null {
  return reltuples < 0 ? null : reltuples;
}

function groupBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Names in use per involved schema, with what holds each; a schema that does not exist (yet) holds none. */
function relationNames(
  targets: SnapshotTarget[],
  rows: SnapshotRow['relation_names'],
): Map<string, Map<string, string>> {
  const names = new Map<string, Map<string, string>>();
  for (const t of targets) {
    for (const schema of [t.schema, archiveSchemaOf(t)])
      if (schema !== undefined) names.set(schema, new Map());
  }
  for (const row of rows) {
    const holders = new Map<string, string>();
    for (const name of row.type_names) holders.set(name, 'a type');
    for (const [name, kind] of Object.entries(row.names)) holders.set(name, relationKindName(kind));
    names.set(row.schema, holders);
  }
  return names;
}
