// Catalog reads never wait without bound: a parent or a DEFAULT partition held in ACCESS EXCLUSIVE
// by another session makes plan, check and status give up after --catalog-lock-wait, naming the
// relation and the session holding it, with exit 1; apply gives up by its deadline and lets go of
// the run lock. Other sessions need the server (PGlite runs one query at a time).
import { afterEach, beforeEach, expect, it } from 'vitest';
import type pg from 'pg';
import { RUN_LOCK_KEY } from '../../src/run/lock';
import { describeOnServer } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';

describeOnServer('catalog reads facing a lock', (db) => {
  const sessions: pg.Client[] = [];

  /** Another session holding ACCESS EXCLUSIVE on `relation` (ONLY: not its partitions) until the test ends. */
  async function holdLock(relation: string): Promise<number> {
    const session = await db().connect();
    sessions.push(session);
    await session.query('set application_name = $$migration$$');
    await session.query('begin');
    await session.query(`lock table only ${relation} in access exclusive mode`);
    const { rows } = await session.query<{ pid: number }>('select pg_backend_pid() as pid');
    return rows[0]!.pid;
  }

  beforeEach(async () => {
    await db().reset();
    await db().client.query(`
      create table orders (id int not null, placed date not null) partition by range (placed);
      create table orders_y2024m01 partition of orders for values from ('2024-01-01') to ('2024-02-01');
      create table orders_default partition of orders default;
      create index on orders (placed);`);
  });

  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.end().catch(() => undefined);
  });

  const config = (): string =>
    writeConfig('tables:\n  - table: orders\n    interval: month\n    premake: 1\n');

  async function timed(
    args: string[],
  ): Promise<{ code: number; stderr: string; stdout: string; ms: number }> {
    const started = Date.now();
    const result = await runCli([...args, '--database-url', db().url]);
    return { ...result, ms: Date.now() - started };
  }

  for (const [what, relation] of [
    ['the parent', 'public.orders'],
    ['its DEFAULT partition', 'public.orders_default'],
  ] as const) {
    it(`${what} held in ACCESS EXCLUSIVE: plan, check and status give up after --catalog-lock-wait, naming it and the pid`, async () => {
      const pid = await holdLock(relation);
      const file = config();
      for (const command of ['plan', 'check', 'status']) {
        const result = await timed([
          command,
          '--config',
          file,
          '--now',
          '2024-01-15',
          '--catalog-lock-wait',
          '1.5',
        ]);
        expect({ command, code: result.code, stdout: result.stdout }).toEqual({
          command,
          code: 1,
          stdout: '',
        });
        expect(result.stderr).toContain(
          'waited 1.5 s (--catalog-lock-wait) for a lock while reading the catalog',
        );
        expect(result.stderr).toContain(
          `${relation} is held in ACCESS EXCLUSIVE mode by pid ${pid}, application "migration", state idle in transaction`,
        );
        expect(result.stderr).not.toContain('unexpected');
        expect(result.stderr).not.toMatch(/DeprecationWarning|already executing/);
        // The bound, not a hang, nor the 100 ms step lock timeout (on a busy machine: some slack).
        expect(result.ms, command).toBeGreaterThanOrEqual(1400);
        expect(result.ms, command).toBeLessThan(4500);
      }
    });
  }

  it('the same commands go through once the lock is gone; the DEFAULT rows are counted', async () => {
    await db().client.query(`insert into orders values (1, '2024-02-03'), (2, '2023-05-06')`);
    const file = config();
    const check = await runCli([
      'check',
      '--config',
      file,
      '--now',
      '2024-01-15',
      '--database-url',
      db().url,
    ]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(
      /default-rows: the DEFAULT partition public\.orders_default holds 2 rows; creating orders_y2024m02 would fail until its 1 row is moved out/,
    );
    const status = await runCli(['status', '--config', file, '--database-url', db().url]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('DEFAULT orders_default: 2 rows');
  });

  it('apply --deadline 3 against a locked parent returns within a few seconds and lets go of the run lock', async () => {
    const pid = await holdLock('public.orders');
    const result = await timed(['apply', '--config', config(), '--now', '2024-01-15', '--deadline', '3']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('for a lock while reading the catalog');
    expect(result.stderr).toContain('the time left to the run deadline, --deadline');
    expect(result.stderr).toContain(`public.orders is held in ACCESS EXCLUSIVE mode by pid ${pid}`);
    expect(result.ms).toBeLessThan(6000);
    // The run lock is released: no session holds it in this database (other tests' runs may hold
    // theirs in their own databases), and another run can take it.
    const { rows } = await db().client.query<{ n: number }>(
      `select count(*)::int as n from pg_locks
        where locktype = 'advisory' and ((classid::int8 << 32) | objid::int8) = $1::bigint
          and database = (select oid from pg_database where datname = current_database())`,
      [RUN_LOCK_KEY],
    );
    expect(rows).toEqual([{ n: 0 }]);
    for (const session of sessions.splice(0)) await session.end();
    const later = await runCli([
      'apply',
      '--config',
      config(),
      '--now',
      '2024-01-15',
      '--database-url',
      db().url,
    ]);
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/^apply: 1 of 1 planned partitions created/);
  });

  it('--catalog-lock-wait must be a positive number of seconds', async () => {
    const result = await runCli([
      'check',
      '--config',
      config(),
      '--catalog-lock-wait',
      '0',
      '--database-url',
      db().url,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--catalog-lock-wait: "0" is not a number from 0.001 to 3600');
  });
});
