// The functional core behind every command: config + one catalog snapshot + now → plan.
import type pg from 'pg';
import type { CatalogSnapshot, Config, Now, Plan, TableSpec } from './types';
import { draftConfig, loadConfig, selectTables, type ConfigDraft } from './config/load';
import { readSnapshot } from './catalog/snapshot';
import { readPreflight } from './catalog/preflight';
import { connect } from './db/connect';
import { buildPlan } from './plan/planner';
import { withPreflight } from './plan/preflight';

export interface InspectSettings {
  configFile: string;
  databaseUrl: string;
  tables: string[];
  now: Now;
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

const enabled = (config: Config): TableSpec[] => config.tables.filter((t) => t.enabled);

/** Plans from an open connection: one snapshot, then the pure planner. */
export async function inspectWith(client: pg.Client, config: Config, now: Now): Promise<Inspection> {
  // Plans need bounds, not sizes (measuring sizes opens every partition: `status` alone asks).
  const snapshot = await readSnapshot(client, enabled(config), { sizes: false });
  const preflight = await readPreflight(client, enabled(config));
  return {
    config,
    snapshot,
    plan: withPreflight(buildPlan(config.tables, snapshot, now), config.tables, preflight),
  };
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
  try {
    const reading = readSnapshot(client, enabled(selected), { sizes: false });
    reading.catch(() => undefined); // awaited below, unless the config turns out bad first
    const checking = readPreflight(client, enabled(selected)); // queued right behind the snapshot
    checking.catch(() => undefined);
    const config = finish();
    const snapshot = await reading;
    const plan = buildPlan(config.tables, snapshot, settings.now);
    return { config, snapshot, plan: withPreflight(plan, config.tables, await checking) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** For `status`: the config and a snapshot with partition sizes. */
export async function readStatus(
  settings: Pick<InspectSettings, 'configFile' | 'tables' | 'databaseUrl'>,
): Promise<{ config: Config; snapshot: CatalogSnapshot }> {
  const config = readConfig(settings);
  const snapshot = await withConnection(settings.databaseUrl, (client) =>
    readSnapshot(client, enabled(config), { sizes: true }),
  );
  return { config, snapshot };
}
