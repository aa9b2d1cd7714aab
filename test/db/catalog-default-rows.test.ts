// Rows in DEFAULT partitions are counted after planning, for the ranges the plan is about (its
// creates and the coverage window) by day, and in total up to a cap: a DEFAULT full of old rows
// costs no more than an empty one, and an index on the key is used for the ranges.
import { expect, it } from 'vitest';
import { defaultRowsSql, probeDefaultRows, type DefaultRowsProbe } from '../../src/catalog/default-rows';
import { connect } from '../../src/db/connect';
import { describeEachBackend } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';
import type { DefaultPartitionInfo } from '../../src/types';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

describeEachBackend('DEFAULT partition rows, counted where the plan needs them', (db) => {
  const sql = (text: string): Promise<unknown> => db().client.query(text);

  function probe(name: string, ranges: DefaultRowsProbe['ranges']): DefaultRowsProbe {
    const partition: DefaultPartitionInfo = {
      schema: 'public',
      name,
      bytes: 0,
      estimatedRows: null,
      rowsByDay: [],
    };
    return { partition, keyColumn: 'd', keyType: 'date', timezone: 'UTC', ranges };
  }

  async function run(probes: DefaultRowsProbe[], exact = false): Promise<void> {
    const client = await connect(db().url);
    try {
      await probeDefaultRows(client, probes, { exact });
    } finally {
      await client.end();
    }
  }

  it('counts by day only inside the ranges, every row in the total, and stops counting past 1000', async () => {
    await db().reset();
    await sql(`
      create table few (d date) partition by range (d);
      create table few_default partition of few default;
      insert into few values ('2020-01-05'), ('2024-03-01'), ('2024-03-31'), ('2024-04-01'), ('2024-05-02'), (null);
      create table many (d date) partition by range (d);
      create table many_default partition of many default;
      insert into many select date '2019-01-01' + (g % 300) from generate_series(1, 1500) g;
      insert into many values ('2024-03-10');`);
    const few = probe('few_default', [
      { from: day('2024-03-01'), to: day('2024-04-01') },
      { from: day('2024-05-01'), to: day('2024-06-01') },
    ]);
    const many = probe('many_default', [{ from: day('2024-03-01'), to: day('2024-04-01') }]);
    const none = probe('many_default', []);
    await run([few, many, none]);
    expect(few.partition).toMatchObject({
      rowsByDay: [
        { day: '2024-03-01', rows: 1 },
        { day: '2024-03-31', rows: 1 },
        { day: '2024-05-02', rows: 1 },
      ],
      rows: { count: 6, more: false },
    });
    expect(many.partition).toMatchObject({
      rowsByDay: [{ day: '2024-03-10', rows: 1 }],
      rows: { count: 1000, more: true },
    });
    expect(none.partition).toMatchObject({ rowsByDay: [], rows: { count: 1000, more: true } });
    // status counts them all
    const exact = probe('many_default', []);
    await run([exact], true);
    expect(exact.partition.rows).toEqual({ count: 1501, more: false });
  });

  it('the ranges are read through an index on the key', async () => {
    await db().reset();
    await sql(`
      create table big (d date not null, v int) partition by range (d);
      create table big_default partition of big default;
      create index on big (d);
      insert into big select date '2010-01-01' + (g % 3000), g from generate_series(1, 50000) g;
      analyze big_default;`);
    const text = defaultRowsSql([probe('big_default', [{ from: day('2024-03-01'), to: day('2024-06-01') }])]);
    const client = await connect(db().url);
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${text}`);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index (Only )?Scan .*on big_default|Bitmap Index Scan on big_default/);
      // The total stops after 1001 rows instead of reading 50,000.
      expect(plan).toMatch(/Limit/);
    } finally {
      await client.end();
    }
  });

  it('check: rows in the past fail it with their count, rows in a planned partition block that create', async () => {
    await db().reset();
    await sql(`
      create table visits (id int, d date not null) partition by range (d);
      create table visits_y2024m01 partition of visits for values from ('2024-01-01') to ('2024-02-01');
      create table visits_y2024m02 partition of visits for values from ('2024-02-01') to ('2024-03-01');
      create table visits_default partition of visits default;
      create index on visits (d);
      insert into visits select g, date '2015-01-01' + (g % 900) from generate_series(1, 1200) g;`);
    const config = writeConfig('tables:\n  - table: visits\n    interval: month\n    premake: 1\n');
    const past = await runCli([
      'check',
      '--config',
      config,
      '--now',
      '2024-01-15',
      '--database-url',
      db().url,
    ]);
    expect(past.code).toBe(1);
    expect(past.stdout).toContain(
      'default-rows: the DEFAULT partition public.visits_default holds more than 1000 rows; none of them belongs to a partition this plan creates',
    );
    // Coverage is fine: nothing to create, nothing else wrong.
    expect(past.stdout).not.toContain('shortfall');

    await sql(`insert into visits values (1, '2024-03-03'), (2, '2024-03-04'), (3, '2024-04-01')`);
    const planned = await runCli([
      'plan',
      '--config',
      config,
      '--now',
      '2024-02-15',
      '--format',
      'json',
      '--database-url',
      db().url,
    ]);
    const table = JSON.parse(planned.stdout).tables[0];
    expect(table.create.map((c: { name: string; defaultRows: number }) => [c.name, c.defaultRows])).toEqual([
      ['visits_y2024m03', 2],
    ]);
    expect(table.findings.map((f: { message: string }) => f.message)).toContainEqual(
      expect.stringContaining('creating visits_y2024m03 would fail until its 2 rows are moved out'),
    );
  });
});
