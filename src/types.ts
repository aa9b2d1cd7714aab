// The data that flows between the modules: config → snapshot → plan → SQL.
// Kept in one place so every module agrees on the shapes.

export const INTERVALS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Interval = (typeof INTERVALS)[number];

/** A relation name split into its parts, unquoted (as stored in pg_class / pg_namespace). */
export interface QualifiedName {
  schema: string;
  name: string;
}

export interface ArchiveSpec {
  /** Move each detached partition into this schema. */
  schema?: string;
  /** pg_dump each one into this directory (custom format), verified, sha256 in a manifest. */
  dump?: string;
  /** Drop only when true and this run's dump of it verified. */
  drop: boolean;
}

/** One validated entry of `tables:` in partitions.yml, with defaults applied. */
export interface TableSpec extends QualifiedName {
  /** The `table` field exactly as written in the config (for messages). */
  table: string;
  /** Index in the config's `tables` list (for messages). */
  index: number;
  interval: Interval;
  naming: string;
  /** Whole periods after the current one that must exist. */
  premake: number;
  /** Earliest date (YYYY-MM-DD) to keep covered. */
  start?: string;
  retention?: { count: number; unit: Interval };
  archive?: ArchiveSpec;
  coverage: { minimumAhead: number };
  enabled: boolean;
  /** IANA zone where period boundaries fall for timestamp/timestamptz keys. */
  timezone: string;
  /** Runaway guard: at most this many partitions are planned per table per run. */
  maxPartitionsPerRun: number;
}

export interface Config {
  /** Path of the file it was read from (for messages). */
  file: string;
  tables: TableSpec[];
}

// ---------------------------------------------------------------------------
// Catalog snapshot

export type KeyType = 'date' | 'timestamp' | 'timestamptz';

/**
 * A partition bound as a number: epoch milliseconds. For date and timestamp keys this is the
 * wall-clock value read as if it were UTC; for timestamptz it is the real instant.
 * MINVALUE / '-infinity' are -Infinity, MAXVALUE / 'infinity' are +Infinity.
 */
export type BoundValue = number;

export interface PartitionInfo extends QualifiedName {
  from: BoundValue;
  to: BoundValue;
  /** The bound literals as PostgreSQL printed them in pg_get_expr(relpartbound), unquoted ("MINVALUE" for minvalue). */
  fromText: string;
  toText: string;
  /** pg_total_relation_size; 0 when sizes were not read (only `status` reads them). */
  bytes: number;
  /** pg_class.reltuples; null when the table was never analyzed, or when sizes were not read. */
  estimatedRows: number | null;
  /** The partition is itself partitioned (sub-partitioning). */
  subPartitioned: boolean;
  /** A DETACH … CONCURRENTLY was interrupted: still listed, pending FINALIZE. */
  detachPending?: boolean;
}

export interface DefaultPartitionInfo extends QualifiedName {
  /** As PartitionInfo's: 0 and null when sizes were not read (only `status` reads them). */
  bytes: number;
  estimatedRows: number | null;
  /**
   * Rows in the DEFAULT partition grouped by calendar day of the key (in the table's timezone):
   * plan and check count only the days inside the ranges they plan (catalog/default-rows.ts).
   */
  rowsByDay: { day: string; rows: number }[];
  /** All its rows, once counted: exactly `count`, or (`more`) more than `count`, where counting stopped. */
  rows?: { count: number; more: boolean };
}

/** The origin an archived table carries in its COMMENT (catalog/origin.ts). */
export interface OriginMark {
  parent: QualifiedName;
  /** Bound literals as pg_get_expr printed them when the table was detached. */
  from: string;
  to: string;
  /** Where its verified dump is stored (a directory or s3:// location), once it is. */
  dump?: string;
}

/** A table outside the parent's partitions (typically in the archive schema) that carries our naming. */
export interface ArchivedTable extends QualifiedName {
  /** As PartitionInfo's: 0 and null when sizes were not read (only `status` reads them). */
  bytes: number;
  estimatedRows: number | null;
  /** Its origin mark, when its comment holds one. */
  origin?: OriginMark;
  /** Its comment has our prefix but not the format: named in a finding, never acted on. */
  originProblem?: string;
}

export type ParentProblem =
  'missing' | 'not-partitioned' | 'not-range' | 'multi-column' | 'unsupported-key-type';

export interface ParentInfo extends QualifiedName {
  /** Set when the table cannot be managed; the other fields may then be empty. */
  problem?: { code: ParentProblem; message: string };
  strategy?: 'range' | 'list' | 'hash';
  keyColumn?: string;
  /** The key column's type as PostgreSQL names it (format_type). */
  keyTypeName?: string;
  keyType?: KeyType;
  /** The parent's own tablespace, when it has one (new partitions go there). */
  tablespace?: string;
  partitions: PartitionInfo[];
  defaultPartition?: DefaultPartitionInfo;
  archived: ArchivedTable[];
}

export interface CatalogSnapshot {
  /** server_version_num, e.g. 150019 */
  serverVersion: number;
  /** Keyed by relationKey(parent) from sql/quote. */
  parents: Map<string, ParentInfo>;
  /**
   * Names known to be taken in the schemas that matter, keyed by schema, each with what holds it in
   * words: 'a table', 'a partition', 'a view', 'an index', 'a type' … The snapshot starts with none;
   * the names a plan wants are looked up and added (catalog/names.ts).
   */
  relationNames: Map<string, Map<string, string>>;
  /** The schemas among the parents' and archive schemas that exist (absent: not read). */
  schemas?: Set<string>;
}

// ---------------------------------------------------------------------------
// Pre-flight: what the connected role may do, read before planning (catalog/preflight.ts)

export interface SchemaAccess {
  exists: boolean;
  usage: boolean;
  create: boolean;
}

export interface ParentAccess {
  /** The parent's owner (a role name). */
  owner: string;
  /** The role is the owner or has its rights (pg_has_role USAGE): ATTACH, PARTITION OF, DETACH need them. */
  ownerRights: boolean;
  /** The parent's own tablespace, when it has one, and whether the role may create tables in it. */
  tablespace?: string;
  tablespaceCreate: boolean;
}

export interface Preflight {
  /** current_user */
  role: string;
  /** current_database() */
  database: string;
  /** transaction_read_only: no DDL can run in this session. */
  readOnly: boolean;
  /** Where default_transaction_read_only was set (pg_settings.source: 'database', 'user', ...). */
  readOnlySource: string;
  /** pg_is_in_recovery(): a hot standby. */
  inRecovery: boolean;
  /** CREATE on the database: the role may create a missing archive schema. */
  canCreateSchemas: boolean;
  /** The parents' schemas and the archive schemas, by name. */
  schemas: Map<string, SchemaAccess>;
  /** The parents that exist, keyed by relationKey from sql/quote. */
  parents: Map<string, ParentAccess>;
}

// ---------------------------------------------------------------------------
// Plan

/** `now` as the planner sees it: either a calendar date given by the user, or an instant. */
export type Now = { date: string } | { instant: Date };

export type FindingLevel = 'error' | 'warning' | 'info';
export type FindingCode =
  | 'default-rows'
  | 'gap'
  | 'misaligned'
  | 'unmanaged-name'
  | 'shortfall'
  | 'limit'
  | 'unsupported'
  | 'missing-table'
  | 'name-taken'
  | 'adopt'
  | 'retention-due'
  | 'disabled'
  // Pre-flight (plan/preflight.ts): apply would fail for want of these.
  | 'missing-privilege'
  | 'not-owner'
  | 'read-only';

export interface Finding {
  level: FindingLevel;
  code: FindingCode;
  message: string;
}

export type CreateReason = 'gap' | 'current' | 'premake';

export interface PlannedCreate extends QualifiedName {
  from: string;
  to: string;
  fromValue: BoundValue;
  toValue: BoundValue;
  reason: CreateReason;
  /** Rows now in the DEFAULT partition that fall into this range (they must be moved first). */
  defaultRows: number;
  /**
   * A table of this name already stands detached in the parent's schema (a run cut off between
   * creating and attaching, or a partition someone detached): attach it instead of creating one.
   */
  adopt?: boolean;
}

export type ArchiveStep = 'detach' | 'finalize' | 'move' | 'dump' | 'verify' | 'upload' | 'drop';

/**
 * Where a due table stands: still a partition (`attached`), left half-detached by an interrupted
 * DETACH … CONCURRENTLY (`pending`), or detached earlier carrying our origin mark (`detached`).
 */
export type ArchiveState = 'attached' | 'pending' | 'detached';

export interface PlannedArchive extends QualifiedName {
  from: string;
  to: string;
  steps: ArchiveStep[];
  /** Where the table ends up after `move` (same as schema when not moved). */
  targetSchema: string;
  state: ArchiveState;
  /** detach uses DETACH … CONCURRENTLY (PostgreSQL 14+, no DEFAULT partition). */
  concurrently: boolean;
  /** The archive schema does not exist yet: `move` creates it. */
  createSchema: boolean;
  /** archive.dump: where dumps are stored (a directory, or s3://bucket/prefix). */
  store?: string;
  /** The table's verified dump, as its origin mark names it (already stored). */
  dumped?: string;
}

export interface Coverage {
  /** First bound (as a literal) after the contiguous run of partitions that starts at the current period; null when the current period is not covered. */
  through: string | null;
  /** Whole periods after the current one covered without a break; null when covered without end (through MAXVALUE). */
  aheadPeriods: number | null;
  ok: boolean;
  /**
   * Set while `start` lies after the current period: the bound coverage counts from. The periods
   * before it need no partition and count as covered (see plan/coverage.ts).
   */
  from?: string;
}

/** A range of calendar days [from, to) in the table's timezone; '-infinity' / 'infinity' for MINVALUE / MAXVALUE. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * The table as the timeline draws it (report/timeline.ts), by calendar day: what exists, what is
 * missing behind today, and where rows sit in DEFAULT. Days, not bound values, since a picture
 * needs no more (a timestamptz bound falls on its day in the table's timezone).
 */
export interface TableLayout {
  /** The current period. */
  current: DayRange;
  /** First day after current + premake (the end of the window the plan fills). */
  windowEnd: string;
  /** Existing partitions in runs without a break, by bounds: how many, the first and the last. */
  existing: (DayRange & { count: number; first: string; last: string })[];
  /** Uncovered ranges inside the kept window before the current period (what the `gap` findings name). */
  gaps: DayRange[];
  /** Rows sitting in the DEFAULT partition: runs of consecutive days holding rows, with their count. */
  defaultRows: (DayRange & { rows: number })[];
  /** All rows in the DEFAULT partition as counted, including days not counted one by one. */
  defaultRowsTotal: number;
}

export interface TablePlan {
  table: string; // display name: schema.name, quoted where needed
  schema: string;
  name: string;
  interval: Interval;
  keyType?: KeyType;
  keyColumn?: string;
  timezone: string;
  /** The DEFAULT partition, when there is one (rows in it may have to move before a create). */
  defaultPartition?: QualifiedName;
  /** The parent's tablespace, when it has one. */
  tablespace?: string;
  /** Coverage of the database as it is now (what `check` judges). */
  coverage: Coverage;
  /** Coverage once this plan's creates exist. */
  coverageAfterPlan: Coverage;
  create: PlannedCreate[];
  /** Partitions also due but held back by maxPartitionsPerRun (later runs make them). */
  deferred: number;
  /** The names those held-back partitions would take: looked up too, so a taken one is reported now. */
  heldBackNames?: QualifiedName[];
  archive: PlannedArchive[];
  findings: Finding[];
  /** The table could not be planned at all (missing, not range-partitioned, ...). */
  skipped: boolean;
  /** What the timeline draws; absent when the table was skipped. */
  layout?: TableLayout;
}

export interface Plan {
  now: string;
  tables: TablePlan[];
}
