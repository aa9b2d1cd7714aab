// Catalog snapshots and table specs built by hand, for planner tests without a database.
import type {
  BoundValue,
  CatalogSnapshot,
  DefaultPartitionInfo,
  KeyType,
  ParentInfo,
  PartitionInfo,
  TableSpec,
} from '../../src/types';
import { dateToBound, formatBound } from '../../src/plan/bounds';
import { DEFAULT_NAMING } from '../../src/plan/naming';
import { relationKey } from '../../src/sql/quote';

/** A bound as tests write it: 'YYYY-MM-DD' (midnight in the table's zone), MINVALUE, MAXVALUE or a raw value. */
export type BoundInput = string | BoundValue;

export interface PartitionInput {
  name: string;
  from: BoundInput;
  to: BoundInput;
  schema?: string;
  subPartitioned?: boolean;
}

export type PartitionEntry = PartitionInput | [name: string, from: BoundInput, to: BoundInput];

export interface TableInput {
  schema?: string;
  name: string;
  keyType?: KeyType;
  keyColumn?: string;
  /** Zone used to turn dates into timestamptz bounds (the spec's timezone). */
  timezone?: string;
  partitions?: PartitionEntry[];
  /** Name of the DEFAULT partition; `${name}_default` when only defaultRows is given. */
  defaultPartition?: string;
  /** Rows in the DEFAULT partition by day, e.g. { '2024-03-05': 10 }. */
  defaultRows?: Record<string, number>;
  problem?: ParentInfo['problem'];
  /** Tables carrying our naming that are attached nowhere, as `schema.name`. */
  detached?: string[];
}

export interface SnapshotExtras {
  /** Other relations that exist, by schema: a name (a table), or [name, what holds it] e.g. ['v', 'a view']. */
  otherRelations?: Record<string, (string | [name: string, holder: string])[]>;
}

function boundValue(input: BoundInput, keyType: KeyType, timezone: string): BoundValue {
  if (typeof input === 'number') return input;
  if (input === 'MINVALUE') return -Infinity;
  if (input === 'MAXVALUE') return Infinity;
  return dateToBound(input, keyType, timezone);
}

function partitionsOf(table: TableInput, entries: PartitionEntry[]): PartitionInfo[] {
  const keyType = table.keyType ?? 'date';
  const timezone = table.timezone ?? 'UTC';
  return entries.map((entry) => {
    const p: PartitionInput = Array.isArray(entry) ? { name: entry[0], from: entry[1], to: entry[2] } : entry;
    const from = boundValue(p.from, keyType, timezone);
    const to = boundValue(p.to, keyType, timezone);
    return {
      schema: p.schema ?? table.schema ?? 'public',
      name: p.name,
      from,
      to,
      fromText: formatBound(from, keyType, timezone),
      toText: formatBound(to, keyType, timezone),
      bytes: 8192,
      estimatedRows: 0,
      subPartitioned: p.subPartitioned ?? false,
    };
  });
}

function defaultPartitionOf(table: TableInput): DefaultPartitionInfo | undefined {
  if (table.defaultPartition === undefined && table.defaultRows === undefined) return undefined;
  const rowsByDay = Object.entries(table.defaultRows ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, rows]) => ({ day, rows }));
  return {
    schema: table.schema ?? 'public',
    name: table.defaultPartition ?? `${table.name}_default`,
    bytes: 8192,
    estimatedRows: rowsByDay.reduce((n, d) => n + d.rows, 0),
    rowsByDay,
  };
}

export function parentOf(table: TableInput): ParentInfo {
  const keyType = table.keyType ?? 'date';
  const defaultPartition = defaultPartitionOf(table);
  return {
    schema: table.schema ?? 'public',
    name: table.name,
    problem: table.problem,
    strategy: table.problem ? undefined : 'range',
    keyColumn: table.problem ? undefined : (table.keyColumn ?? 'k'),
    keyTypeName: table.problem ? undefined : keyType,
    keyType: table.problem ? undefined : keyType,
    partitions: partitionsOf(table, table.partitions ?? []),
    ...(defaultPartition ? { defaultPartition } : {}),
    archived: (table.detached ?? []).map((qualified) => {
      const [schema = 'public', name = ''] = qualified.split('.');
      return { schema, name, bytes: 0, estimatedRows: 0 };
    }),
  };
}

/** A snapshot holding these parents; relationNames lists them, their partitions and `otherRelations`. */
export function snapshotOf(tables: TableInput[], extras: SnapshotExtras = {}): CatalogSnapshot {
  const parents = tables.map(parentOf);
  const relationNames = new Map<string, Map<string, string>>();
  const add = (schema: string, name: string, holder: string): void => {
    const names = relationNames.get(schema) ?? new Map<string, string>();
    names.set(name, holder);
    relationNames.set(schema, names);
  };
  for (const parent of parents) {
    add(parent.schema, parent.name, 'a partitioned table');
    for (const p of parent.partitions) add(p.schema, p.name, 'a partition');
    if (parent.defaultPartition)
      add(parent.defaultPartition.schema, parent.defaultPartition.name, 'a partition');
    for (const a of parent.archived) add(a.schema, a.name, 'a table');
  }
  for (const [schema, names] of Object.entries(extras.otherRelations ?? {}))
    for (const n of names) {
      if (typeof n === 'string') add(schema, n, 'a table');
      else add(schema, ...n);
    }
  return {
    serverVersion: 170_000,
    parents: new Map(parents.map((p) => [relationKey(p), p])),
    relationNames,
  };
}

/** A validated TableSpec with the config defaults; override what the test is about. */
export function specOf(overrides: Partial<TableSpec> & { name: string }): TableSpec {
  const interval = overrides.interval ?? 'month';
  const schema = overrides.schema ?? 'public';
  return {
    table: `${schema}.${overrides.name}`,
    index: 0,
    schema,
    interval,
    naming: DEFAULT_NAMING[interval],
    premake: 2,
    coverage: { minimumAhead: 1 },
    enabled: true,
    timezone: 'UTC',
    maxPartitionsPerRun: 1000,
    ...overrides,
  };
}
