// The functional core behind every command: config + one catalog snapshot + now → plan.
import type pg from 'pg';
import type { CatalogSnapshot, Config, Now, Plan } from './types';
import { loadConfig, selectTables } from './config/load';
import { readSnapshot } from './catalog/snapshot';
import { connect } from './db/connect';
import { buildPlan } from './plan/planner';

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

/** Plans from an open connection: one snapshot, then the pure planner. */
export async function inspectWith(client: pg.Client, config: Config, now: Now): Promise<Inspection> {
  // Plans need bounds, not sizes (measuring sizes opens every partition: `status` alone asks).
  const snapshot = await readSnapshot(
    client,
    config.tables.filter((t) => t.enabled),
    { sizes: false },
  );
  return { config, snapshot, plan: buildPlan(config.tables, snapshot, now) };
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

export async function inspect(settings: InspectSettings): Promise<Inspection> {
  const config = readConfig(settings);
  return withConnection(settings.databaseUrl, (client) => inspectWith(client, config, settings.now));
}

/** For `status`: the config and a snapshot with partition sizes. */
export async function readStatus(
  settings: Pick<InspectSettings, 'configFile' | 'tables' | 'databaseUrl'>,
): Promise<{ config: Config; snapshot: CatalogSnapshot }> {
  const config = readConfig(settings);
  const snapshot = await withConnection(settings.databaseUrl, (client) =>
    readSnapshot(
      client,
      config.tables.filter((t) => t.enabled),
      { sizes: true },
    ),
  );
  return { config, snapshot };
}
