// The drop checks the archived table's rows against its stored dump and drops it in one
// transaction that first takes ACCESS EXCLUSIVE on it. A row another session commits while the drop
// waits for its lock is seen by the check (the drop is refused and the row kept), where a check run
// before the DROP's own lock wait would have missed it and dropped the row unarchived.
import type pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import { EffectRun } from '../../src/run/effects';
import type { EffectStep } from '../../src/steps/step';
import { describeOnServer } from '../helpers/backends';
import { runCli, scratchDir, writeConfig } from '../helpers/cli';
import { KID_ABSENCES_TABLE, kidAbsencesConfig } from '../helpers/kid-absences';

const TABLE = `${KID_ABSENCES_TABLE}
insert into kid_absences select g, date '2025-01-01' + g, 'ill' from generate_series(1, 300) g;
`;

describeOnServer('archival: the drop holds its lock from the check to the DROP', (db) => {
  let dir: string;
  let step: EffectStep;

  /** Archived, dumped and stored, not dropped (drop: false). */
  beforeEach(async () => {
    await db().reset();
    await db().client.query('drop schema if exists archive cascade');
    await db().client.query(TABLE);
    dir = scratchDir('drop-lock-');
    const config = writeConfig(kidAbsencesConfig({ dump: dir, drop: false }));
    const applied = await runCli(['apply', '--config', config, '--now', '2027-03-01'], {
      ...process.env,
      DATABASE_URL: db().url,
    });
    expect(applied.code).toBe(0);
    step = {
      kind: 'drop',
      parent: { schema: 'public', name: 'kid_absences' },
      partition: { schema: 'archive', name: 'kid_absences_2025' },
      from: '2025-01-01',
      to: '2026-01-01',
      store: dir,
    };
  });

  const rowsLeft = async (): Promise<number | null> => {
    const { rows } = await db().client.query(
      "select to_regclass('archive.kid_absences_2025') is not null as here",
    );
    if (!rows[0]?.here) return null;
    return (await db().client.query('select count(*)::int as n from archive.kid_absences_2025')).rows[0]?.n;
  };

  async function waitingOnLock(pid: number): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await db().client.query(
        "select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'",
        [pid],
      );
      if (rows.length) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`session ${pid} never waited on a lock`);
  }

  async function session(lockTimeout: string): Promise<{ client: pg.Client; pid: number }> {
    const client = await db().connect();
    const { rows } = await client.query<{ pid: number }>(
      "select pg_backend_pid() as pid, set_config('lock_timeout', $1, false)",
      [lockTimeout],
    );
    return { client, pid: rows[0]!.pid };
  }

  it('a row committed while the drop waits for its lock is seen: the drop is refused, the row kept', async () => {
    const writer = await db().connect();
    const dropper = await session('10s');
    const effects = new EffectRun(db().url, Date.now() + 30_000);
    try {
      await writer.query('begin');
      await writer.query("insert into archive.kid_absences_2025 values (999, '2025-06-01', 'late')");
      const drop = effects.run(dropper.client, step).then(
        (r) => r,
        (e: unknown) => e as Error,
      );
      await waitingOnLock(dropper.pid);
      await writer.query('commit');
      const result = await drop;
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toMatch(
        /^not dropped: archive\.kid_absences_2025 now has 301 rows \(checksum md5sum:[-0-9:]+\), its stored dump 300 /,
      );
      expect(await rowsLeft()).toBe(301);
      // Nothing left open: the drop's transaction was rolled back.
      expect(
        (await dropper.client.query<{ s: string }>('select pg_catalog.txid_current_if_assigned() as s')).rows,
      ).toEqual([{ s: null }]);
    } finally {
      await writer.end();
      await dropper.client.end();
      await effects.close();
    }
  });

  it('while another session holds the table, a lock timeout is tried again until the deadline; the table stays', async () => {
    const writer = await db().connect();
    const dropper = await session('100ms');
    const effects = new EffectRun(db().url, Date.now() + 1500);
    try {
      await writer.query('begin');
      await writer.query("insert into archive.kid_absences_2025 values (999, '2025-06-01', 'late')");
      const started = Date.now();
      const error = await effects.run(dropper.client, step).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^not dropped: canceling statement due to lock timeout \(gave up at the run deadline after (\d+) attempts\)$/,
      );
      expect(Number(/after (\d+) attempts/.exec((error as Error).message)?.[1])).toBeGreaterThan(1);
      expect(Date.now() - started).toBeLessThan(2500);
      await writer.query('rollback');
      expect(await rowsLeft()).toBe(300);
    } finally {
      await writer.end();
      await dropper.client.end();
      await effects.close();
    }
  });

  it('a table attached again under that name is refused at once: no lock taken, its readers never wait', async () => {
    await db().client.query(
      "alter table kid_absences attach partition archive.kid_absences_2025 for values from ('2025-01-01') to ('2026-01-01')",
    );
    const reader = await db().connect();
    const dropper = await session('10s');
    const effects = new EffectRun(db().url, Date.now() + 30_000);
    try {
      await reader.query('begin');
      await reader.query('select count(*) from kid_absences');
      const started = Date.now();
      const error = await effects.run(dropper.client, step).catch((e: unknown) => e as Error);
      expect((error as Error).message).toMatch(
        /archive\.kid_absences_2025 is not a detached table carrying the partition-keeper origin mark .*only those are dropped/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      await reader.query('commit');
      expect(await rowsLeft()).toBe(300);
    } finally {
      await reader.end();
      await dropper.client.end();
      await effects.close();
    }
  });

  it('with nobody in the way, the table is dropped (its rows are the dump’s)', async () => {
    const dropper = await session('1s');
    const effects = new EffectRun(db().url, Date.now() + 30_000);
    try {
      await expect(effects.run(dropper.client, step)).resolves.toMatchObject({ status: 'done' });
      expect(await rowsLeft()).toBeNull();
    } finally {
      await dropper.client.end();
      await effects.close();
    }
  });
});
