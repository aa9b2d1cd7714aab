// The order of the first catalog transaction on real PostgreSQL (server and PGlite): the snapshot's
// long members statement goes out right after the parents, and the pre-flight after it, so that the
// pre-flight and the config's slower checks overlap it instead of holding it back.
import type pg from 'pg';
import { expect, it, vi } from 'vitest';
import { inspectWith } from '../../src/core';
import { buildPlan } from '../../src/plan/planner';
import { connect } from '../../src/db/connect';
import { PARENTS_SQL } from '../../src/catalog/queries';
import { PREFLIGHT_SQL } from '../../src/catalog/preflight';
import { describeEachBackend } from '../helpers/backends';
import { specOf } from '../helpers/snapshot';

describeEachBackend('the first catalog transaction', (db) => {
  it('sends the parents, then the members, then the pre-flight, and plans from them', async () => {
    await db().reset();
    await db().client.query(`
      create table orders (id int, placed date not null) partition by range (placed);
      create table orders_y2024m02 partition of orders for values from ('2024-02-01') to ('2024-03-01');`);
    const client = await connect(db().url);
    try {
      const query = vi.spyOn(client, 'query');
      const spec = specOf({ name: 'orders', naming: '{parent}_y{YYYY}m{MM}' });
      const now = { date: '2024-02-15' };
      const { plan, snapshot, config } = await inspectWith(client, { file: 'test', tables: [spec] }, now);
      const texts = query.mock.calls.map(([q]) =>
        typeof q === 'string' ? q : (q as pg.Query & { text: string }).text,
      );
      const parents = texts.indexOf(PARENTS_SQL);
      const members = texts.findIndex((t) =>
        t.includes('as p(ord, oid, schema_name, archive_schema, name_prefix'),
      );
      const preflight = texts.indexOf(PREFLIGHT_SQL);
      expect(parents).toBeGreaterThanOrEqual(0);
      expect([members, preflight]).toEqual([parents + 1, parents + 2]);
      expect(plan.tables[0]?.create.map((c) => c.name)).toEqual(['orders_y2024m03', 'orders_y2024m04']);
      // The table was planned while the members came (catalog/snapshot.ts, onParentRead): as it
      // would be from the whole snapshot.
      expect(plan.tables).toEqual(buildPlan(config.tables, snapshot, now).tables);
    } finally {
      await client.end();
    }
  });
});
