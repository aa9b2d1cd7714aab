// `apply` against other sessions at the same time: a second run, a session holding the run lock, a
// long reader of the parent, a connection cut half-way. True concurrency needs the server (PGlite
// runs one query at a time), so these run there only.
import { afterEach, beforeEach, expect, it } from 'vitest';
import pg from 'pg';
import { RUN_LOCK_KEY } from '../../src/run/lock';
import { describeOnServer, SERVER_URL } from '../helpers/backends';
import { boundTo, expectedPartitions } from '../helpers/apply';
import { writeConfig } from '../helpers/cli';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeOnServer('apply with other sessions at work', (db) => {
  const { cli, query, plan, partitionsOf, relations, unattached } = boundTo(db);

  /** Other sessions opened by a test, closed after it. */
  const sessions: pg.Client[] = [];
  async function session(): Promise<pg.Client> {
    const client = await db().connect();
    sessions.push(client);
    return client;
  }

  async function countPartitions(parent: string): Promise<number> {
    const [row] = await query<{ n: number }>(
      'select count(*)::int as n from pg_inherits where inhparent = $1::regclass',
      [parent],
    );
    return row?.n ?? 0;
  }

  beforeEach(async () => {
    await db().reset();
  });

  afterEach(async () => {
    for (const client of sessions.splice(0)) await client.end().catch(() => undefined);
  });

  it('two applies at once: one set of partitions, both exit 0, no row touched', async () => {
    await db().client.query(`
      create table conc (id int not null, day date not null, v text, primary key (id, day)) partition by range (day);
      create table conc_y2024m01d01 partition of conc for values from ('2024-01-01') to ('2024-01-02');
      insert into conc select g, '2024-01-01', 'row ' || g from generate_series(1, 50) g;`);
    const config = writeConfig(
      'tables:\n  - table: conc\n    interval: day\n    premake: 60\n    start: 2024-01-01\n',
    );
    const planned = await plan(config, '2024-01-31');
    expect(planned.tables[0]?.create).toHaveLength(90);
    const rows = 'select id, day::text, v, xmin::text as xmin, ctid::text as ctid from conc order by id';
    const rowsBefore = await query(rows);

    const results = await Promise.all([
      cli('apply', '--config', config, '--now', '2024-01-31'),
      cli('apply', '--config', config, '--now', '2024-01-31'),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const summaries = results.map((r) => r.stdout.replace(/ \(.*/s, '')).sort();
    expect(summaries).toEqual([
      'apply: 0 of 0 planned partitions created, 0 still missing',
      'apply: 90 of 90 planned partitions created, 0 still missing',
    ]);
    const loser = results.find((r) => r.stdout.startsWith('apply: 0 of 0'));
    expect(loser?.stderr).toMatch(/nothing to do/);
    expect(loser?.stderr).not.toMatch(/error/);
    expect(await partitionsOf('conc')).toEqual([
      { name: 'conc_y2024m01d01', bound: "FOR VALUES FROM ('2024-01-01') TO ('2024-01-02')" },
      ...expectedPartitions(planned),
    ]);
    expect(await unattached('conc')).toEqual([]);
    // Same rows, same versions, same places: nothing rewrote them.
    expect(await query(rows)).toEqual(rowsBefore);
  });

  it('--lock-wait 0 while another session holds the run lock: exit 1 naming its pid, nothing created', async () => {
    await db().client.query(`create table locked (id int, day date not null) partition by range (day);`);
    const config = writeConfig('tables:\n  - table: locked\n    interval: month\n    premake: 2\n');
    // A run against another database holds the same key there: it blocks nothing here, and is
    // not the holder the message names.
    const elsewhere = new pg.Client({ connectionString: SERVER_URL, application_name: 'another database' });
    await elsewhere.connect();
    sessions.push(elsewhere);
    await elsewhere.query('select pg_advisory_lock($1::bigint)', [RUN_LOCK_KEY]);
    const holder = await session();
    await holder.query(`set application_name = 'someone else'`);
    await holder.query('select pg_advisory_lock($1::bigint)', [RUN_LOCK_KEY]);
    const [{ pid } = { pid: 0 }] = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid'))
      .rows;
    const before = await relations();

    const refused = await cli('apply', '--config', config, '--now', '2024-02-15', '--lock-wait', '0');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^error: another partition-keeper run holds the run lock \\(held by pid ${pid}, someone else, `,
        'm',
      ),
    );
    expect(refused.stderr).toMatch(/raise --lock-wait/);
    expect(refused.stdout).toBe('');
    expect(await relations()).toEqual(before);

    // Within --lock-wait it waits for the holder instead.
    const started = Date.now();
    const waiting = cli('apply', '--config', config, '--now', '2024-02-15', '--lock-wait', '10');
    await sleep(600);
    await holder.query('select pg_advisory_unlock($1::bigint)', [RUN_LOCK_KEY]);
    const done = await waiting;
    expect(done.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(done.stdout).toMatch(/^apply: 3 of 3 planned partitions created/);
  });

  async function busyTable(): Promise<string> {
    await db().client.query(`
      create table busy (id int not null, day date not null) partition by range (day);
      create table busy_y2024m01 partition of busy for values from ('2024-01-01') to ('2024-02-01');
      insert into busy select g, '2024-01-10' from generate_series(1, 100) g;`);
    return writeConfig('tables:\n  - table: busy\n    interval: month\n    premake: 2\n');
  }

  /** A session in a transaction that has read the parent: it holds ACCESS SHARE until it ends. */
  async function longReader(): Promise<pg.Client> {
    const reader = await session();
    await reader.query('begin');
    await reader.query('select count(*) from busy');
    return reader;
  }

  it('partition-of waits for a long reader by retrying short lock timeouts; other readers are not held up', async () => {
    const config = await busyTable();
    const reader = await longReader();
    const other = await session();
    const started = Date.now();
    const applying = cli(
      ...[
        'apply',
        '--config',
        config,
        '--now',
        '2024-01-15',
        '--strategy',
        'partition-of',
        '--lock-timeout',
        '100',
      ],
    );
    // Meanwhile other readers come and go: each may queue behind one attempt, never longer.
    const latencies: number[] = [];
    while (Date.now() - started < 1500) {
      await sleep(40);
      const t = Date.now();
      await other.query('select count(*) from busy');
      latencies.push(Date.now() - t);
    }
    expect(await countPartitions('busy')).toBe(1);
    await reader.query('commit');
    const result = await applying;
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(result.stdout).toMatch(/^apply: 2 of 2 planned partitions created, 0 still missing/);
    expect(result.stdout).toMatch(/; [1-9]\d* retried after lock timeouts;/);
    expect(result.stderr).toMatch(/attempts=([2-9]|\d\d+)/);
    expect(latencies.length).toBeGreaterThan(10);
    expect(Math.max(...latencies)).toBeLessThan(500);
  });

  it('attach does not wait for a long reader at all: SHARE UPDATE EXCLUSIVE lets it be', async () => {
    const config = await busyTable();
    const reader = await longReader();
    const result = await cli(
      ...['apply', '--config', config, '--now', '2024-01-15', '--strategy', 'attach'],
      ...['--lock-timeout', '100', '--deadline', '1'],
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^apply: 2 of 2 planned partitions created, .*; 0 retried after lock timeouts;/,
    );
    // The reader is still in its transaction, still reading.
    expect((await reader.query('select count(*)::int as n from busy')).rows).toEqual([{ n: 100 }]);
    await reader.query('commit');
  });

  it('--deadline: gives up at the run deadline with exit 1 while the reader stays; a later run completes', async () => {
    const config = await busyTable();
    const many = writeConfig('tables:\n  - table: busy\n    interval: month\n    premake: 12\n');
    const reader = await longReader();
    const started = Date.now();
    const result = await cli(
      ...['apply', '--config', many, '--now', '2024-01-15', '--strategy', 'partition-of'],
      ...['--lock-timeout', '100', '--deadline', '1'],
    );
    const took = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /canceling statement due to lock timeout \(gave up at the run deadline after \d+ attempts\)/,
    );
    // No new attempt starts after the deadline: the 12 steps do not each wait one more lock timeout.
    expect(result.stderr).toMatch(/not run: step 2\/12 .*: step 1 of this table failed/);
    expect(result.stdout).toMatch(
      /^apply: 0 of 12 planned partitions created, 12 still missing .* [1-9]\d* not run;/,
    );
    expect(took).toBeLessThan(1600);
    expect(await countPartitions('busy')).toBe(1);
    await reader.query('commit');

    const later = await cli('apply', '--config', config, '--now', '2024-01-15', '--strategy', 'partition-of');
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/^apply: 2 of 2 planned partitions created/);
  });

  it('attach: a run whose connection is terminated half-way reconnects, takes the run lock again and finishes; another does nothing', async () => {
    await db().client.query(`
      create table daily (id bigint generated always as identity, day date not null, note text,
                          primary key (id, day)) partition by range (day);`);
    const config = writeConfig(
      'tables:\n  - table: daily\n    interval: day\n    premake: 10\n    start: 2024-01-01\n',
    );
    const now = '2024-07-08';
    const planned = await plan(config, now);
    const all = expectedPartitions(planned);
    expect(all).toHaveLength(200);

    const first = cli('apply', '--config', config, '--now', now, '--strategy', 'attach');
    const deadline = Date.now() + 20_000;
    while ((await countPartitions('daily')) < 5 && Date.now() < deadline) await sleep(5);
    const killed = await query<{ killed: boolean }>(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
        where application_name = 'partition-keeper apply' and datname = current_database()`,
    );
    expect(killed).toEqual([{ killed: true }]);
    const cut = await first;
    expect(cut.stderr).toMatch(/the connection was lost during step \d+: .*; reconnecting/);
    expect(cut.stderr).toMatch(/holding the run lock again, on a fresh connection/);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toMatch(/^apply: 200 of 200 planned partitions created, 0 still missing/);
    expect(await partitionsOf('daily')).toEqual(all);
    expect(await unattached('daily_')).toEqual([]);
    // The run lock was released on the fresh connection.
    expect(
      await query(`select count(*)::int as n from pg_locks
        where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`),
    ).toEqual([{ n: 0 }]);

    const before = await relations();
    const again = await cli('apply', '--config', config, '--now', now, '--strategy', 'attach');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^apply: 0 of 0 planned partitions created/);
    expect(await relations()).toEqual(before);
  });

  it('a worker connection terminated mid-run: its table goes on on a fresh connection, the other table finishes', async () => {
    await db().client.query(`
      create table left_t (id int not null, day date not null) partition by range (day);
      create table right_t (id int not null, day date not null) partition by range (day);`);
    const config = writeConfig(
      'defaults:\n  interval: day\n  premake: 10\n  start: 2024-03-01\ntables:\n  - table: left_t\n  - table: right_t\n',
    );
    const now = '2024-07-08';
    const planned = await plan(config, now);
    const run = cli('apply', '--config', config, '--now', now, '--jobs', '2');
    const deadline = Date.now() + 20_000;
    while (
      (await countPartitions('right_t')) + (await countPartitions('left_t')) < 10 &&
      Date.now() < deadline
    )
      await sleep(5);
    // The worker that does not hold the run lock.
    const killed = await query<{ killed: boolean }>(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
        where application_name = 'partition-keeper apply' and datname = current_database()
          and pid not in (select pid from pg_locks where locktype = 'advisory')`,
    );
    expect(killed).toEqual([{ killed: true }]);
    const result = await run;
    expect(result.stderr).toMatch(/the connection was lost during step \d+/);
    expect(result.stderr).not.toMatch(/holding the run lock again/);
    expect(result.code).toBe(0);
    expect(await partitionsOf('left_t')).toEqual(expectedPartitions(planned, 'public.left_t'));
    expect(await partitionsOf('right_t')).toEqual(expectedPartitions(planned, 'public.right_t'));
  });
});
