// The run deadline bounds every step, not just the first: statement_timeout is set to the time left
// before each batch. Two steps of one table on one session: the first sleeps 1.5 s, the second
// would sleep 30 s and is cancelled when the 2.5 s deadline passes (set once at the session's
// start, the second would have had 2.5 s of its own and run 1.5 s past the deadline).
import pg from 'pg';
import { expect, it } from 'vitest';
import type { Logger } from '../../src/log';
import { runSteps, type RunnableStep } from '../../src/run/runner';
import type { CreateStep } from '../../src/steps/step';
import { describeOnServer } from '../helpers/backends';

const step = (name: string): CreateStep => ({
  kind: 'create',
  parent: { schema: 'public', name: 'slow' },
  partition: { schema: 'public', name },
  from: '2025-01-01',
  to: '2025-02-01',
  reason: 'premake',
  adopt: false,
  fromDefault: false,
  defaultRows: 0,
});

describeOnServer('run deadline: statement_timeout follows the time left', (db) => {
  it('a later step still running when the deadline passes is cancelled then, as "the run deadline passed"', async () => {
    const client = await db().connect();
    const lines: string[] = [];
    const logger: Logger = { log: (level, message) => void lines.push(`${level}: ${message}`) };
    const steps: RunnableStep[] = [
      { step: step('slow_a'), index: 1, statements: ['select pg_sleep(1.5)'] },
      { step: step('slow_b'), index: 2, statements: ['select pg_sleep(30)'] },
    ];
    try {
      const started = Date.now();
      const deadline = started + 2500;
      const outcomes = await runSteps([client], steps, { lockTimeoutMs: 100, deadline }, logger);
      const ended = Date.now();
      expect(outcomes.map((o) => o.status)).toEqual(['done', 'failed']);
      expect(outcomes[1]).toMatchObject({
        code: '57014',
        error: 'cancelled: the run deadline (--deadline) passed while it ran',
      });
      // Cancelled at the deadline (a little after it: the cancel reaches the server, the reply returns).
      expect(ended).toBeGreaterThanOrEqual(deadline - 50);
      expect(ended - deadline).toBeLessThan(400);
    } finally {
      await client.end();
    }
  });

  it('a step retried after lock timeouts gets only the time left on its last attempt', async () => {
    // Another session holds the lock the step needs for the first 1.5 s of a 5 s run; the step's
    // attempts time out (lock_timeout 100 ms) and are retried; the attempt that gets the lock
    // would then sleep 30 s. It is cancelled within about a second of the deadline — with the
    // 5 s the batch had when it began, it would run on for as long as its retries took (≥ 1.5 s).
    const holder = await db().connect();
    const client = await db().connect();
    try {
      await holder.query('create table if not exists deadline_lock (id int)');
      await holder.query('begin');
      await holder.query('lock table deadline_lock in access exclusive mode');
      const started = Date.now();
      const deadline = started + 5000;
      setTimeout(() => void holder.query('commit'), 1500);
      const steps: RunnableStep[] = [
        {
          step: step('retried'),
          index: 1,
          statements: [
            'do $$ begin lock table deadline_lock in access exclusive mode; perform pg_sleep(30); end $$',
          ],
        },
      ];
      const outcomes = await runSteps(
        [client],
        steps,
        { lockTimeoutMs: 100, deadline },
        { log: () => undefined },
      );
      const ended = Date.now();
      expect(outcomes[0]).toMatchObject({ status: 'failed', code: '57014' });
      expect(outcomes[0]!.attempts).toBeGreaterThan(1);
      expect(ended - deadline).toBeLessThan(1300);
    } finally {
      await holder.query('drop table if exists deadline_lock').catch(() => undefined);
      await holder.end();
      await client.end();
    }
  });

  it("the role's own statement_timeout, when shorter than the time left, stays in force and is named", async () => {
    // Given at connection start, as ALTER ROLE … SET would: the session's reset value.
    const client = new pg.Client({ connectionString: db().url, options: '-c statement_timeout=700' });
    await client.connect();
    try {
      const steps: RunnableStep[] = [
        { step: step('slow_c'), index: 1, statements: ['select 1'] },
        { step: step('slow_d'), index: 2, statements: ['select pg_sleep(5)'] },
      ];
      const started = Date.now();
      const outcomes = await runSteps(
        [client],
        steps,
        { lockTimeoutMs: 100, deadline: started + 20_000 },
        { log: () => undefined },
      );
      expect(outcomes[1]?.error).toMatch(
        /^cancelled by the role's statement_timeout \(700 ms\) while it ran/,
      );
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await client.end();
    }
  });
});
