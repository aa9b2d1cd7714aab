// The catalog snapshot: the configured parents as they are, in two statements whatever their number.
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
import { compareNames, quoteIdent, quoteQualified, relationKey } from '../sql/quote';
import { carriesNaming, namePrefix } from './archived';
import { parseOrigin } from './origin';
import { parsePartitionBound } from './bounds';
import { type Classification, classifyParent } from './problems';
import { eachRow, type Fields } from '../db/each-row';
import { PARENTS_SQL, membersSql } from './queries';

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

// Row shapes of PARENTS_SQL and membersSql.
interface ParentRow {
  ord: number;
  schema_exists: boolean;
  archive_schema_exists: boolean;
  oid: number | null;
  relkind: string | null;
  strategy: string | null;
  key_columns: number | null;
  expression_key: boolean | null;
  key_definition: string | null;
  key_column: string | null;
  key_type_name: string | null;
  tablespace: string | null;
  date_style: string;
  partition_count: number;
}

interface MemberRow {
  ord: number;
  /** null for a partition in its parent's schema. */
  schema: string | null;
  name: string;
  subPartitioned: boolean;
  /** A partition's bound; null for a table attached nowhere (an archived table, maybe). */
  bound: string | null;
  detachPending: boolean;
  /** Detached tables only: their comment (an origin mark, maybe). */
  comment: string | null;
  /** A plain DEFAULT partition only: whether its file has no pages (so no rows). */
  empty: boolean | null;
  /** Only when sizes are read. */
  bytes?: number;
  reltuples?: number;
}

/** A row of membersSql from its fields, in the order of its columns (booleans come as 't' or 'f'). */
function memberOf(fields: Fields): MemberRow {
  const [ord, schema, name, subPartitioned, bound, detachPending, comment, empty, bytes, reltuples] = fields;
  if (ord == null || name == null)
    throw new Error('the catalog query sent a member without its parent or name');
  const member: MemberRow = {
    ord: Number(ord),
    schema: schema ?? null,
    name,
    subPartitioned: subPartitioned === 't',
    bound: bound ?? null,
    detachPending: detachPending === 't',
    comment: comment ?? null,
    empty: empty == null ? null : empty === 't',
  };
  // Set afterwards rather than spread in: one object shape for every row (a spread is slower).
  if (bytes != null) member.bytes = Number(bytes);
  if (reltuples != null) member.reltuples = Number(reltuples);
  return member;
}

/** A table attached nowhere (its schema is always sent). */
type Candidate = MemberRow & { schema: string };

export interface SnapshotOptions {
  /** Read each table's size and estimated rows (default true). Planning needs neither, and measuring is costly. */
  sizes?: boolean;
  /** server_version_num: the statement's text depends on it (inCatalogTransaction gives it). */
  serverVersion: number;
  /**
   * Called with each parent as soon as its last partition has arrived, while the rest still come
   * (with `snapshot` as read so far, this parent complete), so that it can be planned then rather
   * than after: 0.05 s of a plan at 100,000 partitions (BENCHMARKS.md, issue 9). A parent whose
   * members are not all counted ahead (a detached table arriving late, a parent that cannot be
   * managed) is given once all are in, and so is one built again: `snapshot.parents` holds the
   * final ParentInfo. What it throws fails the snapshot.
   */
  onParentRead?: (parent: ParentInfo, snapshot: CatalogSnapshot) => void;
  /**
   * Called once the members statement, the long one, is dispatched (or when there is none), so that
   * the caller's own work runs while the server reads them rather than before. Not called when the
   * snapshot fails before that: wait for the snapshot to settle too. Must not throw.
   */
  membersSent?: () => void;
}

/**
 * Reads the parents named by `targets`, in two statements whatever their number; a table that
 * cannot be managed gets a `problem`, never an exception. Names in use are not read here: the
 * planner's few are looked up once it has them (names.ts).
 */
export async function readSnapshot(
  client: pg.Client,
  targets: SnapshotTarget[],
  options: SnapshotOptions,
): Promise<CatalogSnapshot> {
  const unique = uniqueTargets(targets);
  const parents = new Map<string, ParentInfo>();
  const schemas = new Set<string>();
  const snapshot = { serverVersion: options.serverVersion, parents, relationNames: new Map(), schemas };
  if (unique.length === 0) {
    options.membersSent?.();
    return snapshot;
  }
  const { rows } = await client.query<ParentRow>(PARENTS_SQL, [
    unique.map((t) => t.schema),
    unique.map((t) => t.name),
    unique.map((t) => archiveSchemaOf(t) ?? null),
  ]);
  requireIsoDates(rows[0]?.date_style ?? '');
  const readings = new Map<number, Reading>();
  for (const row of rows) {
    const target = unique[row.ord - 1];
    if (!target) throw new Error(`the catalog query returned an unknown target ${row.ord}`);
    const verdict = classify(row, target);
    // Partitions are read only of parents that can be managed: the others' never come.
    const partitionsLeft = verdict.ok ? row.partition_count : -1;
    readings.set(row.ord, { row, target, verdict, partitions: [], candidates: [], partitionsLeft });
    if (row.schema_exists) schemas.add(target.schema);
    const archiveSchema = archiveSchemaOf(target);
    if (archiveSchema !== undefined && row.archive_schema_exists) schemas.add(archiveSchema);
  }
  const found = [...readings.values()];
  const give = (reading: Reading): void => {
    const parent = toParentInfo(reading);
    reading.given = parent;
    parents.set(relationKey(parent), parent);
    options.onParentRead?.(parent, snapshot);
  };
  // Each member is read into its parent as it arrives (at 100,000 partitions, while the rest come).
  const members = eachRow(
    client,
    membersSql(options.serverVersion, options.sizes ?? true),
    [
      found.map(({ row }) => row.ord),
      found.map(({ row }) => row.oid),
      found.map(({ target }) => target.schema),
      found.map(({ target }) => archiveSchemaOf(target) ?? null),
      found.map(({ target }) => namePrefix(target.naming, target.name)),
      found.map(({ verdict }) => verdict.ok), // others are problems: their partitions are not read
    ],
    (fields) => {
      const member = memberOf(fields);
      const reading = readings.get(member.ord);
      if (!reading) throw new Error(`the catalog query returned a member of an unknown target ${member.ord}`);
      reading.given = undefined; // a member after its parent was given: given again at the end
      addMember(reading, member);
      if (member.bound !== null && --reading.partitionsLeft === 0) give(reading);
    },
  );
  options.membersSent?.();
  await members;
  for (const reading of found) {
    // Counted and sent in one snapshot, so they agree; a partition without a bound would not.
    if (reading.partitionsLeft > 0) {
      throw new Error(
        `the catalog query sent ${reading.row.partition_count - reading.partitionsLeft} of the ` +
          `${reading.row.partition_count} partitions of ${quoteQualified(reading.target)}`,
      );
    }
    if (!reading.given) give(reading);
  }
  return snapshot;
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

/** A parent being read: its row, what it is, and its members as they arrive. */
interface Reading {
  row: ParentRow;
  target: SnapshotTarget;
  verdict: Classification;
  partitions: PartitionInfo[];
  defaultPartition?: DefaultPartitionInfo;
  /** Tables attached nowhere that start with the naming prefix (archivedTables checks the rest). */
  candidates: Candidate[];
  /** Partitions still to come (-1: not counted, so the parent is complete only at the end). */
  partitionsLeft: number;
  /** The ParentInfo given for it, while no member came after. */
  given?: ParentInfo;
}

function classify(row: ParentRow, target: SnapshotTarget): Classification {
  return classifyParent({
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
}

/** A partition (of a parent we can read: the others' are not asked for) or an archived candidate. */
function addMember(reading: Reading, member: MemberRow): void {
  if (member.bound === null) {
    reading.candidates.push({ ...member, schema: member.schema ?? reading.target.schema });
    return;
  }
  if (!reading.verdict.ok) return;
  const bound = parsePartitionBound(member.bound, reading.verdict.keyType);
  const bytes = member.bytes ?? 0;
  const estimated = estimatedRows(member.reltuples);
  const schema = member.schema ?? reading.target.schema;
  // Written out rather than spread: this runs for every partition of every parent.
  if (bound.kind === 'default') {
    reading.defaultPartition = {
      schema,
      name: member.name,
      bytes,
      estimatedRows: estimated,
      rowsByDay: [],
      // no pages, no rows: counted already
      ...(member.empty === true && { rows: { count: 0, more: false } }),
    };
  } else {
    const partition: PartitionInfo = {
      schema,
      name: member.name,
      bytes,
      estimatedRows: estimated,
      from: bound.from,
      to: bound.to,
      fromText: bound.fromText,
      toText: bound.toText,
      subPartitioned: member.subPartitioned,
    };
    if (member.detachPending) partition.detachPending = true;
    reading.partitions.push(partition);
  }
}

function toParentInfo({
  row,
  target,
  verdict,
  partitions,
  defaultPartition,
  candidates,
}: Reading): ParentInfo {
  const base: ParentInfo = {
    schema: target.schema,
    name: target.name,
    partitions: [],
    archived: [],
  };
  const strategy = strategyName(row.strategy);
  const archived = archivedTables(candidates, target);
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
  partitions.sort((a, b) => a.from - b.from || a.to - b.to || compareNames(a.name, b.name));
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
function archivedTables(candidates: Candidate[], target: SnapshotTarget): ArchivedTable[] {
  if (candidates.length === 0) return []; // the usual case: no pattern to build
  const ours = carriesNaming(target.naming, target.name);
  return candidates
    .filter((m) => ours(m.name))
    .sort((a, b) => compareNames(a.name, b.name) || compareNames(a.schema, b.schema))
    .map((m) => {
      const origin = parseOrigin(m.comment);
      return {
        schema: m.schema,
        name: m.name,
        bytes: m.bytes ?? 0,
        estimatedRows: estimatedRows(m.reltuples),
        ...(origin && ('problem' in origin ? { originProblem: origin.problem } : { origin })),
      };
    });
}

/** reltuples is negative (-1) until the first ANALYZE: unknown, not zero (as when not read). */
function estimatedRows(reltuples: number | undefined): number | null {
  return reltuples === undefined || reltuples < 0 ? null : reltuples;
}
