// The catalog snapshot against real PostgreSQL: the local server (15) and PGlite (18).
import type pg from 'pg';
import { expect, it, vi } from 'vitest';
import { readSnapshot, type SnapshotTarget } from '../../src/catalog/snapshot';
import { CatalogChanged, readTakenNames } from '../../src/catalog/names';
import { probeDefaultRows, type DefaultRowsProbe } from '../../src/catalog/default-rows';
import type { Range } from '../../src/plan/ranges';
import { connect } from '../../src/db/connect';
import { readServerVersion } from '../../src/run/archive/dump';
import { relationKey } from '../../src/sql/quote';
import type { CatalogSnapshot, ParentInfo, QualifiedName } from '../../src/types';
import { describeEachBackend, describeOnServer } from '../helpers/backends';

const MONTHLY = '{parent}_y{YYYY}m{MM}';
const YEARLY = '{parent}_y{YYYY}';

function target(schema: string, name: string, extra: Partial<SnapshotTarget> = {}): SnapshotTarget {
  return { schema, name, naming: MONTHLY, timezone: 'UTC', ...extra };
}

function parentOf(snapshot: CatalogSnapshot, schema: string, name: string): ParentInfo {
  const parent = snapshot.parents.get(relationKey({ schema, name }));
  if (!parent) throw new Error(`no ${schema}.${name} in the snapshot`);
  return parent;
}

/** readSnapshot as the CLI calls it: with the server's version (which the CLI has from its BEGIN). */
async function read(client: pg.Client, targets: SnapshotTarget[]): Promise<CatalogSnapshot> {
  return readSnapshot(client, targets, { serverVersion: (await readServerVersion(client)).num });
}

describeEachBackend('catalog snapshot', (db, backend) => {
  /** Runs the code under test on its own connection, set up the way the CLI sets it up. */
  async function snapshot(targets: SnapshotTarget[]): Promise<CatalogSnapshot> {
    const client = await connect(db().url);
    try {
      return await read(client, targets);
    } finally {
      await client.end();
    }
  }

  /** Names looked up as a plan of `parent` (by default a table that does not exist) wants them. */
  async function takenNames(
    wanted: QualifiedName[],
    parent: QualifiedName = { schema: 'public', name: 'nobody' },
  ): Promise<Map<string, Map<string, string>>> {
    const client = await connect(db().url);
    try {
      return await readTakenNames(
        client,
        wanted.map((w) => ({ ...w, parent })),
      );
    } finally {
      await client.end();
    }
  }

  /** A snapshot whose DEFAULT partitions' rows are then counted, by day within `ranges` (default: all of them). */
  async function counted(
    targets: SnapshotTarget[],
    ranges: (t: SnapshotTarget) => Range[] = () => [{ from: -Infinity, to: Infinity }],
  ): Promise<CatalogSnapshot> {
    const client = await connect(db().url);
    try {
      const snap = await read(client, targets);
      const probes: DefaultRowsProbe[] = targets.flatMap((t) => {
        const { defaultPartition, keyColumn, keyType } = parentOf(snap, t.schema, t.name);
        if (!defaultPartition || !keyColumn || !keyType) return [];
        return [{ partition: defaultPartition, keyColumn, keyType, timezone: t.timezone, ranges: ranges(t) }];
      });
      await probeDefaultRows(client, probes);
      return snap;
    } finally {
      await client.end();
    }
  }

  const sql = (text: string): Promise<unknown> => db().client.query(text);

  it('reads the seeds: claim_line_items, claims_production and kid_absences with its archive', async () => {
    await db().reset();
    await sql(`
      create table claim_line_items (id bigint not null, service_date date not null, amount numeric)
        partition by range (service_date);
      create table claim_line_items_y2024m04 partition of claim_line_items for values from ('2024-04-01') to ('2024-05-01');
      create table claim_line_items_y2024m05 partition of claim_line_items for values from ('2024-05-01') to ('2024-06-01');
      create table claim_line_items_y2024m06 partition of claim_line_items for values from ('2024-06-01') to ('2024-07-01');

      create table claims_production (id bigint not null, service_from_date date not null, total numeric,
        primary key (id, service_from_date)) partition by range (service_from_date);
      create table claims_production_y2026 partition of claims_production for values from ('2026-01-01') to ('2027-01-01');
      create table claims_production_y2027 partition of claims_production for values from ('2027-01-01') to ('2028-01-01');

      create table kid_absences (kid_id int not null, date date not null, reason text, unique (kid_id, date))
        partition by range (date);
      create table kid_absences_2024 partition of kid_absences for values from ('2024-01-01') to ('2025-01-01');
      create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
      create table kid_absences_2026 partition of kid_absences for values from ('2026-01-01') to ('2027-01-01');
      create index on kid_absences (date);
      insert into kid_absences values (1, '2024-02-03', 'flu'), (2, '2024-05-06', null);
      -- archived the way the seed's script does it
      create schema archive;
      alter table kid_absences detach partition kid_absences_2024;
      alter table kid_absences_2024 set schema archive;
      -- not ours: other names in the archive schema, and a table merely sharing the prefix
      create table archive.kid_absences_2024_backup (a int);
      create table archive.kid_absences_notes (a int);
      create table archive.other_2024 (a int);
    `);

    const snap = await snapshot([
      target('public', 'claim_line_items'),
      target('public', 'claims_production', { naming: YEARLY }),
      // a TableSpec carries its archive schema as archive.schema
      {
        schema: 'public',
        name: 'kid_absences',
        naming: '{parent}_{YYYY}',
        timezone: 'UTC',
        archive: { schema: 'archive' },
      },
    ]);

    expect(snap.parents.size).toBe(3);

    const lines = parentOf(snap, 'public', 'claim_line_items');
    expect(lines.problem).toBeUndefined();
    expect(lines).toMatchObject({
      strategy: 'range',
      keyColumn: 'service_date',
      keyTypeName: 'date',
      keyType: 'date',
    });
    expect(lines.partitions.map((p) => [p.schema, p.name, p.fromText, p.toText])).toEqual([
      ['public', 'claim_line_items_y2024m04', '2024-04-01', '2024-05-01'],
      ['public', 'claim_line_items_y2024m05', '2024-05-01', '2024-06-01'],
      ['public', 'claim_line_items_y2024m06', '2024-06-01', '2024-07-01'],
    ]);
    expect(lines.partitions[0]).toMatchObject({
      from: Date.UTC(2024, 3, 1),
      to: Date.UTC(2024, 4, 1),
      subPartitioned: false,
    });
    expect(lines.defaultPartition).toBeUndefined();
    expect(lines.archived).toEqual([]);

    const production = parentOf(snap, 'public', 'claims_production');
    expect(production).toMatchObject({ keyColumn: 'service_from_date', keyType: 'date' });
    expect(production.partitions.map((p) => [p.name, p.from, p.to])).toEqual([
      ['claims_production_y2026', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)],
      ['claims_production_y2027', Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1)],
    ]);

    const absences = parentOf(snap, 'public', 'kid_absences');
    expect(absences).toMatchObject({ keyColumn: 'date', keyType: 'date' });
    expect(absences.partitions.map((p) => p.name)).toEqual(['kid_absences_2025', 'kid_absences_2026']);
    expect(absences.archived).toHaveLength(1);
    expect(absences.archived[0]).toMatchObject({
      schema: 'archive',
      name: 'kid_absences_2024',
      estimatedRows: null,
    });
    expect(absences.archived[0]?.bytes).toBeGreaterThan(0);

    // names a plan might want, looked up: the parents' primary key and unique indexes share the
    // namespace with tables
    const taken = await takenNames([
      { schema: 'archive', name: 'kid_absences_2024' },
      { schema: 'archive', name: 'kid_absences_2024_backup' },
      { schema: 'archive', name: 'kid_absences_2099' },
      { schema: 'public', name: 'claims_production_pkey' },
      { schema: 'public', name: 'claims_production_y2026_pkey' },
      { schema: 'public', name: 'kid_absences_2025' },
      { schema: 'public', name: 'kid_absences_2099' },
    ]);
    expect(
      Object.fromEntries([...taken].map(([schema, names]) => [schema, Object.fromEntries(names)])),
    ).toEqual({
      archive: { kid_absences_2024: 'a table', kid_absences_2024_backup: 'a table' },
      public: {
        claims_production_pkey: 'a partitioned index',
        claims_production_y2026_pkey: 'an index',
        kid_absences_2025: 'a partition',
      },
    });
  });

  it('finds detached partitions left in the parent schema, but never attached ones or the parent', async () => {
    await db().reset();
    await sql(`
      create table events (at date not null) partition by range (at);
      create table events_y2024m01 partition of events for values from ('2024-01-01') to ('2024-02-01');
      create table events_y2024m02 partition of events for values from ('2024-02-01') to ('2024-03-01');
      alter table events detach partition events_y2024m01;
      create table events_y2024m99x (a int);
    `);
    const snap = await snapshot([target('public', 'events', { archiveSchema: 'no_such_archive' })]);
    const events = parentOf(snap, 'public', 'events');
    expect(events.partitions.map((p) => p.name)).toEqual(['events_y2024m02']);
    expect(events.archived.map((a) => `${a.schema}.${a.name}`)).toEqual(['public.events_y2024m01']);
    expect(snap.schemas).toEqual(new Set(['public']));
  });

  it('gives each parent as soon as its partitions are in, and again when a member comes after', async () => {
    await db().reset();
    await sql(`
      create table events (at date not null) partition by range (at);
      create table events_y2024m01 partition of events for values from ('2024-01-01') to ('2024-02-01');
      create table events_y2024m02 partition of events for values from ('2024-02-01') to ('2024-03-01');
      create table events_default partition of events default;
      create table events_y2023m12 (at date not null); -- detached: it comes without a bound
      create table empty (at date not null) partition by range (at);
      create table listed (k int) partition by list (k);
      create table listed_1 partition of listed for values in (1);
    `);
    const given: { name: string; parent: ParentInfo; partitions: number; archived: number }[] = [];
    const client = await connect(db().url);
    let snap: CatalogSnapshot;
    try {
      snap = await readSnapshot(
        client,
        ['empty', 'listed', 'events'].map((name) => target('public', name)),
        {
          serverVersion: (await readServerVersion(client)).num,
          onParentRead: (parent) =>
            given.push({
              name: parent.name,
              parent,
              partitions: parent.partitions.length + (parent.defaultPartition ? 1 : 0),
              archived: parent.archived.length,
            }),
        },
      );
    } finally {
      await client.end();
    }
    // Every parent was given whole (each time with all its partitions and its DEFAULT), and the
    // last one given of each is the one the snapshot holds.
    expect(given.every((g) => g.partitions === (g.name === 'events' ? 3 : 0))).toBe(true);
    for (const name of ['events', 'empty', 'listed']) {
      expect(given.filter((g) => g.name === name).at(-1)?.parent).toBe(parentOf(snap, 'public', name));
    }
    // empty (no partitions) and listed (partitions not read) are given once, after the statement;
    // events while its rows came, as soon as its three partitions were in: before them.
    const names = given.map((g) => g.name);
    expect(names.filter((name) => name !== 'events')).toEqual(['empty', 'listed']);
    expect(names.indexOf('events')).toBeLessThan(names.indexOf('empty'));
    // Its detached table comes in the same statement: when after the partitions, events is given
    // again with it.
    const events = given.filter((g) => g.name === 'events');
    expect(events.at(-1)?.archived).toBe(1);
    expect(events).toHaveLength(events[0]?.archived === 1 ? 1 : 2);
  });

  it('quotes odd schema, table and column names everywhere', async () => {
    await db().reset();
    await sql(`
      create schema "Sales EU";
      create schema "Archive's";
      create table "Sales EU"."Orders; 2024" ("Order Date" timestamptz not null, "select" int)
        partition by range ("Order Date");
      create table "Sales EU"."Orders; 2024_y2024m01" partition of "Sales EU"."Orders; 2024"
        for values from ('2024-01-01 00:00+00') to ('2024-02-01 00:00+00');
      create table "Sales EU"."Orders; 2024 default" partition of "Sales EU"."Orders; 2024" default;
      insert into "Sales EU"."Orders; 2024" values ('2024-05-05 12:00+00', 1);
      create table "Archive's"."Orders; 2024_y2023m12" ("Order Date" timestamptz not null, "select" int);
    `);
    const snap = await counted([
      target('Sales EU', 'Orders; 2024', { archiveSchema: "Archive's", timezone: 'America/Sao_Paulo' }),
    ]);
    const orders = parentOf(snap, 'Sales EU', 'Orders; 2024');
    expect(orders.problem).toBeUndefined();
    expect(orders).toMatchObject({ keyColumn: 'Order Date', keyType: 'timestamptz' });
    expect(orders.partitions.map((p) => [p.name, p.fromText, p.toText])).toEqual([
      ['Orders; 2024_y2024m01', '2024-01-01 00:00:00+00', '2024-02-01 00:00:00+00'],
    ]);
    expect(orders.defaultPartition).toMatchObject({
      schema: 'Sales EU',
      name: 'Orders; 2024 default',
      rowsByDay: [{ day: '2024-05-05', rows: 1 }],
      rows: { count: 1, more: false },
    });
    expect(orders.archived.map((a) => [a.schema, a.name])).toEqual([["Archive's", 'Orders; 2024_y2023m12']]);
    const taken = await takenNames([{ schema: 'Sales EU', name: 'Orders; 2024 default' }]);
    expect(taken.get('Sales EU')).toEqual(new Map([['Orders; 2024 default', 'a partition']]));
  });

  it('reads timestamp and timestamptz bounds as UTC wall-clock and as instants', async () => {
    await db().reset();
    await sql(`
      create table readings (at timestamp not null) partition by range (at);
      create table readings_y2024m01 partition of readings
        for values from ('2024-01-01 00:00') to ('2024-02-01 00:00');
      create table readings_y2024m02 partition of readings
        for values from ('2024-02-01 00:00') to ('2024-03-01 06:30:15.25');
      create table stamps (at timestamp(0) with time zone not null) partition by range (at);
      -- midnight in Berlin, written with an offset: the UTC session prints it as 23:00+00
      create table stamps_y2024m01 partition of stamps
        for values from ('2024-01-01 00:00+01') to ('2024-02-01 00:00+01');
    `);
    const snap = await snapshot([target('public', 'readings'), target('public', 'stamps')]);
    const readings = parentOf(snap, 'public', 'readings');
    expect(readings).toMatchObject({ keyType: 'timestamp', keyTypeName: 'timestamp without time zone' });
    expect(readings.partitions.map((p) => [p.fromText, p.toText, p.from, p.to])).toEqual([
      ['2024-01-01 00:00:00', '2024-02-01 00:00:00', Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1)],
      [
        '2024-02-01 00:00:00',
        '2024-03-01 06:30:15.25',
        Date.UTC(2024, 1, 1),
        Date.UTC(2024, 2, 1, 6, 30, 15, 250),
      ],
    ]);
    const stamps = parentOf(snap, 'public', 'stamps');
    expect(stamps).toMatchObject({ keyType: 'timestamptz', keyTypeName: 'timestamp(0) with time zone' });
    expect(stamps.partitions.map((p) => [p.fromText, p.toText, p.from, p.to])).toEqual([
      [
        '2023-12-31 23:00:00+00',
        '2024-01-31 23:00:00+00',
        Date.UTC(2023, 11, 31, 23),
        Date.UTC(2024, 0, 31, 23),
      ],
    ]);
  });

  it('reads a key of a domain type as its base type, through domains over domains', async () => {
    await db().reset();
    await sql(`
      create domain service_day as date check (value >= '2000-01-01');
      create domain claim_day as service_day;
      create table by_day (at claim_day not null) partition by range (at);
      create table by_day_y2024m01 partition of by_day for values from ('2024-01-01') to ('2024-02-01');
      create domain stamp as timestamp(3) with time zone;
      create table by_stamp (at stamp) partition by range (at);
      create table by_stamp_default partition of by_stamp default;
      insert into by_stamp values ('2024-03-05 12:00+00'), ('2024-03-05 13:00+00');
      create domain code as text;
      create table by_code (c code) partition by range (c);
    `);
    const snap = await counted([
      target('public', 'by_day'),
      target('public', 'by_stamp'),
      target('public', 'by_code'),
    ]);
    const byDay = parentOf(snap, 'public', 'by_day');
    expect(byDay).toMatchObject({ keyColumn: 'at', keyTypeName: 'date', keyType: 'date' });
    expect(byDay.partitions.map((p) => [p.name, p.from, p.to])).toEqual([
      ['by_day_y2024m01', Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1)],
    ]);
    const byStamp = parentOf(snap, 'public', 'by_stamp');
    expect(byStamp).toMatchObject({ keyTypeName: 'timestamp(3) with time zone', keyType: 'timestamptz' });
    expect(byStamp.defaultPartition?.rowsByDay).toEqual([{ day: '2024-03-05', rows: 2 }]);
    // A domain over another type is still refused, named by its base type.
    expect(parentOf(snap, 'public', 'by_code').problem).toEqual({
      code: 'unsupported-key-type',
      message: expect.stringContaining('partitioned on c of type text;'),
    });
  });

  it('reads MINVALUE and MAXVALUE partitions, in bound order', async () => {
    await db().reset();
    await sql(`
      create table ledger (booked date not null) partition by range (booked);
      create table ledger_future partition of ledger for values from ('2025-01-01') to (maxvalue);
      create table ledger_past partition of ledger for values from (minvalue) to ('2024-01-01');
      create table ledger_y2024 partition of ledger for values from ('2024-01-01') to ('2025-01-01');
    `);
    const ledger = parentOf(
      await snapshot([target('public', 'ledger', { naming: YEARLY })]),
      'public',
      'ledger',
    );
    expect(ledger.partitions.map((p) => [p.name, p.fromText, p.toText, p.from, p.to])).toEqual([
      ['ledger_past', 'MINVALUE', '2024-01-01', -Infinity, Date.UTC(2024, 0, 1)],
      ['ledger_y2024', '2024-01-01', '2025-01-01', Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1)],
      ['ledger_future', '2025-01-01', 'MAXVALUE', Date.UTC(2025, 0, 1), Infinity],
    ]);
  });

  it('counts DEFAULT-partition rows by calendar day in the table timezone, and all of them', async () => {
    await db().reset();
    await sql(`
      create table visits (at timestamptz not null) partition by range (at);
      create table visits_y2024m01 partition of visits for values from ('2024-01-01 00:00+00') to ('2024-02-01 00:00+00');
      create table visits_default partition of visits default;
      insert into visits values
        ('2024-03-01 12:00+00'),
        ('2024-03-01 22:59+00'),  -- 23:59 in Berlin: still March 1st
        ('2024-03-01 23:30+00'),  -- 00:30 in Berlin: March 2nd
        ('2024-03-05 10:00+00'), ('2024-03-05 11:00+00'),
        ('2024-01-15 00:00+00');  -- lands in its partition, not in DEFAULT

      create table days (d date) partition by range (d);
      create table days_default partition of days default;
      insert into days values ('2024-02-29'), (null), ('infinity'), ('2023-12-31'), ('2024-02-29');

      create table ticks (t timestamp not null) partition by range (t);
      create table ticks_default partition of ticks default;
      insert into ticks values ('2024-03-01 23:30'), ('2024-03-01 00:00');

      create table quiet (t timestamp not null) partition by range (t);
      create table quiet_default partition of quiet default;
    `);
    const snap = await counted([
      target('public', 'visits', { timezone: 'Europe/Berlin' }),
      target('public', 'days', { timezone: 'Europe/Berlin' }),
      target('public', 'ticks', { timezone: 'Asia/Tokyo' }),
      target('public', 'quiet'),
    ]);
    expect(parentOf(snap, 'public', 'visits').defaultPartition).toMatchObject({
      schema: 'public',
      name: 'visits_default',
      rowsByDay: [
        { day: '2024-03-01', rows: 2 },
        { day: '2024-03-02', rows: 1 },
        { day: '2024-03-05', rows: 2 },
      ],
    });
    // NULL keys always go to DEFAULT: in no day, but in the total, so nothing hides there
    expect(parentOf(snap, 'public', 'days').defaultPartition).toMatchObject({
      rowsByDay: [
        { day: '2023-12-31', rows: 1 },
        { day: '2024-02-29', rows: 2 },
        { day: 'infinity', rows: 1 },
      ],
      rows: { count: 5, more: false },
    });
    // timestamp without time zone has no zone to convert: the wall-clock day counts
    expect(parentOf(snap, 'public', 'ticks').defaultPartition?.rowsByDay).toEqual([
      { day: '2024-03-01', rows: 2 },
    ]);
    expect(parentOf(snap, 'public', 'quiet').defaultPartition).toMatchObject({
      name: 'quiet_default',
      rowsByDay: [],
      rows: { count: 0, more: false },
    });
  });

  it('reports sizes, and row estimates only once a table was analyzed', async () => {
    await db().reset();
    await sql(`
      create table metrics (at date not null, v int) partition by range (at);
      create table metrics_y2024m01 partition of metrics for values from ('2024-01-01') to ('2024-02-01');
      create table metrics_y2024m02 partition of metrics for values from ('2024-02-01') to ('2024-03-01')
        partition by range (at);
      create table metrics_y2024m02_a partition of metrics_y2024m02 for values from ('2024-02-01') to ('2024-02-15');
      create table metrics_y2024m02_b partition of metrics_y2024m02 for values from ('2024-02-15') to ('2024-03-01');
      insert into metrics select date '2024-01-01' + i, i from generate_series(0, 19) i; -- January
      insert into metrics select date '2024-02-01' + i, i from generate_series(0, 9) i;  -- February
    `);
    const before = parentOf(await snapshot([target('public', 'metrics')]), 'public', 'metrics');
    const [january, february] = before.partitions;
    expect(january).toMatchObject({ name: 'metrics_y2024m01', subPartitioned: false, estimatedRows: null });
    expect(january?.bytes).toBeGreaterThan(0);
    // a sub-partitioned partition stores nothing itself: its size is its leaves'
    expect(february).toMatchObject({ name: 'metrics_y2024m02', subPartitioned: true, estimatedRows: null });
    expect(february?.bytes).toBeGreaterThan(0);

    await sql('analyze metrics');
    const after = parentOf(await snapshot([target('public', 'metrics')]), 'public', 'metrics');
    expect(after.partitions.map((p) => p.estimatedRows)).toEqual([20, 10]);
    await sql(`insert into metrics values ('2024-02-20', 1), ('2024-02-03', 2); analyze metrics`);
    const again = parentOf(await snapshot([target('public', 'metrics')]), 'public', 'metrics');
    expect(again.partitions.map((p) => p.estimatedRows)).toEqual([20, 12]);
  });

  it('gives each unmanageable table a problem and still reads the others in the same call', async () => {
    await db().reset();
    await sql(`
      create table good (at date not null) partition by range (at);
      create table good_y2024m01 partition of good for values from ('2024-01-01') to ('2024-02-01');
      create table plain (at date);
      create view a_view as select 1 as one;
      create table by_list (region text) partition by list (region);
      create table by_list_eu partition of by_list for values in ('eu');
      create table by_hash (id int) partition by hash (id);
      create table two_keys (at date, seq int) partition by range (at, seq);
      create table by_expression (at timestamp) partition by range ((at::date));
      create table by_integer (id int) partition by range (id);
      create table by_integer_1 partition of by_integer for values from (1) to (100);
      create table by_text (code text) partition by range (code);
    `);
    const names = [
      'good',
      'nothing_here',
      'plain',
      'a_view',
      'by_list',
      'by_hash',
      'two_keys',
      'by_expression',
      'by_integer',
      'by_text',
    ];
    const snap = await snapshot([...names.map((n) => target('public', n)), target('no_such_schema', 'good')]);
    expect(snap.parents.size).toBe(names.length + 1);

    const problem = (schema: string, name: string): ParentInfo['problem'] =>
      parentOf(snap, schema, name).problem;
    expect(problem('public', 'good')).toBeUndefined();
    expect(parentOf(snap, 'public', 'good').partitions.map((p) => p.name)).toEqual(['good_y2024m01']);

    expect(problem('public', 'nothing_here')).toEqual({
      code: 'missing',
      message: expect.stringMatching(
        /^public\.nothing_here does not exist; create it with PARTITION BY RANGE/,
      ),
    });
    expect(problem('no_such_schema', 'good')).toEqual({
      code: 'missing',
      message: expect.stringContaining('no_such_schema.good does not exist (there is no such schema)'),
    });
    expect(problem('public', 'plain')).toEqual({
      code: 'not-partitioned',
      message:
        'public.plain is not partitioned; partition-keeper manages tables created with PARTITION BY RANGE (column)',
    });
    expect(problem('public', 'a_view')).toMatchObject({
      code: 'not-partitioned',
      message: expect.stringContaining('public.a_view is a view, not a table'),
    });
    expect(problem('public', 'by_list')).toMatchObject({
      code: 'not-range',
      message: expect.stringContaining('public.by_list is partitioned by LIST (LIST (region)), not RANGE'),
    });
    expect(parentOf(snap, 'public', 'by_list')).toMatchObject({ strategy: 'list', partitions: [] });
    expect(problem('public', 'by_hash')).toMatchObject({
      code: 'not-range',
      message: expect.stringContaining('public.by_hash is partitioned by HASH'),
    });
    expect(problem('public', 'two_keys')).toMatchObject({
      code: 'multi-column',
      message: expect.stringContaining('public.two_keys is partitioned on 2 columns (RANGE (at, seq))'),
    });
    expect(problem('public', 'by_expression')).toMatchObject({
      code: 'multi-column',
      message: expect.stringMatching(
        /^public\.by_expression is partitioned on an expression \(RANGE .*at.*date/,
      ),
    });
    const typeAdvice = 'supports keys of type date, timestamp without time zone or timestamp with time zone';
    expect(problem('public', 'by_integer')).toEqual({
      code: 'unsupported-key-type',
      message: `public.by_integer is partitioned on id of type integer; partition-keeper ${typeAdvice}`,
    });
    expect(problem('public', 'by_text')?.message).toContain('of type text');
  });

  it('knows a DEFAULT without pages holds no rows; one with pages or sub-partitions is left to counting', async () => {
    await db().reset();
    await sql(`
      create table never (at date not null) partition by range (at);
      create table never_default partition of never default;
      create table emptied (at date not null) partition by range (at);
      create table emptied_default partition of emptied default;
      insert into emptied values ('2024-01-01');
      delete from emptied;
      create table holding (at date not null) partition by range (at);
      create table holding_default partition of holding default;
      insert into holding values ('2024-01-01');
      create table nested (at date not null, region text) partition by range (at);
      create table nested_default partition of nested default partition by list (region);
      create table nested_default_eu partition of nested_default for values in ('eu');
      insert into nested values ('2024-01-01', 'eu');
    `);
    const names = ['never', 'emptied', 'holding', 'nested'];
    const snap = await snapshot(names.map((n) => target('public', n)));
    expect(names.map((n) => parentOf(snap, 'public', n).defaultPartition?.rows)).toEqual([
      { count: 0, more: false },
      undefined,
      undefined,
      undefined,
    ]);
    const counts = await counted(names.map((n) => target('public', n)));
    expect(names.map((n) => parentOf(counts, 'public', n).defaultPartition?.rows)).toEqual([
      { count: 0, more: false },
      { count: 0, more: false },
      { count: 1, more: false },
      { count: 1, more: false },
    ]);
  });

  it('marks a sub-partitioned partition', async () => {
    await db().reset();
    await sql(`
      create table sales (at date not null, region text not null) partition by range (at);
      create table sales_y2024m01 partition of sales for values from ('2024-01-01') to ('2024-02-01')
        partition by list (region);
      create table sales_y2024m01_eu partition of sales_y2024m01 for values in ('eu');
      create table sales_y2024m02 partition of sales for values from ('2024-02-01') to ('2024-03-01');
    `);
    const sales = parentOf(await snapshot([target('public', 'sales')]), 'public', 'sales');
    expect(sales.partitions.map((p) => [p.name, p.subPartitioned])).toEqual([
      ['sales_y2024m01', true],
      ['sales_y2024m02', false],
    ]);
  });

  it("names each partition's own schema, also when it is not its parent's", async () => {
    await db().reset();
    await sql(`
      create schema elsewhere;
      create schema attic;
      create table visits (at date not null) partition by range (at);
      create table visits_y2024m01 partition of visits for values from ('2024-01-01') to ('2024-02-01');
      create table elsewhere.visits_y2024m02 partition of visits for values from ('2024-02-01') to ('2024-03-01');
      create table visits_y2024m03 partition of visits for values from ('2024-03-01') to ('2024-04-01');
      create table attic.visits_y2023m12 (at date not null);
    `);
    const visits = parentOf(
      await snapshot([target('public', 'visits', { archiveSchema: 'attic' })]),
      'public',
      'visits',
    );
    expect(visits.partitions.map((p) => `${p.schema}.${p.name}`)).toEqual([
      'public.visits_y2024m01',
      'elsewhere.visits_y2024m02',
      'public.visits_y2024m03',
    ]);
    expect(visits.archived.map((a) => `${a.schema}.${a.name}`)).toEqual(['attic.visits_y2023m12']);
  });

  it('looks up which wanted names are taken, and by what: indexes, sequences, views, types', async () => {
    await db().reset();
    await sql(`
      create schema vault;
      create table orders (id bigserial, at date not null) partition by range (at);
      create index orders_at_idx on orders (at);
      create table orders_y2024m01 partition of orders for values from ('2024-01-01') to ('2024-02-01');
      create table loose (a int);
      create view orders_view as select * from orders;
      create type public.orders_y2030m01 as enum ('taken');
      create sequence vault.orders_seq;
      create schema bystander;
      create table bystander.unrelated (a int);
    `);
    const wanted = [
      'orders',
      'orders_y2024m01',
      'orders_at_idx',
      'orders_y2024m01_at_idx',
      'orders_view',
      'orders_id_seq',
      'orders_y2030m01',
      'loose',
      'orders_y2024m02',
      // automatic array types are renamed by PostgreSQL when a table needs the name
      '_orders',
    ].map((name) => ({ schema: 'public', name }));
    const taken = await takenNames([
      ...wanted,
      { schema: 'vault', name: 'orders_seq' },
      { schema: 'vault', name: 'unrelated' },
      { schema: 'no_such_schema', name: 'orders' },
    ]);
    expect([...taken.keys()].sort()).toEqual(['public', 'vault']);
    // each with what holds it, for the planner's name-taken finding
    expect(Object.fromEntries([...(taken.get('public') ?? [])])).toEqual({
      orders: 'a partitioned table',
      orders_y2024m01: 'a partition',
      orders_at_idx: 'a partitioned index',
      orders_y2024m01_at_idx: 'an index',
      orders_view: 'a view',
      orders_id_seq: 'a sequence',
      orders_y2030m01: 'a type',
      loose: 'a table',
    });
    expect(taken.get('vault')).toEqual(new Map([['orders_seq', 'a sequence']]));

    // wanted by orders itself, its own partition's name means the catalog changed since it was read
    await expect(
      takenNames([{ schema: 'public', name: 'orders_y2024m01' }], { schema: 'public', name: 'orders' }),
    ).rejects.toThrow(
      new CatalogChanged(
        'public.orders_y2024m01 became a partition while this plan was made (another run?); nothing was changed: run again',
      ),
    );
  });

  it('reads one parent per table when the same table is listed twice', async () => {
    await db().reset();
    await sql(`create table twice (at date not null) partition by range (at)`);
    const snap = await snapshot([target('public', 'twice'), target('public', 'twice', { naming: YEARLY })]);
    expect(snap.parents.size).toBe(1);
    expect(snap.serverVersion).toBeGreaterThanOrEqual(backend === 'pglite' ? 180000 : 150000);
  });

  it('refuses a session whose DateStyle would print bounds it cannot read', async () => {
    await db().reset();
    const client = await db().connect();
    try {
      await client.query(`set datestyle = 'SQL, DMY'`);
      await expect(read(client, [target('public', 'anything')])).rejects.toThrow(/needs DateStyle ISO/);
    } finally {
      await client.end();
    }
  });

  it('takes the same two statements for 1 parent as for 40', async () => {
    await db().reset();
    const ddl: string[] = [];
    for (let i = 1; i <= 40; i += 1) {
      const parent = `t${String(i).padStart(2, '0')}`;
      ddl.push(`create table ${parent} (at timestamptz not null, v int) partition by range (at);`);
      for (let month = 1; month <= 3; month += 1) {
        const from = `2024-${String(month).padStart(2, '0')}-01`;
        const to = `2024-${String(month + 1).padStart(2, '0')}-01`;
        ddl.push(
          `create table ${parent}_y2024m0${month} partition of ${parent} for values from ('${from}') to ('${to}');`,
        );
      }
      ddl.push(`insert into ${parent} values ('2024-01-0${(i % 9) + 1} 12:00+00', ${i});`);
      if (i % 2 === 0) {
        ddl.push(`create table ${parent}_default partition of ${parent} default;`);
        ddl.push(`insert into ${parent} values ('2024-06-01 12:00+00', ${i});`);
      }
    }
    await sql(ddl.join('\n'));
    const all = Array.from({ length: 40 }, (_, i) =>
      target('public', `t${String(i + 1).padStart(2, '0')}`, { timezone: 'Europe/Berlin' }),
    );
    const withDefault = all[1] as SnapshotTarget;
    const withoutDefault = all[0] as SnapshotTarget;

    const client = await connect(db().url);
    try {
      // As inCatalogTransaction gives it, in its BEGIN's round trip.
      const serverVersion = (await readServerVersion(client)).num;
      const query = vi.spyOn(client, 'query');
      const sent = async (
        targets: SnapshotTarget[],
      ): Promise<{ calls: number; snap: CatalogSnapshot; ms: number }> => {
        query.mockClear();
        const started = performance.now();
        const snap = await readSnapshot(client, targets, { serverVersion });
        return { calls: query.mock.calls.length, snap, ms: performance.now() - started };
      };

      const one = await sent([withoutDefault]);
      const oneWithDefault = await sent([withDefault]);
      const forty = await sent(all);
      const fortyWithout = await sent(all.filter((_, i) => i % 2 === 0));
      // the parents, then their members; DEFAULT rows are counted after planning, in one more
      // statement (catalog-default-rows.test.ts)
      expect([one.calls, oneWithDefault.calls, fortyWithout.calls, forty.calls]).toEqual([2, 2, 2, 2]);

      expect(forty.snap.parents.size).toBe(40);
      for (const [, parent] of forty.snap.parents) {
        expect(parent.problem).toBeUndefined();
        expect(parent.partitions).toHaveLength(3);
      }
      const t02 = parentOf(forty.snap, 'public', 't02');
      expect(t02.defaultPartition).toMatchObject({ name: 't02_default', rowsByDay: [] });
      expect(parentOf(forty.snap, 'public', 't01').defaultPartition).toBeUndefined();

      // Timing for the report (the first run above warmed the catalog caches).
      const runs = [];
      for (let i = 0; i < 5; i += 1) runs.push((await sent(all)).ms);
      const runsWithout = [];
      for (let i = 0; i < 5; i += 1) runsWithout.push((await sent(all.filter((_, j) => j % 2 === 0))).ms);
      console.log(
        `[${backend}] snapshot of 40 parents (120 partitions, 20 DEFAULT): ` +
          `${runs.map((ms) => ms.toFixed(1)).join(', ')} ms; ` +
          `20 parents without DEFAULT (2 statements): ${runsWithout.map((ms) => ms.toFixed(1)).join(', ')} ms`,
      );
    } finally {
      await client.end();
    }
  });
});

// A DETACH … CONCURRENTLY cut off in its second phase needs a second session: the server only.
describeOnServer('catalog snapshot: a pending detach', (db) => {
  it('marks the partition whose DETACH CONCURRENTLY was cut off, and only it', async () => {
    await db().reset();
    await db().client.query(`
      create table events (at date not null) partition by range (at);
      create table events_y2024m01 partition of events for values from ('2024-01-01') to ('2024-02-01');
      create table events_y2024m02 partition of events for values from ('2024-02-01') to ('2024-03-01');`);
    const reader = await connect(db().url);
    try {
      // A reader's open transaction makes the second phase wait; lock_timeout cuts it off: pending.
      await reader.query('begin; select count(*) from events');
      await db().client.query("set lock_timeout = '200ms'");
      await expect(
        db().client.query('alter table events detach partition events_y2024m01 concurrently'),
      ).rejects.toThrow(/lock timeout/);
    } finally {
      await db().client.query('reset lock_timeout');
      await reader.end();
    }
    const client = await connect(db().url);
    try {
      const events = parentOf(await read(client, [target('public', 'events')]), 'public', 'events');
      expect(events.partitions.map((p) => [p.name, p.detachPending === true])).toEqual([
        ['events_y2024m01', true],
        ['events_y2024m02', false],
      ]);
    } finally {
      await client.end();
    }
  });
});
