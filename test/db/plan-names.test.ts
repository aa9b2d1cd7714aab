// Names a plan wants, looked up on real PostgreSQL (server and PGlite): a name some other relation or
// type holds is never planned, and a piece of a period that needs another name gets the first free
// `_pN`, however many rounds of looking up that takes.
import { expect, it } from 'vitest';
import { inspectWith } from '../../src/core';
import { connect } from '../../src/db/connect';
import type { TablePlan, TableSpec } from '../../src/types';
import { describeEachBackend } from '../helpers/backends';
import { specOf } from '../helpers/snapshot';

describeEachBackend('names a plan wants', (db) => {
  async function planOf(ddl: string, now: string, extra: Partial<TableSpec> = {}): Promise<TablePlan> {
    await db().reset();
    await db().client.query(ddl);
    const client = await connect(db().url);
    try {
      const spec = specOf({ name: 'orders', naming: '{parent}_y{YYYY}m{MM}', ...extra });
      const { plan } = await inspectWith(client, { file: 'test', tables: [spec] }, { date: now });
      return plan.tables[0]!;
    } finally {
      await client.end();
    }
  }

  it('does not plan a partition under a name a view or a type holds, and says what holds it', async () => {
    const table = await planOf(
      `create table orders (id int, placed date not null) partition by range (placed);
       create table orders_y2024m02 partition of orders for values from ('2024-02-01') to ('2024-03-01');
       create view orders_y2024m03 as select 1 as one;
       create type orders_y2024m04 as enum ('taken');`,
      '2024-02-15',
    );
    expect(table.create).toEqual([]);
    const taken = table.findings.filter((f) => f.code === 'name-taken').map((f) => f.message);
    expect(taken).toEqual([
      expect.stringMatching(
        /^public\.orders_y2024m03 already exists as a view, not a partition of public\.orders/,
      ),
      expect.stringMatching(
        /^public\.orders_y2024m04 already exists as a type, not a partition of public\.orders/,
      ),
    ]);
  });

  it('names the rest of a half-covered month with the first free _pN, looking names up again as it goes', async () => {
    const table = await planOf(
      `create table orders (id int, placed date not null) partition by range (placed);
       create table orders_y2024m02 partition of orders for values from ('2024-02-01') to ('2024-03-01');
       -- March half made, under the template's name: the rest needs another
       create table orders_y2024m03 partition of orders for values from ('2024-03-01') to ('2024-03-15');
       create table loose (a int);
       create index orders_y2024m03_p2 on loose (a);
       create sequence orders_y2024m03_p3;
       -- another table's partition takes April's name
       create table other (placed date not null) partition by range (placed);
       create table orders_y2024m04 partition of other for values from ('2024-04-01') to ('2024-05-01');`,
      '2024-02-15',
    );
    expect(table.create.map((c) => [c.name, c.from, c.to])).toEqual([
      ['orders_y2024m03_p4', '2024-03-15', '2024-04-01'],
    ]);
    expect(table.findings.filter((f) => f.code === 'name-taken').map((f) => f.message)).toEqual([
      expect.stringMatching(/^public\.orders_y2024m04 already exists as a partition of another table/),
    ]);
  });

  it('looks up the names of partitions held back by maxPartitionsPerRun too: a taken one is said now', async () => {
    const table = await planOf(
      `create table orders (id int, placed date not null) partition by range (placed);
       create table orders_y2024m02 partition of orders for values from ('2024-02-01') to ('2024-03-01');
       create view orders_y2024m05 as select 1 as one;`,
      '2024-02-15',
      { premake: 3, maxPartitionsPerRun: 1 },
    );
    expect(table.create.map((c) => c.name)).toEqual(['orders_y2024m03']);
    expect(table.deferred).toBe(1);
    expect(table.findings.filter((f) => f.code === 'name-taken').map((f) => f.message)).toEqual([
      expect.stringMatching(/^public\.orders_y2024m05 already exists as a view/),
    ]);
  });
});
