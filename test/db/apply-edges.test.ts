// `apply` at the edges, on real PostgreSQL (the local server and PGlite): a day whose local midnight
// does not exist, names that need quoting everywhere, NULL keys and far-off rows left in DEFAULT, and
// (server only) writers inserting into DEFAULT while its rows move out.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type pg from 'pg';
import { describeEachBackend, describeOnServer } from '../helpers/backends';
import { boundTo, expectedPartitions, type JsonPlan } from '../helpers/apply';
import { writeConfig } from '../helpers/cli';

const STRATEGIES = ['attach', 'partition-of'] as const;

type Create = JsonPlan['tables'][number]['create'][number];

describeEachBackend('apply at the edges', (db) => {
  const { cli, query, plan, partitionsOf, relations } = boundTo(db);

  beforeEach(async () => {
    await db().reset();
  });

  it.each(STRATEGIES)(
    '%s: America/Sao_Paulo 2018-11-04 (no local midnight): bounds as PostgreSQL prints them, rows routed by tableoid',
    async (strategy) => {
      await db().client.query(
        'create table dst (id int not null, at timestamptz not null) partition by range (at)',
      );
      const config = writeConfig(
        'defaults:\n  timezone: America/Sao_Paulo\ntables:\n  - table: dst\n    interval: day\n    premake: 2\n',
      );
      const planned = await plan(config, '2018-11-03');
      const creates = planned.tables[0]?.create ?? [];
      // Clocks jumped from 00:00 to 01:00 (-03 to -02): the day starts at its first instant, 01:00-02.
      expect(creates.map((c) => [c.name, c.from, c.to])).toEqual([
        ['dst_y2018m11d03', '2018-11-03 00:00:00-03', '2018-11-04 01:00:00-02'],
        ['dst_y2018m11d04', '2018-11-04 01:00:00-02', '2018-11-05 00:00:00-02'],
        ['dst_y2018m11d05', '2018-11-05 00:00:00-02', '2018-11-06 00:00:00-02'],
      ]);

      const result = await cli('apply', '--config', config, '--now', '2018-11-03', '--strategy', strategy);
      expect(result.stderr).not.toMatch(/^error/m);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^apply: 3 of 3 planned partitions created, 0 still missing/);

      await db().client.query(`set timezone = 'America/Sao_Paulo'`);
      try {
        expect(await partitionsOf('dst')).toEqual(expectedPartitions(planned));
      } finally {
        await db().client.query('reset timezone');
      }
      // The same instants whatever the session zone: 01:00-02 on the 4th is 03:00 UTC.
      expect(
        await query(
          `select to_char(lower_b at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as b from (
             select (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz
                    as lower_b
               from pg_inherits i join pg_class c on c.oid = i.inhrelid
              where i.inhparent = 'dst'::regclass) s order by 1`,
        ),
      ).toEqual([{ b: '2018-11-03 03:00' }, { b: '2018-11-04 03:00' }, { b: '2018-11-05 02:00' }]);

      await db().client.query(`
        insert into dst values
          (1, '2018-11-04 01:30-02'),
          (2, '2018-11-03 23:59:59-03'),
          (3, '2018-11-04 01:00-02'),
          (4, '2018-11-04 23:59:59-02'),
          (5, '2018-11-03 00:00-03')`);
      expect(await query(`select id, tableoid::regclass::text as t from dst order by id`)).toEqual([
        { id: 1, t: 'dst_y2018m11d04' },
        { id: 2, t: 'dst_y2018m11d03' },
        { id: 3, t: 'dst_y2018m11d04' },
        { id: 4, t: 'dst_y2018m11d04' },
        { id: 5, t: 'dst_y2018m11d03' },
      ]);

      const again = await cli('apply', '--config', config, '--now', '2018-11-03', '--strategy', strategy);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^apply: 0 of 0 planned partitions created/);
    },
  );

  const ODD_SCHEMA = `
    create schema "Sales EU";
    create table "Sales EU"."Orders; 2024" (id int not null, "day; x" date not null, note text)
      partition by range ("day; x");`;
  const ODD_CONFIG = `tables:\n  - table: '"Sales EU"."Orders; 2024"'\n    interval: month\n    premake: 1\n`;
  const ODD_PARENT = '"Sales EU"."Orders; 2024"';

  /** The parent's partitions with their schema, name and bound, straight from pg_inherits. */
  const oddPartitions = () =>
    query<{ schema: string; name: string; bound: string }>(
      `select n.nspname as schema, c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
         from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace
        where i.inhparent = $1::regclass order by 2`,
      [ODD_PARENT],
    );

  const ODD_EXPECTED = [
    {
      schema: 'Sales EU',
      name: 'Orders; 2024_y2024m02',
      bound: "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
    },
    {
      schema: 'Sales EU',
      name: 'Orders; 2024_y2024m03',
      bound: "FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
    },
  ];

  async function checkOddRows(): Promise<void> {
    await db().client.query(
      `insert into ${ODD_PARENT} (id, "day; x", note) values (1, '2024-02-29', 'feb'), (2, '2024-03-01', 'mar')`,
    );
    expect(await query(`select id, tableoid::regclass::text as t from ${ODD_PARENT} order by id`)).toEqual([
      { id: 1, t: '"Sales EU"."Orders; 2024_y2024m02"' },
      { id: 2, t: '"Sales EU"."Orders; 2024_y2024m03"' },
    ]);
  }

  it.each(STRATEGIES)(
    '%s: a quoted schema, table and key column with spaces and semicolons, end to end',
    async (strategy) => {
      await db().client.query(ODD_SCHEMA);
      const config = writeConfig(ODD_CONFIG);
      const planned = await plan(config, '2024-02-15', '--strategy', strategy);
      expect(planned.tables.map((t) => t.table)).toEqual([ODD_PARENT]);
      expect(planned.tables[0]?.create.map((c) => [c.schema, c.name, c.from, c.to])).toEqual([
        ['Sales EU', 'Orders; 2024_y2024m02', '2024-02-01', '2024-03-01'],
        ['Sales EU', 'Orders; 2024_y2024m03', '2024-03-01', '2024-04-01'],
      ]);

      const first = await cli('apply', '--config', config, '--now', '2024-02-15', '--strategy', strategy);
      expect(first.stderr).not.toMatch(/^error/m);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^apply: 2 of 2 planned partitions created, 0 still missing/);
      expect(await oddPartitions()).toEqual(ODD_EXPECTED);

      const before = await relations();
      const second = await cli('apply', '--config', config, '--now', '2024-02-15', '--strategy', strategy);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^apply: 0 of 0 planned partitions created, 0 still missing/);
      expect(second.stderr).toMatch(/nothing to do/);
      expect(await relations()).toEqual(before);
      await checkOddRows();

      // The reviewed-file path on a fresh database: the rendered SQL, run twice.
      await db().reset();
      await db().client.query(ODD_SCHEMA);
      const rendered = await cli(
        ...['plan', '--config', config, '--now', '2024-02-15', '--format', 'sql', '--strategy', strategy],
      );
      expect(rendered.code).toBe(0);
      const file = join(dirname(config), `reviewed-${strategy}.sql`);
      writeFileSync(file, rendered.stdout);

      const run1 = await cli('apply', '--sql', file);
      expect(run1.stderr).not.toMatch(/^error/m);
      expect(run1.code).toBe(0);
      expect(run1.stdout).toMatch(/^apply --sql: 2 steps: 2 done, 0 already done, 0 failed, 0 not run;/);
      expect(await oddPartitions()).toEqual(ODD_EXPECTED);
      const afterFirst = await relations();
      const run2 = await cli('apply', '--sql', file);
      expect(run2.code).toBe(0);
      expect(run2.stdout).toMatch(/^apply --sql: 2 steps: 0 done, 2 already done, 0 failed, 0 not run;/);
      expect(await relations()).toEqual(afterFirst);
      await checkOddRows();
    },
  );

  it('NULL keys and rows outside the plan stay in DEFAULT; the rest move; the multiset of rows is unchanged', async () => {
    await db().client.query(`
      create table nk (id int, d date, v text) partition by range (d);
      create table nk_default partition of nk default;
      insert into nk values
        (1, null, 'null key'), (2, null, 'null key'), (2, null, 'null key'), (null, null, null),
        (3, '2099-12-31', 'far future'), (4, '2024-03-31', 'before the window'),
        (5, '2024-04-01', 'apr'), (6, '2024-04-30', 'apr'), (6, '2024-04-30', 'apr'),
        (7, '2024-05-15', 'may'), (8, '2024-06-01', 'after the window');`);
    // A key column that allows NULL: range partitions never take a NULL key, only DEFAULT does.
    expect(
      await query(`select attnotnull from pg_attribute where attrelid = 'nk'::regclass and attname = 'd'`),
    ).toEqual([{ attnotnull: false }]);
    const config = writeConfig('tables:\n  - table: nk\n    interval: month\n    premake: 1\n');
    const planned = await plan(config, '2024-04-10');
    expect(planned.tables[0]?.create.map((c) => [c.name, c.defaultRows])).toEqual([
      ['nk_y2024m04', 3],
      ['nk_y2024m05', 1],
    ]);
    const all = `select id, d::text as d, v from nk order by id nulls first, d nulls first, v nulls first`;
    const rowsBefore = await query(all);
    expect(rowsBefore).toHaveLength(11);

    const result = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'moved 3 rows from public.nk_default into public.nk_y2024m04 (3 before, 3 after)',
    );
    expect(result.stderr).toContain(
      'moved 1 rows from public.nk_default into public.nk_y2024m05 (1 before, 1 after)',
    );

    const placed = await query(
      `select tableoid::regclass::text as t, id, d::text as d, v from nk
        order by t, id nulls first, d nulls first, v nulls first`,
    );
    expect(placed).toEqual([
      { t: 'nk_default', id: null, d: null, v: null },
      { t: 'nk_default', id: 1, d: null, v: 'null key' },
      { t: 'nk_default', id: 2, d: null, v: 'null key' },
      { t: 'nk_default', id: 2, d: null, v: 'null key' },
      { t: 'nk_default', id: 3, d: '2099-12-31', v: 'far future' },
      { t: 'nk_default', id: 4, d: '2024-03-31', v: 'before the window' },
      { t: 'nk_default', id: 8, d: '2024-06-01', v: 'after the window' },
      { t: 'nk_y2024m04', id: 5, d: '2024-04-01', v: 'apr' },
      { t: 'nk_y2024m04', id: 6, d: '2024-04-30', v: 'apr' },
      { t: 'nk_y2024m04', id: 6, d: '2024-04-30', v: 'apr' },
      { t: 'nk_y2024m05', id: 7, d: '2024-05-15', v: 'may' },
    ]);
    // Same rows, duplicates and NULLs included, each as many times as before.
    expect(await query(all)).toEqual(rowsBefore);
    expect(await query('select count(*)::int as n, count(d)::int as keyed from nk')).toEqual([
      { n: 11, keyed: 7 },
    ]);

    const again = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^apply: 0 of 0 planned/);
    expect(await query(all)).toEqual(rowsBefore);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The months a writer inserts into, one row each per statement: every month the plan creates. */
const WRITER_MONTHS = ['03', '04', '05', '06', '07', '08', '09'];

interface WriterRun {
  creates: Create[];
  seeded: string[];
  /** Rows of the statements that committed, as the writer wrote them. */
  committed: { id: number; day: string }[];
  /** Statements that failed: their rows and the error. */
  failed: { ids: number[]; code: string; message: string }[];
  /** Statements that started after apply did and ended before it finished. */
  during: number;
  /** Whether the writer was still writing when apply finished (it did not hit its bounds first). */
  outlasted: boolean;
  apply: { code: number; stdout: string; stderr: string };
}

describeOnServer('apply while a writer inserts into DEFAULT', (db) => {
  const { cli, query, plan } = boundTo(db);
  const sessions: pg.Client[] = [];

  beforeEach(async () => {
    await db().reset();
  });

  afterEach(async () => {
    for (const client of sessions.splice(0)) await client.end().catch(() => undefined);
  });

  /**
   * A DEFAULT partition holding ~30,000 rows over six months; a writer on its own connection
   * inserting through the parent, one row for each month of the plan per statement (so a statement
   * that waits for a move always carries a row of the month being moved), a statement every few
   * milliseconds, while apply creates seven monthly partitions, six of them by moving rows out of
   * DEFAULT. The writer stops at 2 s or 2,000 rows, or 20 statements after apply has finished.
   */
  async function applyWhileWriting(): Promise<WriterRun> {
    await db().client.query(`
      create table busy (id bigint not null, day date not null, v text, primary key (id, day))
        partition by range (day);
      create table busy_default partition of busy default;
      insert into busy
        select g, date '2024-03-01' + (g % 183), 'seeded ' || g from generate_series(1, 30000) g;`);
    const config = writeConfig('tables:\n  - table: busy\n    interval: month\n    premake: 6\n');
    const planned = await plan(config, '2024-03-10');
    const creates = planned.tables[0]?.create ?? [];
    expect(creates.map((c) => c.name)).toEqual(WRITER_MONTHS.map((m) => `busy_y2024m${m}`));
    // Rows in six of the seven months must move (September has none yet).
    expect(creates.map((c) => c.defaultRows > 0)).toEqual([true, true, true, true, true, true, false]);
    const seeded = (await query<{ id: string }>('select id::text from busy')).map((r) => r.id);

    const writer = await db().connect();
    sessions.push(writer);
    // An insert waits for a move's lock on DEFAULT, never for long.
    await writer.query(`set statement_timeout = '5s'`);
    const committed: WriterRun['committed'] = [];
    const failed: WriterRun['failed'] = [];
    let applying = true;
    let applyStarted = Number.POSITIVE_INFINITY;
    let applyEnded = Number.POSITIVE_INFINITY;
    let during = 0;
    let outlasted = false;
    const writing = (async () => {
      const started = Date.now();
      let statementsAfterApply = 0;
      for (let n = 0; n < 2000 && Date.now() - started < 2000 && statementsAfterApply < 20;) {
        const rows = WRITER_MONTHS.map((month, k) => ({
          id: 1_000_000 + n + k,
          day: `2024-${month}-${String(1 + ((n / 7 + k) % 28)).padStart(2, '0')}`,
        }));
        n += rows.length;
        const values = rows.map((_, k) => `($${2 * k + 1}::bigint, $${2 * k + 2}::date, 'written')`);
        const t = Date.now();
        try {
          await writer.query(
            `insert into busy (id, day, v) values ${values.join(', ')}`,
            rows.flatMap((r) => [r.id, r.day]),
          );
          committed.push(...rows);
        } catch (error) {
          const { code = '', message } = error as { code?: string; message: string };
          failed.push({ ids: rows.map((r) => r.id), code, message });
        }
        if (t >= applyStarted && Date.now() <= applyEnded) during += 1;
        if (!applying) {
          outlasted = true;
          statementsAfterApply += 1;
        }
        await sleep(4);
      }
    })();

    await sleep(50);
    applyStarted = Date.now();
    const apply = await cli('apply', '--config', config, '--now', '2024-03-10', '--deadline', '30');
    applyEnded = Date.now();
    applying = false;
    await writing;
    return { creates, seeded, committed, failed, during, outlasted, apply };
  }

  it('every row the writer committed is there exactly once, in the partition holding its key; none left in DEFAULT', async () => {
    const { creates, seeded, committed, failed, during, outlasted, apply } = await applyWhileWriting();
    expect(apply.stderr).not.toMatch(/^error/m);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/^apply: 7 of 7 planned partitions created, 0 still missing/);
    // The writer really wrote while apply ran, from before it started until after it finished.
    expect(during).toBeGreaterThan(0);
    expect(outlasted).toBe(true);
    expect(committed.length).toBeGreaterThan(0);
    // The writer's statements only waited for the moves; none failed.
    expect(failed).toEqual([]);

    const want = [...seeded, ...committed.map((c) => String(c.id))].sort();
    const ids = (await query<{ id: string }>('select id::text from busy')).map((r) => r.id).sort();
    expect(ids).toEqual(want);
    expect(await query('select count(*)::int as n, count(distinct id)::int as d from busy')).toEqual([
      { n: want.length, d: want.length },
    ]);
    // The writer's rows as it wrote them.
    expect(
      await query<{ id: number; day: string }>(
        `select id::int, day::text from busy where v = 'written' order by id`,
      ),
    ).toEqual([...committed].sort((a, b) => a.id - b.id));

    // Each row in the partition whose range holds its key; none of these months left in DEFAULT.
    const placement = await query<{ t: string; first: string; last: string }>(
      `select tableoid::regclass::text as t, min(day)::text as first, max(day)::text as last
         from busy group by 1 order by 1`,
    );
    expect(placement.map((p) => p.t)).toEqual(creates.map((c) => c.name));
    for (const p of placement) {
      const range = creates.find((c) => c.name === p.t);
      expect(p.first >= (range?.from ?? '')).toBe(true);
      expect(p.last < (range?.to ?? '')).toBe(true);
    }
    expect(await query('select count(*)::int as n from busy_default')).toEqual([{ n: 0 }]);
  });
});
