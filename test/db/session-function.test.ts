// apply runs the usual create step as a call of a function it makes once per session; the reviewed
// file runs the same body as a DO block. On real PostgreSQL (server and PGlite): for every case a
// step must tell apart, both forms end alike, with the same message, and change nothing when they fail.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Logger } from '../../src/log';
import { runSteps, type RunnableStep } from '../../src/run/runner';
import { describeEachBackend, describeOnServer } from '../helpers/backends';
import { quoteIdent } from '../../src/sql/quote';
import { sessionCall, sessionFunctionSql, stepStatements, type Strategy } from '../../src/sql/step-sql';
import type { CreateStep } from '../../src/steps/step';

const step = (parent: string, name: string): CreateStep => ({
  kind: 'create',
  parent: { schema: 'public', name: parent },
  partition: { schema: 'public', name },
  from: '2024-02-01',
  to: '2024-03-01',
  reason: 'current',
  adopt: false,
  fromDefault: false,
  defaultRows: 0,
});

/** What running `sql` did: 'ok' and the notices' details, or the error's message. */
async function outcome(client: pg.Client, sql: string): Promise<string> {
  const details: string[] = [];
  const onNotice = (notice: { detail?: string }): void => void details.push(notice.detail ?? '');
  client.on('notice', onNotice);
  try {
    await client.query(sql);
    return `ok ${details.join(' ')}`.trim();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    client.off('notice', onNotice);
  }
}

describeEachBackend('the session function and the DO block', (db) => {
  const relations = async (): Promise<string[]> =>
    (
      await db().client.query<{ r: string }>(
        `select c.relname || ':' || c.relkind::text || ':' || coalesce(pg_get_expr(c.relpartbound, 0), '') ||
                ':' || coalesce(i.inhparent::regclass::text, '') as r
           from pg_class c left join pg_inherits i on i.inhrelid = c.oid
          where c.relnamespace = 'public'::regnamespace order by 1`,
      )
    ).rows.map((row) => row.r);

  beforeEach(async () => {
    await db().reset();
    for (const name of ['orders', 'twin']) {
      await db().client.query(
        `create table ${name} (id int not null, day date not null, note text default 'x') partition by range (day)`,
      );
    }
  });

  /** The step for `parent` run as the DO block and as the call, each after `stray` made the same mess. */
  async function both(strategy: Strategy, stray: (parent: string) => string): Promise<[string, string]> {
    const results: string[] = [];
    for (const [parent, form] of [
      ['orders', 'block'],
      ['twin', 'function'],
    ] as const) {
      const s = step(parent, `${parent}_y2024m02`);
      if (stray(parent)) await db().client.query(stray(parent));
      const before = await relations();
      const sql =
        form === 'block'
          ? stepStatements(s, strategy)[0]!
          : (await db().client.query(sessionFunctionSql(strategy)), sessionCall(s, strategy)!.sql);
      const result = await outcome(db().client, sql);
      if (result.startsWith('error')) expect(await relations()).toEqual(before);
      results.push(result.replaceAll(parent, 'PARENT'));
    }
    return [results[0]!, results[1]!];
  }

  describe.each<Strategy>(['attach', 'partition-of'])('%s', (strategy) => {
    it.each([
      ['nothing under the name: made', () => ''],
      [
        'a same-named table attached to another parent',
        (parent: string) =>
          `create table other_${parent} (id int not null, day date not null) partition by range (day);
           create table ${parent}_y2024m02 partition of other_${parent} for values from ('2024-02-01') to ('2024-03-01')`,
      ],
      [
        'a plain table with an extra column',
        (parent: string) =>
          `create table ${parent}_y2024m02 (id int not null, day date not null, extra text)`,
      ],
      ['a view', (parent: string) => `create view ${parent}_y2024m02 as select 1 as one`],
      [
        'a partition of this parent with other bounds',
        (parent: string) =>
          `create table ${parent}_y2024m02 partition of ${parent} for values from ('2024-02-01') to ('2024-02-15')`,
      ],
      [
        'a DEFAULT partition made since the plan',
        (parent: string) => `create table ${parent}_default partition of ${parent} default`,
      ],
    ])('%s: both forms end alike', async (_, stray) => {
      const [block, call] = await both(strategy, stray);
      expect(call).toBe(block);
    });
  });

  it('run twice, both say "already done", and make the same partition', async () => {
    const [first] = await both('attach', () => '');
    expect(first).toBe('ok');
    const [block, call] = await both('attach', () => '');
    expect(block).toBe('ok partition-keeper: already done');
    expect(call).toBe(block);
    expect((await relations()).filter((r) => r.includes('_y2024m02:'))).toEqual([
      "orders_y2024m02:r:FOR VALUES FROM ('2024-02-01') TO ('2024-03-01'):orders",
      "twin_y2024m02:r:FOR VALUES FROM ('2024-02-01') TO ('2024-03-01'):twin",
    ]);
    const columns = async (table: string): Promise<unknown[]> =>
      (
        await db().client.query(
          `select attname, format_type(atttypid, atttypmod), attnotnull, pg_get_expr(d.adbin, d.adrelid) as dflt
             from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
          [table],
        )
      ).rows;
    expect(await columns('twin_y2024m02')).toEqual(await columns('orders_y2024m02'));
  });

  it('one function, made once and called case after case on hostile names, timestamptz bounds and MINVALUE, under a session that is not UTC, ends each as its DO block does', async () => {
    const client = db().client;
    await client.query("set timezone = 'Asia/Kolkata'; set datestyle = 'SQL, DMY'");
    const parents = { block: 'Or"d; ers $pk$ x', function: 'Or"d; ers $pk$ y' };
    for (const name of Object.values(parents)) {
      await client.query(
        `create table ${quoteIdent(name)} (id int not null, at timestamptz not null) partition by range (at)`,
      );
    }
    await client.query(sessionFunctionSql('attach'));
    const bounds: [string, string][] = [
      ['2024-02-01 00:00:00+00', '2024-03-01 00:00:00+00'],
      ['MINVALUE', '2024-01-01 00:00:00+00'],
      ['2024-03-01 00:00:00+00', 'MAXVALUE'],
    ];
    const cases: [string, (parent: string, name: string) => string][] = [
      ['nothing there', () => ''],
      ['already there', () => ''],
      ['a sibling over the same range', () => ''],
      ['a view', (_, name) => `create view ${quoteIdent(name)} as select 1 as one`],
      [
        'a plain table with the same columns',
        (_, name) => `create table ${quoteIdent(name)} (id int not null, at timestamptz not null)`,
      ],
      [
        'an inheritance child',
        (_, name) =>
          `create table ${quoteIdent(`${name} base`)} (id int not null, at timestamptz not null);
           create table ${quoteIdent(name)} () inherits (${quoteIdent(`${name} base`)})`,
      ],
    ];
    const seen: string[] = [];
    for (const [i, [from, to]] of bounds.entries()) {
      for (const [label, stray] of cases) {
        const results: string[] = [];
        for (const [form, parent] of Object.entries(parents)) {
          const name = `${parent} ${i} ${label === 'already there' ? 'nothing there' : label}`.slice(0, 60);
          if (label !== 'already there' && label !== 'a sibling over the same range') {
            await client.query(
              `drop view if exists ${quoteIdent(name)}; drop table if exists ${quoteIdent(name)}`,
            );
          }
          if (stray(parent, name)) await client.query(stray(parent, name));
          const s = { ...step(parent, name), from, to };
          const sql = form === 'block' ? stepStatements(s, 'attach')[0]! : sessionCall(s, 'attach')!.sql;
          const said = await outcome(client, sql);
          results.push(said.replaceAll(parent.replaceAll('"', '""'), 'PARENT').replaceAll(parent, 'PARENT'));
        }
        expect(results[1], `${label}, ${from} to ${to}`).toBe(results[0]);
        seen.push(`${label}: ${results[0]!.split(':')[0]}`);
      }
    }
    // Every case was met: both forms made the partition, found it done, and refused the rest.
    expect(new Set(seen)).toEqual(
      new Set([
        'nothing there: ok',
        'already there: ok partition-keeper',
        'a sibling over the same range: error',
        'a view: error',
        'a plain table with the same columns: error',
        'an inheritance child: error',
      ]),
    );
    expect((await client.query<{ tz: string }>("select current_setting('TimeZone') as tz")).rows[0]!.tz).toBe(
      'Asia/Kolkata',
    );
  });

  it('a step that moves DEFAULT rows or adopts a table has no call: it runs as its DO block', () => {
    expect(
      sessionCall({ ...step('orders', 'orders_y2024m02'), fromDefault: true }, 'attach'),
    ).toBeUndefined();
    expect(sessionCall({ ...step('orders', 'orders_y2024m02'), adopt: true }, 'attach')).toBeUndefined();
  });
});

describeOnServer('apply on a session that may or may not make the function', (db) => {
  const role = `pk_notemp_${randomBytes(4).toString('hex')}`;
  const logger: Logger = { log: () => undefined };
  const made = (client: pg.Client): Promise<number> =>
    client
      .query<{ n: number }>(
        `select count(*)::int as n from pg_proc
          where proname = 'partition_keeper_create_attach' and pronamespace = pg_my_temp_schema()`,
      )
      .then((r) => r.rows[0]!.n);
  const runnable = (month: string, index: number): RunnableStep => {
    const s = {
      ...step('orders', `orders_y2024m${month}`),
      from: `2024-${month}-01`,
      to: `2024-0${Number(month) + 1}-01`,
    };
    return { step: s, index, statements: stepStatements(s, 'attach'), call: sessionCall(s, 'attach')! };
  };
  const temp = (grant: 'grant' | 'revoke'): string =>
    `do $$ begin execute format('${grant} temp on database %I ${grant === 'grant' ? 'to' : 'from'} public', current_database()); end $$`;

  beforeEach(async () => {
    await db().reset();
    await db().client.query(`
      create table orders (id int not null, day date not null) partition by range (day);
      do $$ begin create role ${role} login; exception when duplicate_object then null; end $$;
      alter table orders owner to ${role};
      grant usage, create on schema public to ${role};`);
  });
  afterAll(async () => {
    await db().client.query(temp('grant'));
    await db().client.query(`drop owned by ${role} cascade; drop role if exists ${role}`);
  });

  it('with TEMP, makes the function once and runs the steps through it', async () => {
    const client = await db().connect();
    try {
      const steps = [runnable('02', 1), runnable('03', 2)];
      const outcomes = await runSteps(
        [client],
        steps,
        { lockTimeoutMs: 1000, deadline: Date.now() + 30_000 },
        logger,
      );
      expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
      expect(await made(client)).toBe(1);
    } finally {
      await client.end();
    }
  });

  it("a step whose parent's schema is gone fails as its DO block would, and the function stays in use", async () => {
    const client = await db().connect();
    const said: string[] = [];
    const sent: string[] = [];
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
    client.query = ((text: string, ...rest: unknown[]) => {
      if (typeof text === 'string') sent.push(text);
      return query(text, ...rest);
    }) as typeof client.query;
    const lost = { ...step('orders', 'orders_y2024m02'), parent: { schema: 'gone', name: 'orders' } };
    try {
      const outcomes = await runSteps(
        [client],
        [
          {
            step: lost,
            index: 1,
            statements: stepStatements(lost, 'attach'),
            call: sessionCall(lost, 'attach')!,
          },
          runnable('03', 2),
        ],
        { lockTimeoutMs: 1000, deadline: Date.now() + 30_000 },
        { log: (_, message) => void said.push(message) },
      );
      expect(outcomes.map((o) => [o.status, o.error])).toEqual([
        ['failed', 'schema "gone" does not exist'],
        ['done', undefined],
      ]);
      expect(said.filter((line) => line.includes('DO blocks'))).toEqual([]);
      expect(sent.filter((t) => t.startsWith('DO '))).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('makes the function once per session, and runs the DO block when the function is gone (DISCARD TEMP)', async () => {
    const client = await db().connect();
    const sent: string[] = [];
    const query = client.query.bind(client) as (text: string) => Promise<pg.QueryResult>;
    let calls = 0;
    // Records what the runner sends; before the second call the function disappears, as it would
    // after DISCARD TEMP or behind a pooler that hands out another backend.
    client.query = (async (text: string, ...rest: unknown[]) => {
      sent.push(typeof text === 'string' ? text : '');
      if (typeof text === 'string' && text.startsWith('SELECT pg_temp.partition_keeper_create_attach')) {
        calls += 1;
        if (calls === 2) await query('discard temp');
      }
      return (query as (...args: unknown[]) => Promise<pg.QueryResult>)(text, ...rest);
    }) as typeof client.query;
    try {
      const outcomes = await runSteps(
        [client],
        [runnable('02', 1), runnable('03', 2), runnable('04', 3)],
        { lockTimeoutMs: 1000, deadline: Date.now() + 30_000 },
        logger,
      );
      expect(outcomes.map((o) => [o.status, o.error])).toEqual([
        ['done', undefined],
        ['done', undefined],
        ['done', undefined],
      ]);
      expect(sent.filter((t) => t.startsWith('CREATE OR REPLACE FUNCTION'))).toHaveLength(1);
      expect(calls).toBe(2); // the third step ran as its DO block, like the second after its call failed
      expect(sent.filter((t) => t.startsWith('DO '))).toHaveLength(2);
    } finally {
      await client.end();
    }
  });

  it('a role without TEMP on the database runs the same steps as DO blocks', async () => {
    await db().client.query(temp('revoke'));
    const url = new URL(db().url);
    url.username = role;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const outcomes = await runSteps(
        [client],
        [runnable('02', 1)],
        { lockTimeoutMs: 1000, deadline: Date.now() + 30_000 },
        logger,
      );
      expect(outcomes.map((o) => [o.status, o.error])).toEqual([['done', undefined]]);
      expect(await made(client)).toBe(0);
      const { rows } = await db().client.query(
        `select pg_get_expr(relpartbound, 0) as bound from pg_class where relname = 'orders_y2024m02'`,
      );
      expect(rows).toEqual([{ bound: "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')" }]);
    } finally {
      await client.end();
    }
  });
});
