// The functional core behind every command: config + the catalog + now → plan. The catalog is read
// in a short bounded transaction (catalog/transaction.ts): bare names resolved through the
// search_path, one snapshot and the pre-flight; the pure planner plans each table as soon as its
// parent is read, while the rest still stream in. Then, in a second transaction, the names its new
// partitions would take looked up and the DEFAULT partitions' rows counted for just the ranges the
// plan is about; then the tables that wanted a taken name or whose DEFAULT holds rows planned again.
import type pg from 'pg';
import type {
  CatalogSnapshot,
  Config,
  Now,
  ParentInfo,
  Plan,
  QualifiedName,
  TablePlan,
  TableSpec,
} from './types';
import { ConfigError } from './config/errors';
import { draftConfig, loadConfig, selectTables, type ConfigDraft } from './config/load';
import { readSnapshot, type SnapshotTarget } from './catalog/snapshot';
import { readPreflight } from './catalog/preflight';
import { readTakenNames, type WantedName } from './catalog/names';
import { probeDefaultRows, type DefaultRowsProbe } from './catalog/default-rows';
import { resolveBareNames } from './catalog/search-path';
import { inCatalogTransaction, type CatalogBounds, type LockScope } from './catalog/transaction';
import { connect } from './db/connect';
import { DEFAULTS } from './settings';
import { quoteQualified, relationKey } from './sql/quote';
import { buildPlan, planTable } from './plan/planner';
import { defaultProbeRanges } from './plan/default-probe';
import { withPreflight } from './plan/preflight';

export interface InspectSettings {
  configFile: string;
  databaseUrl: string;
  tables: string[];
  now: Now;
  /** Longest wait for a lock while reading the catalog (default DEFAULTS.catalogLockWaitSeconds). */
  catalogLockWaitSeconds?: number;
}

export interface Inspection {
  config: Config;
  snapshot: CatalogSnapshot;
  plan: Plan;
}

/** Reads the config (bad config fails before any connection is made). */
export function readConfig(settings: Pick<InspectSettings, 'configFile' | 'tables'>): Config {
  return selectTables(loadConfig(settings.configFile), settings.tables);
}

const enabled = (tables: TableSpec[]): TableSpec[] => tables.filter((t) => t.enabled);

/** The bounds of plan, check and status: the catalog lock wait as configured. */
export function catalogBounds(lockWaitSeconds: number = DEFAULTS.catalogLockWaitSeconds): CatalogBounds {
  return {
    lockWaitMs: Math.max(1, Math.round(lockWaitSeconds * 1000)),
    statementTimeoutMs: DEFAULTS.catalogStatementTimeoutMs,
    lockWaitSource: '--catalog-lock-wait',
  };
}

/** apply's planning: the catalog lock wait, or less when the run deadline comes first. */
export function catalogBoundsBy(lockWaitSeconds: number, deadline: number): CatalogBounds {
  const bounds = catalogBounds(lockWaitSeconds);
  const left = Math.max(1, deadline - Date.now());
  if (left >= bounds.lockWaitMs) return bounds;
  return {
    lockWaitMs: left,
    // A little beyond the lock wait, so a lock wait ends as one (naming the holder), not as a timeout.
    statementTimeoutMs: Math.min(bounds.statementTimeoutMs, left + 500),
    lockWaitSource: 'the time left to the run deadline, --deadline',
  };
}

function lockScope(tables: readonly TableSpec[]): LockScope {
  return {
    parents: [...tables],
    archiveSchemas: tables.flatMap((t) => (t.archive?.schema === undefined ? [] : [t.archive.schema])),
  };
}

/** Bare names resolved into the schemas the search_path finds them in. */
interface Resolution {
  tables(tables: readonly TableSpec[]): TableSpec[];
  /** The config with its tables resolved; a ConfigError when two of them turn out to be one. */
  apply(config: Config): Config;
  /** Snapshot targets: a bare name found nowhere carries the search_path, for its message. */
  targets(tables: TableSpec[]): SnapshotTarget[];
}

async function resolveNames(client: pg.Client, tables: TableSpec[]): Promise<Resolution> {
  const { targets, notFound } = await resolveBareNames(client, tables);
  const schemaOf = new Map(tables.map((t, i) => [t.index, targets[i]?.schema ?? t.schema]));
  const resolve = (specs: readonly TableSpec[]): TableSpec[] =>
    specs.map((t) => {
      const schema = schemaOf.get(t.index);
      return schema === undefined || schema === t.schema ? t : { ...t, schema };
    });
  return {
    tables: resolve,
    apply(config) {
      const resolved = resolve(config.tables);
      requireDistinct(config.file, resolved);
      return { ...config, tables: resolved };
    },
    targets: (specs) =>
      specs.map((t) => {
        const searchPath = notFound.get(relationKey(t));
        return searchPath === undefined ? t : { ...t, searchPath };
      }),
  };
}

/** `orders` found in app and `app.orders` are one table, listed twice. */
function requireDistinct(file: string, tables: readonly TableSpec[]): void {
  const seen = new Map<string, TableSpec>();
  const problems: string[] = [];
  for (const t of tables) {
    const earlier = seen.get(relationKey(t));
    if (earlier)
      problems.push(
        `${file}: tables[${t.index}] (${t.table}) and tables[${earlier.index}] (${earlier.table}) are both ` +
          `${quoteQualified(t)} on this connection's search_path; list each table once`,
      );
    else seen.set(relationKey(t), t);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The first plan's tables planned again (the planner stays pure: it only sees the filled-in snapshot). */
function replanned(
  plan: Plan,
  config: Config,
  snapshot: CatalogSnapshot,
  now: Now,
  again: (i: number) => boolean,
): Plan {
  return {
    ...plan,
    tables: plan.tables.map((table, i) => {
      const spec = config.tables[i];
      return spec && again(i) ? planTable(spec, snapshot, now) : table;
    }),
  };
}

/** The names a table's new partitions would take, held-back ones too (adopted tables hold theirs). */
function namesWanted(table: TablePlan): QualifiedName[] {
  return [...table.create.filter((c) => !c.adopt), ...(table.heldBackNames ?? [])];
}

/** The names the plan wants that were not looked up yet, each with the parent that wants it. */
function namesToLookUp(plan: Plan, asked: Set<string>): WantedName[] {
  const wanted: WantedName[] = [];
  for (const table of plan.tables) {
    for (const name of namesWanted(table)) {
      const key = relationKey(name);
      if (asked.has(key)) continue;
      asked.add(key);
      wanted.push({ ...name, parent: table });
    }
  }
  return wanted;
}

/**
 * Looks up the names the plan would take, and plans again the tables that wanted a taken one,
 * until every name a plan wants has been looked up (a table may then pick `_p2`, which is looked up
 * in turn; each round asks only names never asked, so it ends). Almost always one round.
 */
async function withTakenNames(
  client: pg.Client,
  config: Config,
  snapshot: CatalogSnapshot,
  first: Plan,
  now: Now,
): Promise<Plan> {
  const asked = new Set<string>();
  let plan = first;
  for (let wanted = namesToLookUp(plan, asked); wanted.length > 0; wanted = namesToLookUp(plan, asked)) {
    const taken = await readTakenNames(client, wanted);
    if (taken.size === 0) break;
    for (const [schema, names] of taken) {
      const known = snapshot.relationNames.get(schema) ?? new Map<string, string>();
      for (const [name, holder] of names) known.set(name, holder);
      snapshot.relationNames.set(schema, known);
    }
    const current = plan;
    plan = replanned(plan, config, snapshot, now, (i) => {
      const table = current.tables[i];
      return table !== undefined && namesWanted(table).some((c) => taken.get(c.schema)?.has(c.name));
    });
  }
  return plan;
}

/**
 * The table's DEFAULT partition to count rows in, with its key (where: the caller's ranges). None
 * when it has none, or when its rows are known already (an empty DEFAULT, snapshot.ts).
 */
function defaultToCount(
  snapshot: CatalogSnapshot,
  spec: TableSpec,
): Omit<DefaultRowsProbe, 'ranges'> | undefined {
  const parent = snapshot.parents.get(relationKey(spec));
  const partition = parent?.defaultPartition;
  if (!partition || partition.rows || !parent.keyColumn || !parent.keyType) return undefined;
  return { partition, keyColumn: parent.keyColumn, keyType: parent.keyType, timezone: spec.timezone };
}

/** The DEFAULT partitions whose rows the plan needs counted, and where. */
function defaultRowsProbes(
  config: Config,
  snapshot: CatalogSnapshot,
  plan: Plan,
  now: Now,
): DefaultRowsProbe[] {
  const probes: DefaultRowsProbe[] = [];
  plan.tables.forEach((table, i) => {
    const spec = config.tables[i];
    const probe = spec && !table.skipped ? defaultToCount(snapshot, spec) : undefined;
    if (!spec || !probe) return;
    const partitions = snapshot.parents.get(relationKey(spec))?.partitions ?? [];
    probes.push({ ...probe, ranges: defaultProbeRanges(spec, probe.keyType, table, now, partitions) });
  });
  return probes;
}

/**
 * What the first plan needs read before it is final, in a transaction of its own under the same
 * bounds: the names its new partitions would take, then the DEFAULT partitions' rows counted for
 * just the ranges it is about. Tables whose names are taken or whose DEFAULT holds rows are
 * planned again.
 */
async function completePlan(
  client: pg.Client,
  bounds: CatalogBounds,
  config: Config,
  snapshot: CatalogSnapshot,
  first: Plan,
  now: Now,
): Promise<Plan> {
  // Nothing to look up and nothing to count (check with nothing to do): no second transaction.
  const wantsNames = first.tables.some((t) => namesWanted(t).length > 0);
  if (!wantsNames && defaultRowsProbes(config, snapshot, first, now).length === 0) return first;
  return inCatalogTransaction(
    client,
    () => lockScope(config.tables),
    bounds,
    async () => {
      const named = await withTakenNames(client, config, snapshot, first, now);
      const probes = defaultRowsProbes(config, snapshot, named, now);
      if (probes.length === 0) return named;
      await probeDefaultRows(client, probes);
      const holding = new Set(
        probes.filter((p) => (p.partition.rows?.count ?? 0) > 0).map((p) => p.partition),
      );
      if (holding.size === 0) return named;
      return replanned(named, config, snapshot, now, (i) => {
        const spec = config.tables[i];
        const partition = spec && snapshot.parents.get(relationKey(spec))?.defaultPartition;
        return partition !== undefined && holding.has(partition);
      });
    },
  );
}

/**
 * What the first transaction reads: the config with its names resolved, the snapshot, the
 * pre-flight; and the tables planned while it was read, by the ParentInfo each was planned from.
 */
interface CatalogRead {
  config: Config;
  snapshot: CatalogSnapshot;
  preflight: Awaited<ReturnType<typeof readPreflight>>;
  plannedEarly: WeakMap<ParentInfo, TablePlan>;
}

/**
 * Both queued reads, once both are over: a failure of one (a lock timeout) aborts the transaction
 * the other runs in, and the rollback must not be queued behind that (the driver warns on stderr
 * when more than one query waits). The snapshot's statements run first, so a failure of the
 * snapshot is the one that says why (the pre-flight then only finds the transaction aborted).
 */
async function bothRead(
  reading: Promise<CatalogSnapshot>,
  checking: ReturnType<typeof readPreflight>,
): Promise<Pick<CatalogRead, 'snapshot' | 'preflight'>> {
  const [snapshot, preflight] = await Promise.allSettled([reading, checking]);
  if (snapshot.status === 'rejected') throw snapshot.reason;
  if (preflight.status === 'rejected') throw preflight.reason;
  return { snapshot: snapshot.value, preflight: preflight.value };
}

/**
 * The plan from the catalog read (the tables planned while it was read, the others now), then the
 * names it wants looked up and the DEFAULT rows it needs counted, and the final plan.
 */
async function planFrom(
  client: pg.Client,
  bounds: CatalogBounds,
  read: CatalogRead,
  now: Now,
): Promise<Inspection> {
  const { config, snapshot, preflight, plannedEarly } = read;
  const first = buildPlan(config.tables, snapshot, now, (spec) => {
    const parent = snapshot.parents.get(relationKey(spec));
    return parent && plannedEarly.get(parent);
  });
  const plan = await completePlan(client, bounds, config, snapshot, first, now);
  return { config, snapshot, plan: withPreflight(plan, config.tables, preflight) };
}

/**
 * The first catalog transaction: bare names resolved, then the snapshot; once its long second
 * statement is sent, the pre-flight is queued behind it and `finish` gives the config, so that its
 * slower checks run while the server reads the members (run before, they held that statement back).
 * Then each table is planned as soon as its parent is read, while the server sends the rest. So
 * planning runs inside this transaction: at 100,000 partitions it holds its ACCESS SHARE locks
 * (parents, DEFAULT partitions) ~60 ms longer, and the members statement's statement_timeout
 * covers the planning done meanwhile; the whole read was ~100 ms shorter (BENCHMARKS.md, issue 9).
 */
async function readCatalog(
  client: pg.Client,
  tables: TableSpec[],
  bounds: CatalogBounds,
  finish: () => Config,
  now: Now,
): Promise<CatalogRead> {
  let scope = tables;
  return inCatalogTransaction(
    client,
    () => lockScope(scope),
    bounds,
    async (server): Promise<CatalogRead> => {
      const resolution = await resolveNames(client, tables);
      scope = resolution.tables(tables);
      const planned = enabled(scope);
      let sent = (): void => undefined;
      const membersSent = new Promise<void>((resolve) => (sent = resolve));
      const plannedEarly = new WeakMap<ParentInfo, TablePlan>();
      let planEarly = (_parent: ParentInfo, _snapshot: CatalogSnapshot): void => undefined; // until the config is known
      // Plans need bounds, not sizes (measuring sizes opens every partition: `status` alone asks).
      const reading = readSnapshot(client, resolution.targets(planned), {
        sizes: false,
        serverVersion: server.version,
        membersSent: sent,
        onParentRead: (parent, snapshot) => planEarly(parent, snapshot),
      });
      reading.catch(() => undefined); // awaited below, unless the config turns out bad first
      await Promise.race([membersSent, reading.catch(() => undefined)]);
      const checking = readPreflight(client, planned); // queued right behind the snapshot
      checking.catch(() => undefined);
      let config: Config;
      try {
        config = resolution.apply(finish());
      } catch (error) {
        // A bad config: the rollback waits for the queued reads (the driver warns past one).
        await Promise.allSettled([reading, checking]);
        throw error;
      }
      const specs = new Map(config.tables.map((spec) => [relationKey(spec), spec]));
      planEarly = (parent, snapshot) => {
        const spec = specs.get(relationKey(parent));
        if (spec) plannedEarly.set(parent, planTable(spec, snapshot, now));
      };
      return { config, plannedEarly, ...(await bothRead(reading, checking)) };
    },
  );
}

/**
 * Plans from an open connection (apply's, under its run lock). `bounds` defaults to the catalog's
 * own; apply passes one that ends by its deadline.
 */
export async function inspectWith(
  client: pg.Client,
  config: Config,
  now: Now,
  bounds: CatalogBounds = catalogBounds(),
): Promise<Inspection> {
  return planFrom(client, bounds, await readCatalog(client, config.tables, bounds, () => config, now), now);
}

/** Connects, runs `work`, and always closes the connection. */
async function withConnection<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(databaseUrl);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * readConfig, connect and inspectWith, overlapped: the connection is opened while the config is
 * read, the catalog query goes out as soon as the tables are known, and the config's slower checks
 * run while the server answers it. Failures rank as before: a config problem outranks a bad
 * --table and a connection failure (a connection opened for a bad config is closed again).
 */
export async function inspect(settings: InspectSettings): Promise<Inspection> {
  const connecting = connect(settings.databaseUrl);
  const closeUnused = (): void => void connecting.then((client) => client.end()).catch(() => undefined);
  let draft: ConfigDraft;
  try {
    draft = draftConfig(settings.configFile);
  } catch (error) {
    closeUnused();
    throw error;
  }
  const finish = (): Config => selectTables(draft.finish(), settings.tables);
  function configFirst(error: unknown): never {
    closeUnused();
    finish();
    throw error;
  }
  let selected: Config;
  try {
    selected = selectTables({ file: draft.file, tables: draft.tables }, settings.tables);
  } catch (error) {
    configFirst(error);
  }
  const client = await connecting.catch(configFirst);
  const bounds = catalogBounds(settings.catalogLockWaitSeconds);
  try {
    const read = await readCatalog(client, selected.tables, bounds, finish, settings.now);
    return await planFrom(client, bounds, read, settings.now);
  } finally {
    // Not awaited: the session ends while the caller renders the plan (the server took 9 ms to
    // see it out, at the end of a plan of 100,000 partitions). Node exits once it has.
    void client.end().catch(() => undefined);
  }
}

/** For `status`: the config and a snapshot with partition sizes and every DEFAULT row counted. */
export async function readStatus(
  settings: Pick<InspectSettings, 'configFile' | 'tables' | 'databaseUrl' | 'catalogLockWaitSeconds'>,
): Promise<{ config: Config; snapshot: CatalogSnapshot }> {
  const configured = readConfig(settings);
  const bounds = catalogBounds(settings.catalogLockWaitSeconds);
  let scope = configured.tables;
  return withConnection(settings.databaseUrl, (client) =>
    inCatalogTransaction(
      client,
      () => lockScope(scope),
      bounds,
      async (server) => {
        const resolution = await resolveNames(client, configured.tables);
        const config = resolution.apply(configured);
        scope = config.tables;
        const snapshot = await readSnapshot(client, resolution.targets(enabled(config.tables)), {
          sizes: true,
          serverVersion: server.version,
        });
        // every row, not just the ranges a plan is about
        const probes = enabled(config.tables).flatMap((spec) => {
          const probe = defaultToCount(snapshot, spec);
          return probe ? [{ ...probe, ranges: [] }] : [];
        });
        await probeDefaultRows(client, probes, { exact: true });
        return { config, snapshot };
      },
    ),
  );
}
