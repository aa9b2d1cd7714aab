// The archival steps' SQL on real PostgreSQL (server and PGlite): each safe to run twice, each
// refusing what is not ours, each asserting its result.
import type pg from 'pg';
import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend, describeOnServer, type TestDatabase } from '../helpers/backends';
import { partitionsOf } from '../helpers/catalog';
import { ALREADY_DONE, dropSql, markStoredSql, STEP_COMPLETE, stepStatements } from '../../src/sql/step-sql';
import type { EffectStep, Step } from '../../src/steps/step';

const parent = { schema: 'public', name: 'kid_absences' };
const y2025 = { parent, from: '2025-01-01', to: '2026-01-01' };
const inPublic = { schema: 'public', name: 'kid_absences_2025' };
const inArchive = { schema: 'archive', name: 'kid_absences_2025' };
const MARK = 'partition-keeper:v1 {"parent":"public.kid_absences","from":"2025-01-01","to":"2026-01-01"}';

const SCHEMA = `
create table kid_absences (kid_id int not null, date date not null, reason text, unique (kid_id, date)) partition by range (date);
create table kid_absences_2024 partition of kid_absences for values from ('2024-01-01') to ('2025-01-01');
create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
create table kid_absences_2026 partition of kid_absences for values from ('2026-01-01') to ('2027-01-01');
insert into kid_absences select g % 50, date '2024-06-01' + g, 'flu' from generate_series(0, 700) g;
`;

/** Runs a step's statements in order; returns the notices' details and messages. */
async function run(
  client: pg.Client,
  statements: string[],
): Promise<{ details: string[]; messages: string[] }> {
  const details: string[] = [];
  const messages: string[] = [];
  const listen = (n: { detail?: string; message?: string }): void => {
    details.push(n.detail ?? '');
    messages.push(n.message ?? '');
  };
  client.on('notice', listen);
  try {
    for (const [n, sql] of statements.entries()) {
      await client.query(sql);
      // as the runner does: a first statement finding the step done, or any finishing it, ends it
      if (
        (n === 0 && statements.length > 1 && details.includes(ALREADY_DONE)) ||
        details.includes(STEP_COMPLETE)
      )
        break;
    }
  } finally {
    client.off('notice', listen);
  }
  return { details, messages };
}

const sql = (step: Step): string[] => stepStatements(step, 'attach');

async function tableAt(client: pg.Client, name: string) {
  const { rows } = await client.query<{ schema: string; mark: string | null; attached: boolean }>(
    `select n.nspname as schema, obj_description(c.oid, 'pg_class') as mark, c.relispartition as attached
       from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relname = $1`,
    [name],
  );
  return rows;
}

describeEachBackend('archival step SQL', (db) => {
  const client = (): pg.Client => db().client;
  beforeEach(async () => {
    await db().reset();
    await client().query('drop schema if exists archive cascade');
    await client().query(SCHEMA);
  });

  for (const concurrently of [false, true]) {
    it(`detach (${concurrently ? 'concurrently' : 'plain'}): detached with its origin mark, rows kept; twice is already done`, async () => {
      const step: Step = { kind: 'detach', ...y2025, partition: inPublic, concurrently };
      expect(sql(step)).toHaveLength(concurrently ? 3 : 1);
      if (concurrently)
        expect(sql(step)[1]).toBe(
          'ALTER TABLE public.kid_absences DETACH PARTITION public.kid_absences_2025 CONCURRENTLY',
        );
      const first = await run(client(), sql(step));
      expect(first.details).not.toContain(ALREADY_DONE);
      expect((await partitionsOf(client(), 'kid_absences')).map((p) => p.name)).toEqual([
        'kid_absences_2024',
        'kid_absences_2026',
      ]);
      expect(await tableAt(client(), 'kid_absences_2025')).toEqual([
        { schema: 'public', mark: MARK, attached: false },
      ]);
      const { rows } = await client().query<{ n: string }>('select count(*) as n from kid_absences_2025');
      expect(Number(rows[0]!.n)).toBe(365);
      const second = await run(client(), sql(step));
      expect(second.details).toEqual([ALREADY_DONE]);
    });
  }

  it('detach refuses the last partition, another parent, other bounds, and an unmarked detached table', async () => {
    const detach = (name: string, from: string, to: string): Step => ({
      kind: 'detach',
      parent,
      partition: { schema: 'public', name },
      from,
      to,
      concurrently: false,
    });
    await client().query('alter table kid_absences detach partition kid_absences_2024');
    await client().query('alter table kid_absences detach partition kid_absences_2026');
    await expect(run(client(), sql(detach('kid_absences_2025', '2025-01-01', '2026-01-01')))).rejects.toThrow(
      /public\.kid_absences_2025 is the last partition of public\.kid_absences: it is never detached/,
    );
    await expect(run(client(), sql(detach('kid_absences_2024', '2024-01-01', '2025-01-01')))).rejects.toThrow(
      /kid_absences_2024 is not a partition of public\.kid_absences and carries no partition-keeper mark/,
    );
    await client().query(
      "alter table kid_absences attach partition kid_absences_2026 for values from ('2026-01-01') to ('2027-01-01')",
    );
    await expect(run(client(), sql(detach('kid_absences_2025', '2025-01-01', '2025-07-01')))).rejects.toThrow(
      /is a partition of public\.kid_absences FOR VALUES FROM \('2025-01-01'\) TO \('2026-01-01'\) \(UTC\), not/,
    );
    await client().query('create table other (date date) partition by range (date)');
    await client().query(
      "create table other_2030 partition of other for values from ('2030-01-01') to ('2031-01-01')",
    );
    await expect(run(client(), sql(detach('other_2030', '2030-01-01', '2031-01-01')))).rejects.toThrow(
      /other_2030 is a partition of other, not of public\.kid_absences/,
    );
    // nothing was changed by the refusals
    expect(await tableAt(client(), 'kid_absences_2025')).toEqual([
      { schema: 'public', mark: null, attached: true },
    ]);
  });

  it('move: creates the archive schema, moves the marked table; twice is already done; refuses an unmarked one', async () => {
    await run(client(), sql({ kind: 'detach', ...y2025, partition: inPublic, concurrently: false }));
    const move: Step = { kind: 'move', ...y2025, partition: inPublic, schema: 'archive', createSchema: true };
    expect((await run(client(), sql(move))).details).toEqual([]);
    expect(await tableAt(client(), 'kid_absences_2025')).toEqual([
      { schema: 'archive', mark: MARK, attached: false },
    ]);
    expect((await run(client(), sql(move))).details).toEqual([ALREADY_DONE]);

    await client().query('alter table kid_absences detach partition kid_absences_2024');
    const unmarked: Step = {
      kind: 'move',
      parent,
      partition: { schema: 'public', name: 'kid_absences_2024' },
      from: '2024-01-01',
      to: '2025-01-01',
      schema: 'archive',
      createSchema: false,
    };
    await expect(run(client(), sql(unmarked))).rejects.toThrow(
      /carries no partition-keeper mark .* it is not ours to move/,
    );
    expect(await tableAt(client(), 'kid_absences_2024')).toEqual([
      { schema: 'public', mark: null, attached: false },
    ]);
  });

  it('drop: only a detached table carrying our mark; twice is already done', async () => {
    const drop: EffectStep = { kind: 'drop', ...y2025, partition: inPublic, store: './archive' };
    await expect(run(client(), [dropSql(drop)])).rejects.toThrow(
      /is a partition of kid_absences: only detached, archived tables are dropped/,
    );
    await client().query('alter table kid_absences detach partition kid_absences_2025');
    await expect(run(client(), [dropSql(drop)])).rejects.toThrow(/it is not ours to drop/);
    await client().query(`comment on table kid_absences_2025 is '${MARK.replace('2026', '2027')}'`);
    await expect(run(client(), [dropSql(drop)])).rejects.toThrow(/it is not ours to drop/);
    await client().query(`comment on table kid_absences_2025 is '${MARK}'`);
    expect((await run(client(), [dropSql(drop)])).details).toEqual([]);
    expect(await tableAt(client(), 'kid_absences_2025')).toEqual([]);
    expect((await run(client(), [dropSql(drop)])).details).toEqual([ALREADY_DONE]);
  });

  it('the stored mark names the dump and still reads as ours', async () => {
    await run(client(), sql({ kind: 'detach', ...y2025, partition: inPublic, concurrently: false }));
    const upload: EffectStep = { kind: 'upload', ...y2025, partition: inPublic, store: "s3://bucket/it's" };
    await client().query(markStoredSql(upload, "s3://bucket/it's/public.kid_absences_2025.dump"));
    const [row] = await tableAt(client(), 'kid_absences_2025');
    expect(row?.mark).toBe(MARK.replace(/}$/, ',"dump":"s3://bucket/it\'s/public.kid_absences_2025.dump"}'));
    expect(
      (await run(client(), sql({ kind: 'detach', ...y2025, partition: inPublic, concurrently: true })))
        .details,
    ).toEqual([ALREADY_DONE]);
  });

  it('reattach: back into the parent schema with its bounds, rows from DEFAULT moved out first, mark cleared; twice is a no-op', async () => {
    await run(client(), sql({ kind: 'detach', ...y2025, partition: inPublic, concurrently: false }));
    await run(
      client(),
      sql({ kind: 'move', ...y2025, partition: inPublic, schema: 'archive', createSchema: true }),
    );
    await client().query('create table kid_absences_default partition of kid_absences default');
    await client().query(
      "insert into kid_absences values (999, '2025-05-05', 'late'), (998, '2031-01-01', 'far')",
    );
    const reattach: Step = { kind: 'reattach', ...y2025, partition: inArchive };
    await run(client(), sql(reattach));
    expect(await tableAt(client(), 'kid_absences_2025')).toEqual([
      { schema: 'public', mark: null, attached: true },
    ]);
    const { rows } = await client().query<{ name: string; n: string }>(
      `select tableoid::regclass::text as name, count(*) as n from kid_absences
        where date >= '2025-01-01' group by 1 order by 1`,
    );
    expect(rows.map((r) => [r.name, Number(r.n)])).toEqual([
      ['kid_absences_2025', 366],
      ['kid_absences_2026', 122],
      ['kid_absences_default', 1],
    ]);
    await run(client(), sql(reattach));
    expect(await tableAt(client(), 'kid_absences_2025')).toEqual([
      { schema: 'public', mark: null, attached: true },
    ]);
  });

  it('reattach refuses when columns no longer match, and when another partition took the range (naming it)', async () => {
    await run(client(), sql({ kind: 'detach', ...y2025, partition: inPublic, concurrently: false }));
    await run(
      client(),
      sql({ kind: 'move', ...y2025, partition: inPublic, schema: 'archive', createSchema: true }),
    );
    const reattach: Step = { kind: 'reattach', ...y2025, partition: inArchive };
    await client().query('alter table archive.kid_absences_2025 add column extra int');
    await expect(run(client(), sql(reattach))).rejects.toThrow(
      /archive\.kid_absences_2025 has columns \(date date, extra integer, kid_id integer, reason text\), no longer those of public\.kid_absences/,
    );
    await client().query('alter table archive.kid_absences_2025 drop column extra');
    await client().query(
      "create table kid_absences_h1 partition of kid_absences for values from ('2025-01-01') to ('2025-07-01')",
    );
    await expect(run(client(), sql(reattach))).rejects.toThrow(/would overlap partition "kid_absences_h1"/);
  });
});

describeOnServer('archival step SQL: a pending detach', (db: () => TestDatabase) => {
  beforeEach(async () => {
    await db().reset();
    await db().client.query(SCHEMA);
  });

  it('a DETACH CONCURRENTLY cut off in its second phase is finished by finalize, and by detach run again', async () => {
    const { Client } = (await import('pg')).default;
    const reader = new Client({ connectionString: db().url });
    await reader.connect();
    try {
      // A reader's open transaction makes the second phase wait; lock_timeout cuts it off: pending.
      await reader.query('begin; select count(*) from kid_absences');
      await db().client.query("set lock_timeout = '200ms'");
      await expect(
        db().client.query('alter table kid_absences detach partition kid_absences_2025 concurrently'),
      ).rejects.toThrow(/lock timeout/);
      const pending = await db().client.query<{ p: boolean }>(
        "select inhdetachpending as p from pg_inherits where inhrelid = 'kid_absences_2025'::regclass",
      );
      expect(pending.rows).toEqual([{ p: true }]);
      await reader.query('commit');
      // detach run again (the runner retries from the first statement): it finalizes and stops
      const detach: Step = { kind: 'detach', ...y2025, partition: inPublic, concurrently: true };
      const again = await run(db().client, sql(detach));
      expect(again.details).toEqual([STEP_COMPLETE]);
      expect(await tableAt(db().client, 'kid_absences_2025')).toEqual([
        { schema: 'public', mark: MARK, attached: false },
      ]);
      // finalize on a detached, marked table: already done
      const finalize: Step = { kind: 'finalize', ...y2025, partition: inPublic };
      expect((await run(db().client, sql(finalize))).details).toEqual([ALREADY_DONE]);
    } finally {
      await db().client.query('reset lock_timeout');
      await reader.end();
    }
  });

  it('finalize finishes a pending detach and marks the table', async () => {
    const { Client } = (await import('pg')).default;
    const reader = new Client({ connectionString: db().url });
    await reader.connect();
    try {
      await reader.query('begin; select count(*) from kid_absences');
      await db().client.query("set lock_timeout = '200ms'");
      await expect(
        db().client.query('alter table kid_absences detach partition kid_absences_2025 concurrently'),
      ).rejects.toThrow(/lock timeout/);
      await reader.query('commit');
      const finalize: Step = { kind: 'finalize', ...y2025, partition: inPublic };
      expect((await run(db().client, sql(finalize))).details).toEqual([]);
      expect(await tableAt(db().client, 'kid_absences_2025')).toEqual([
        { schema: 'public', mark: MARK, attached: false },
      ]);
      expect((await run(db().client, sql(finalize))).details).toEqual([ALREADY_DONE]);
    } finally {
      await db().client.query('reset lock_timeout');
      await reader.end();
    }
  });
});
