// Archival end to end on the PostgreSQL server (pg_dump needs one), dumps stored in a real
// S3-compatible server (s3rver on 127.0.0.1, reached through the AWS SDK) or a directory: the
// kid_absences seed flow row for row and back, the claims tables with 7-year retention, and plan
// listing exactly what apply then does.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { describeOnServer } from '../helpers/backends';
import { partitionsOf, relationsOf } from '../helpers/catalog';
import { runCli, scratchDir, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';
import { useS3Server } from '../helpers/s3-server';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openStore } from '../../src/run/archive';
import { kidAbsencesConfig } from '../helpers/kid-absences';

const KIDS = `
create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
create table kid_absences_2026 partition of kid_absences for values from ('2026-01-01') to ('2027-01-01');
create table kid_absences_2027 partition of kid_absences for values from ('2027-01-01') to ('2028-01-01');
create table kid_absences_2028 partition of kid_absences for values from ('2028-01-01') to ('2029-01-01');
-- awkward text on purpose: quotes, backslashes, tabs, newlines, unicode, NULL
insert into kid_absences
select g % 40, date '2025-01-01' + (g / 40), case g % 5 when 0 then null when 1 then E'flu\\tand \\\\ cold' when 2 then 'it''s "fine"' when 3 then E'line\\nbreak' else 'Grüße ☃' end
  from generate_series(0, 40 * 365 - 1) g;
insert into kid_absences values (1, '2026-02-02', 'kept'), (2, '2027-03-03', 'kept');
`;

interface Row {
  kid_id: string;
  date: string;
  reason: string | null;
}
const rowsOf = async (query: (sql: string) => Promise<unknown[]>, table: string) =>
  (await query(`select kid_id, date::text, reason from ${table} order by kid_id, date`)) as Row[];

describeOnServer('archival end to end', (db) => {
  useS3Server('kids-archive');

  const env = () => ({ ...process.env, DATABASE_URL: db().url });
  const cli = (...args: string[]) => runCli(args, env());
  const query = async (sql: string) => (await db().client.query(sql)).rows;

  beforeEach(async () => {
    await db().reset();
    await db().client.query('drop schema if exists archive cascade');
    await db().client.query(SEEDS_SCHEMA);
  });

  const kidsConfig = (archive: string) => writeConfig(kidAbsencesConfig(archive));

  it('kid_absences: 2025 → archive.kid_absences_2025 → dump → verify → upload → drop → reattach --from-dump: every row back', async () => {
    await db().client.query(KIDS);
    await db().client.query('drop schema archive'); // apply creates it
    const before = await rowsOf(query, 'kid_absences_2025');
    expect(before).toHaveLength(40 * 365);
    const config = kidsConfig(
      `      schema: archive\n      dump: s3://kids-archive/absences\n      drop: true`,
    );

    // plan: exactly these steps, and nothing changes
    const relations = await relationsOf(db().client);
    const planned = await cli('plan', '--config', config, '--now', '2027-03-01', '--format', 'json');
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as { steps: { kind: string; description: string }[] };
    expect(plan.steps.map((s) => s.description)).toEqual([
      'detach public.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (concurrently)',
      'move public.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences to schema archive (creates the schema)',
      "dump archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (store 's3://kids-archive/absences')",
      "verify archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (store 's3://kids-archive/absences')",
      "upload archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (store 's3://kids-archive/absences')",
      "drop archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (store 's3://kids-archive/absences')",
    ]);
    expect(await relationsOf(db().client)).toEqual(relations);

    // apply does exactly those steps
    const applied = await cli('apply', '--config', config, '--now', '2027-03-01', '--log-format', 'json');
    expect(applied.code).toBe(0);
    const done = applied.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { message: string })
      .filter((e) => e.message.startsWith('done: '))
      .map((e) => e.message.replace(/^done: step \d+\/\d+ /, ''));
    expect(done).toEqual(plan.steps.map((s) => s.description));

    expect((await partitionsOf(db().client, 'kid_absences')).map((p) => p.name)).toEqual([
      'kid_absences_2026',
      'kid_absences_2027',
      'kid_absences_2028',
    ]);
    expect(await query("select to_regclass('archive.kid_absences_2025') as t")).toEqual([{ t: null }]);
    const store = openStore('s3://kids-archive/absences', process.env);
    const manifest = await store.getManifest('archive.kid_absences_2025.pgdump');
    expect(manifest).toMatchObject({
      table: 'archive.kid_absences_2025',
      parent: 'public.kid_absences',
      from: '2025-01-01',
      to: '2026-01-01',
      rows: 40 * 365,
      file: 'archive.kid_absences_2025.pgdump',
    });
    expect(await store.confirm(manifest!.file, manifest!.sha256)).toBe(true);

    // a second run finds nothing left to do
    const again = await cli('plan', '--config', config, '--now', '2027-03-01', '--format', 'json');
    expect((JSON.parse(again.stdout) as { steps: unknown[] }).steps).toEqual([]);

    // rollback from the dump: verified, restored, attached with its bounds, every row back
    const back = await cli(
      'reattach',
      '--from-dump',
      's3://kids-archive/absences/archive.kid_absences_2025.pgdump',
    );
    expect(back.stderr).not.toMatch(/error/);
    expect(back.code).toBe(0);
    expect(await partitionsOf(db().client, 'kid_absences')).toContainEqual({
      name: 'kid_absences_2025',
      bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    });
    expect(await query("select to_regclass('archive.kid_absences_2025') as t")).toEqual([{ t: null }]);
    expect(await rowsOf(query, 'public.kid_absences_2025')).toEqual(before);
    expect(
      await query("select obj_description('public.kid_absences_2025'::regclass, 'pg_class') as mark"),
    ).toEqual([{ mark: null }]);

    // run again: already back, nothing restored twice
    const twice = await cli(
      'reattach',
      '--from-dump',
      's3://kids-archive/absences/archive.kid_absences_2025.pgdump',
    );
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(/^reattach: already done: /);
    expect(await rowsOf(query, 'public.kid_absences_2025')).toEqual(before);
    expect(await query("select to_regclass('archive.kid_absences_2025') as t")).toEqual([{ t: null }]);
  });

  it('with a DEFAULT partition: plain detach; rows that landed in DEFAULT move back into the reattached table', async () => {
    await db().client.query(KIDS);
    await db().client.query('create table kid_absences_default partition of kid_absences default');
    const before = await rowsOf(query, 'kid_absences_2025');
    const dir = scratchDir('dumps-');
    const config = kidsConfig(`      schema: archive\n      dump: ${dir}\n      drop: true`);
    const planned = await cli('plan', '--config', config, '--now', '2027-03-01', '--format', 'json');
    expect(
      (JSON.parse(planned.stdout) as { steps: { description: string }[] }).steps[0]?.description,
    ).toMatch(/\(plain\)$/);
    const applied = await cli('apply', '--config', config, '--now', '2027-03-01');
    expect(applied.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'archive.kid_absences_2025.pgdump',
      'archive.kid_absences_2025.pgdump.manifest.json',
    ]);
    // a late row for 2025 now lands in DEFAULT
    await db().client.query("insert into kid_absences values (99, '2025-12-31', 'late')");
    const back = await cli('reattach', '--from-dump', `${dir}/archive.kid_absences_2025.pgdump`);
    expect(back.code).toBe(0);
    expect(await query('select count(*)::int as n from kid_absences_default')).toEqual([{ n: 0 }]);
    expect(await rowsOf(query, 'public.kid_absences_2025')).toEqual(
      [...before, { kid_id: '99', date: '2025-12-31', reason: 'late' }].sort(
        (a, b) => Number(a.kid_id) - Number(b.kid_id) || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0),
      ),
    );
  });

  it('claims: claim_line_items with 7-year retention, archived into a directory and kept', async () => {
    const months = ['2016-12', '2017-01', '2017-02', '2017-03'];
    for (const m of months) {
      const [y, mm] = m.split('-').map(Number) as [number, number];
      const next = mm === 12 ? `${y + 1}-01-01` : `${y}-${String(mm + 1).padStart(2, '0')}-01`;
      await db().client.query(
        `create table claim_line_items_y${y}m${String(mm).padStart(2, '0')} partition of claim_line_items for values from ('${m}-01') to ('${next}')`,
      );
    }
    await db().client.query(
      "insert into claim_line_items (claim_id, service_date, amount) select g, date '2016-12-01' + (g % 120), g / 100.0 from generate_series(1, 3000) g",
    );
    const dir = scratchDir('claims-');
    const config = writeConfig(`
tables:
  - table: public.claim_line_items
    interval: month
    naming: "{parent}_y{YYYY}m{MM}"
    premake: 2
    start: 2024-02-01
    retention: 7 years
    archive:
      schema: archive
      dump: ${dir}
      drop: false
`);
    const applied = await cli('apply', '--config', config, '--now', '2024-03-15');
    expect(applied.code).toBe(0);
    const archived = await query(
      "select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'archive' and c.relkind = 'r' order by 1",
    );
    expect(archived).toEqual([
      { name: 'claim_line_items_y2016m12' },
      { name: 'claim_line_items_y2017m01' },
      { name: 'claim_line_items_y2017m02' },
    ]);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.pgdump'))
        .sort(),
    ).toEqual([
      'archive.claim_line_items_y2016m12.pgdump',
      'archive.claim_line_items_y2017m01.pgdump',
      'archive.claim_line_items_y2017m02.pgdump',
    ]);
    expect((await partitionsOf(db().client, 'claim_line_items')).map((p) => p.name)).toEqual([
      'claim_line_items_y2017m03',
      'claim_line_items_y2024m02',
      'claim_line_items_y2024m03',
      'claim_line_items_y2024m04',
      'claim_line_items_y2024m05',
    ]);
    // kept, marked with where its dump is; the next run has nothing to do
    const [mark] = await query(
      "select obj_description('archive.claim_line_items_y2017m01'::regclass, 'pg_class') as m",
    );
    expect(JSON.parse(String((mark as { m: string }).m).replace(/^partition-keeper:v1 /, ''))).toEqual({
      parent: 'public.claim_line_items',
      from: '2017-01-01',
      to: '2017-02-01',
      dump: `${dir}/archive.claim_line_items_y2017m01.pgdump`,
    });
    const again = await cli('plan', '--config', config, '--now', '2024-03-15', '--format', 'json');
    expect((JSON.parse(again.stdout) as { steps: unknown[] }).steps).toEqual([]);

    // a run cut off between storing a dump and recording it in the mark: the next run finds the
    // dumps in the store (manifest, sha256 confirmed, same rows) and stores nothing again
    const stored = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]);
    await db().client.query(`do $$ declare t record; begin
      for t in select c.oid, obj_description(c.oid, 'pg_class') as m from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'archive' and c.relkind = 'r' loop
        execute format('comment on table %s is %L', t.oid::regclass, regexp_replace(t.m, ',"dump":"[^"]*"}$', '}'));
      end loop; end $$`);
    const resumed = await cli('apply', '--config', config, '--now', '2024-03-15', '--log-format', 'json');
    expect(resumed.code).toBe(0);
    const statuses = resumed.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { message: string }).message)
      .filter((m) => /^(done|already done): step/.test(m))
      .map((m) => m.replace(/ archive\.claim_line_items_y\d+m\d+ .*/, ''));
    expect(statuses).toEqual(
      Array.from({ length: 3 }, (_, i) => [
        `already done: step ${3 * i + 1}/9 dump`,
        `already done: step ${3 * i + 2}/9 verify`,
        `already done: step ${3 * i + 3}/9 upload`,
      ]).flat(),
    );
    expect(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs])).toEqual(stored);
    const final = await cli('plan', '--config', config, '--now', '2024-03-15', '--format', 'json');
    expect((JSON.parse(final.stdout) as { steps: unknown[] }).steps).toEqual([]);
  });

  it('the drop is blocked by a corrupted object, a wrong sha256 in the manifest, or rows changed since the dump', async () => {
    await db().client.query(KIDS);
    const keep = kidsConfig(
      `      schema: archive\n      dump: s3://kids-archive/blocked\n      drop: false`,
    );
    const drop = kidsConfig(`      schema: archive\n      dump: s3://kids-archive/blocked\n      drop: true`);
    expect((await cli('apply', '--config', keep, '--now', '2027-03-01')).code).toBe(0);
    const client = new S3Client({ forcePathStyle: true });
    const key = 'blocked/archive.kid_absences_2025.pgdump';
    const original = await (
      await client.send(new GetObjectCommand({ Bucket: 'kids-archive', Key: key }))
    ).Body!.transformToByteArray();
    const manifestKey = `${key}.manifest.json`;
    const manifestText = await (
      await client.send(new GetObjectCommand({ Bucket: 'kids-archive', Key: manifestKey }))
    ).Body!.transformToString();
    const put = (k: string, body: Uint8Array | string) =>
      client.send(new PutObjectCommand({ Bucket: 'kids-archive', Key: k, Body: body }));
    const dropRefused = async (why: RegExp, rows = 40 * 365) => {
      const run = await cli('apply', '--config', drop, '--now', '2027-03-01');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(why);
      expect(await query('select count(*)::int as n from archive.kid_absences_2025')).toEqual([{ n: rows }]);
    };
    try {
      // one byte flipped in the stored dump
      const corrupted = Uint8Array.from(original);
      corrupted[corrupted.length >> 1] = (corrupted[corrupted.length >> 1] ?? 0) ^ 0xff;
      await put(key, corrupted);
      await dropRefused(
        /failed: step 1\/1 drop .*not dropped: the store does not show archive\.kid_absences_2025\.pgdump with the sha256 its manifest records/,
      );
      await put(key, original);
      // the manifest records another sha256
      const manifest = JSON.parse(manifestText) as { sha256: string };
      await put(manifestKey, JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }));
      await dropRefused(/not dropped: the store does not show .* with the sha256 its manifest records/);
      await put(manifestKey, manifestText);
      // a row written into the archived table after its dump
      await db().client.query("insert into archive.kid_absences_2025 values (777, '2025-07-07', 'late')");
      await dropRefused(
        /not dropped: archive\.kid_absences_2025 now has 14601 rows .* its stored dump 14600/,
        40 * 365 + 1,
      );
      await db().client.query("delete from archive.kid_absences_2025 where reason = 'late'");
      // all as stored again: dropped
      expect((await cli('apply', '--config', drop, '--now', '2027-03-01')).code).toBe(0);
      expect(await query("select to_regclass('archive.kid_absences_2025') as t")).toEqual([{ t: null }]);
    } finally {
      client.destroy();
    }
  });

  it('reattach TABLE: the seed rollback; refuses a table without our mark, naming why', async () => {
    await db().client.query(KIDS);
    const before = await rowsOf(query, 'kid_absences_2025');
    const config = kidsConfig(`      schema: archive`);
    expect((await cli('apply', '--config', config, '--now', '2027-03-01')).code).toBe(0);
    expect(await query('select count(*)::int as n from archive.kid_absences_2025')).toEqual([
      { n: 40 * 365 },
    ]);

    const back = await cli('reattach', 'archive.kid_absences_2025');
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(
      'reattach: done: reattach archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences\n',
    );
    expect(await partitionsOf(db().client, 'kid_absences')).toContainEqual({
      name: 'kid_absences_2025',
      bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    });
    expect(await rowsOf(query, 'public.kid_absences_2025')).toEqual(before);

    await db().client.query('create table archive.by_hand (kid_id bigint, date date, reason text)');
    const refused = await cli('reattach', 'archive.by_hand');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(
      'reattach: refused, nothing was attached: archive.by_hand carries no partition-keeper origin mark: ' +
        'reattach puts back only what partition-keeper archived\n',
    );
    const missing = await cli('reattach', 'archive.kid_absences_1999');
    expect(missing.stdout).toMatch(
      /archive\.kid_absences_1999 does not exist; if it was dropped, reattach --from-dump its dump/,
    );
    const usage = await cli('reattach');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/reattach takes a TABLE or --from-dump FILE\|s3:\/\/…, one of them/);
  });

  it('a detach left pending by an interrupted run is finalized by the next apply, then archived', async () => {
    await db().client.query(KIDS);
    const { Client } = (await import('pg')).default;
    const reader = new Client({ connectionString: db().url });
    await reader.connect();
    try {
      await reader.query('begin; select count(*) from kid_absences');
      await db().client.query("set lock_timeout = '200ms'");
      await expect(
        db().client.query('alter table kid_absences detach partition kid_absences_2025 concurrently'),
      ).rejects.toThrow(/lock timeout/);
      await db().client.query('reset lock_timeout');
    } finally {
      await reader.query('commit');
      await reader.end();
    }
    const config = kidsConfig(`      schema: archive`);
    const planned = await cli('plan', '--config', config, '--now', '2027-03-01', '--format', 'json');
    const plan = JSON.parse(planned.stdout) as { steps: { description: string }[] };
    expect(plan.steps.map((s) => s.description)).toEqual([
      'finalize public.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences',
      'move public.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences to schema archive',
    ]);
    expect((await cli('apply', '--config', config, '--now', '2027-03-01')).code).toBe(0);
    expect(await query('select count(*)::int as n from archive.kid_absences_2025')).toEqual([
      { n: 40 * 365 },
    ]);
    expect((await partitionsOf(db().client, 'kid_absences')).map((p) => p.name)).toEqual([
      'kid_absences_2026',
      'kid_absences_2027',
      'kid_absences_2028',
    ]);
  });

  it('without archive: apply leaves due partitions alone and says so', async () => {
    await db().client.query(KIDS);
    const config = writeConfig(kidAbsencesConfig());
    const relations = await relationsOf(db().client);
    const applied = await cli('apply', '--config', config, '--now', '2027-03-01');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/1 partition due for archival, not touched \(no archive: in the config\)/);
    expect(await relationsOf(db().client)).toEqual(relations);
  });
});
