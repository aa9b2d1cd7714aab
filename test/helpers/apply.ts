// What the apply tests share: the CLI and the catalog, bound to one test database.
import { expect } from 'vitest';
import type { TestDatabase } from './backends';
import { partitionsOf, relationsOf, unattached, type Partition } from './catalog';
import { runCli } from './cli';

/** The part of the JSON plan these tests read. */
export interface JsonPlan {
  tables: {
    table: string;
    create: { name: string; schema: string; from: string; to: string; adopt: boolean; defaultRows: number }[];
  }[];
}

/** The partitions a plan creates for `table` (the first table when none is named), as pg_inherits + pg_get_expr show them. */
export function expectedPartitions(plan: JsonPlan, table?: string): Partition[] {
  const creates = (table ? plan.tables.find((t) => t.table === table) : plan.tables[0])?.create ?? [];
  return creates
    .map((c) => ({ name: c.name, bound: `FOR VALUES FROM ('${c.from}') TO ('${c.to}')` }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function boundTo(db: () => TestDatabase) {
  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: db().url });
  return {
    cli,
    query: async <T extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
      (await db().client.query<T>(sql, params)).rows,
    /** `plan --format json`, which must succeed. */
    async plan(config: string, now: string, ...extra: string[]): Promise<JsonPlan> {
      const result = await cli('plan', '--config', config, '--now', now, '--format', 'json', ...extra);
      expect(result.stderr).not.toMatch(/^error/m);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as JsonPlan;
    },
    partitionsOf: (parent: string): Promise<Partition[]> => partitionsOf(db().client, parent),
    relations: (): Promise<string[]> => relationsOf(db().client),
    unattached: (prefix: string): Promise<string[]> => unattached(db().client, prefix),
  };
}
