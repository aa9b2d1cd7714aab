// The order of the first catalog transaction on real PostgreSQL (server and PGlite): the snapshot's
// long members statement goes out right after the parents, and the pre-flight after it, so that the
// pre-flight and the config's slower checks overlap it instead of holding it back.
import type pg from 'pg';
import { expect, it, vi } from 'vitest';
import { inspectWith } from '../../src/core';
import { buildPlan } from '../../src/plan/planner';
import { relationKey } from '../../src/sql/quote';
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

  it('plans each table while the members come as it would from the whole snapshot', async () => {
    await db().reset();
    // Archival with detached tables (in the archive schema and left in the parent's) and a DEFAULT
    // holding rows, archival alone, a table with no partitions, one that cannot be managed, and a
    // disabled one.
    await db().client.query(`
      create schema archive;
      create table orders (id int, placed date not null) partition by range (placed);
      create table orders_y2023m11 partition of orders for values from ('2023-11-01') to ('2023-12-01');
      create table orders_y2023m12 partition of orders for values from ('2023-12-01') to ('2024-01-01');
      create table orders_y2024m01 partition of orders for values from ('2024-01-01') to ('2024-02-01');
      create table orders_y2024m02 partition of orders for values from ('2024-02-01') to ('2024-03-01');
      create table orders_default partition of orders default;
      insert into orders values (1, '2024-03-05'), (2, '2024-01-10');
      analyze orders;
      create table archive.orders_y2023m09 (id int, placed date not null);
      comment on table archive.orders_y2023m09 is 'partition-keeper: origin public.orders FOR VALUES FROM (''2023-09-01'') TO (''2023-10-01'')';
      create table orders_y2023m10 (id int, placed date not null);
      create table lines (id int, at date not null) partition by range (at);
      create table listed (k int) partition by list (k);
      create table listed_1 partition of listed for values in (1);
      create table off (at date not null) partition by range (at);
      create table events (at date not null) partition by range (at);
      create table events_y2023m11 partition of events for values from ('2023-11-01') to ('2023-12-01');
      create table events_y2024m02 partition of events for values from ('2024-02-01') to ('2024-03-01');`);
    const client = await connect(db().url);
    try {
      const now = { date: '2024-02-15' };
      const specs = [
        specOf({
          name: 'orders',
          retention: { count: 2, unit: 'month' },
          archive: { schema: 'archive', drop: false },
        }),
        specOf({ name: 'lines', index: 1 }),
        specOf({ name: 'listed', index: 2 }),
        specOf({ name: 'off', index: 3, enabled: false }),
        specOf({
          name: 'events',
          index: 4,
          retention: { count: 2, unit: 'month' },
          archive: { schema: 'archive', drop: false },
        }),
      ];
      const { plan, snapshot, config } = await inspectWith(client, { file: 'test', tables: specs }, now);
      const orders = plan.tables[0];
      expect(orders?.archive.map((a) => a.name)).toContain('orders_y2023m11');
      expect(orders?.findings.map((f) => f.code)).toContain('default-rows');
      expect(
        snapshot.parents.get(relationKey({ schema: 'public', name: 'orders' }))?.archived.map((a) => a.name),
      ).toEqual(['orders_y2023m09', 'orders_y2023m10']);
      expect(plan.tables.map((t) => t.skipped)).toEqual([false, false, true, true, false]);
      // Plans read no sizes or row estimates (status alone does: catalog.test.ts).
      const partitions = [...snapshot.parents.values()].flatMap((p) => p.partitions);
      expect(partitions.length).toBeGreaterThan(0); // orders_y2024m01 holds a row, and was analyzed
      expect(partitions.every((p) => p.bytes === 0 && p.estimatedRows === null)).toBe(true);
      expect(plan.tables[4]?.archive.map((a) => a.name)).toEqual(['events_y2023m11']);
      // The same as each table planned from the whole snapshot (orders again once its DEFAULT's
      // rows were counted, in the second transaction).
      expect(plan.tables).toEqual(buildPlan(config.tables, snapshot, now).tables);
    } finally {
      await client.end();
    }
  });
});
