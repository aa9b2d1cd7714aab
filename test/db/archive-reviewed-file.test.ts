// Archival in the reviewed file: SQL steps as SQL, dump/verify/upload/drop as header lines that
// `apply --sql` carries out and psql skips (psql never dumps or drops anything).
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeOnServer } from '../helpers/backends';
import { partitionsOf } from '../helpers/catalog';
import { runCli, scratchDir, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';
import { readReviewedFile, writeReviewedFile } from '../../src/sql/reviewed-file';
import type { Step } from '../../src/steps/step';
import { kidAbsencesConfig } from '../helpers/kid-absences';

const KIDS = `
create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
create table kid_absences_2026 partition of kid_absences for values from ('2026-01-01') to ('2027-01-01');
create table kid_absences_2027 partition of kid_absences for values from ('2027-01-01') to ('2028-01-01');
create table kid_absences_2028 partition of kid_absences for values from ('2028-01-01') to ('2029-01-01');
insert into kid_absences select g % 20, date '2025-01-01' + (g / 20), 'r' from generate_series(0, 20 * 365 - 1) g;
`;

const parent = { schema: 'public', name: 'kid_absences' };
const base = { parent, from: '2025-01-01', to: '2026-01-01' };
const STEPS: Step[] = [
  { kind: 'detach', ...base, partition: { schema: 'public', name: 'kid_absences_2025' }, concurrently: true },
  {
    kind: 'move',
    ...base,
    partition: { schema: 'public', name: 'kid_absences_2025' },
    schema: 'archive',
    createSchema: false,
  },
  { kind: 'dump', ...base, partition: { schema: 'archive', name: 'kid_absences_2025' }, store: './dumps' },
  { kind: 'verify', ...base, partition: { schema: 'archive', name: 'kid_absences_2025' }, store: './dumps' },
  { kind: 'upload', ...base, partition: { schema: 'archive', name: 'kid_absences_2025' }, store: './dumps' },
  { kind: 'drop', ...base, partition: { schema: 'archive', name: 'kid_absences_2025' }, store: './dumps' },
];

describe('the reviewed file with archival steps', () => {
  const text = writeReviewedFile(STEPS, { now: '2027-03-01', lockTimeoutMs: 100, strategy: 'attach' });

  it('reads back into the same steps; non-SQL steps are a header and a comment', async () => {
    expect((await readReviewedFile(text)).steps.map((s) => s.step)).toEqual(STEPS);
    expect(text).toContain(
      "-- step 6/6: drop archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (store './dumps')\n" +
        '-- (not SQL: apply --sql carries this step out; psql skips it)\n',
    );
    expect(text).not.toMatch(/DROP TABLE/);
  });

  it('refuses SQL added under a non-SQL step, and archival steps inside BEGIN … COMMIT', async () => {
    const added = text.replace(
      '-- (not SQL: apply --sql carries this step out; psql skips it)\n',
      '-- (not SQL: apply --sql carries this step out; psql skips it)\nDROP TABLE archive.kid_absences_2025;\n',
    );
    await expect(readReviewedFile(added)).rejects.toThrow(
      /step 3 .*its SQL is not the SQL its header stands for/,
    );
    const wrapped = text
      .replace('-- step 1/6', 'BEGIN;\n-- step 1/6')
      .replace('-- step 2/6', 'COMMIT;\n-- step 2/6');
    await expect(readReviewedFile(wrapped)).rejects.toThrow(
      /step 1 \(detach concurrently\) cannot run inside the BEGIN … COMMIT block/,
    );
    const dumpWrapped = text
      .replace('-- step 3/6', 'BEGIN;\n-- step 3/6')
      .replace('-- step 4/6', 'COMMIT;\n-- step 4/6');
    await expect(readReviewedFile(dumpWrapped)).rejects.toThrow(
      /step 3 \(dump\) cannot run inside .*it is not SQL/,
    );
  });
});

describeOnServer('the reviewed file with archival steps, run', (db) => {
  beforeEach(async () => {
    await db().reset();
    await db().client.query('drop schema if exists archive cascade');
    await db().client.query(SEEDS_SCHEMA);
    await db().client.query(KIDS);
  });

  function configWith(dir: string): string {
    return writeConfig(kidAbsencesConfig({ dump: dir, drop: true }));
  }

  it('psql runs the SQL steps and skips the others: detached and moved, never dumped or dropped', async () => {
    const dir = scratchDir('dumps-');
    const sql = await runCli(
      ['plan', '--config', configWith(dir), '--now', '2027-03-01', '--format', 'sql'],
      {
        DATABASE_URL: db().url,
      },
    );
    expect(sql.code).toBe(0);
    const file = join(scratchDir('sql-'), 'plan.sql');
    writeFileSync(file, sql.stdout);
    const psql = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db().url, '-f', file], {
      encoding: 'utf8',
    });
    expect(psql.stderr).toBe('');
    expect(psql.status).toBe(0);
    expect((await partitionsOf(db().client, 'kid_absences')).map((p) => p.name)).not.toContain(
      'kid_absences_2025',
    );
    const { rows } = await db().client.query('select count(*)::int as n from archive.kid_absences_2025');
    expect(rows).toEqual([{ n: 20 * 365 }]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('apply --sql carries out every step, the dump and the drop included; run again, all already done', async () => {
    const dir = scratchDir('dumps-');
    const env = { DATABASE_URL: db().url };
    const sql = await runCli(
      ['plan', '--config', configWith(dir), '--now', '2027-03-01', '--format', 'sql'],
      env,
    );
    const file = join(scratchDir('sql-'), 'plan.sql');
    writeFileSync(file, sql.stdout);
    const first = await runCli(['apply', '--sql', file], env);
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^apply --sql: 6 steps: 6 done, 0 already done, 0 failed/);
    expect(
      await db()
        .client.query("select to_regclass('archive.kid_absences_2025') as t")
        .then((r) => r.rows),
    ).toEqual([{ t: null }]);
    expect(readdirSync(dir).sort()).toEqual([
      'archive.kid_absences_2025.pgdump',
      'archive.kid_absences_2025.pgdump.manifest.json',
    ]);
    const second = await runCli(['apply', '--sql', file], env);
    expect(second.code).toBe(0);
    // the table is gone and the store confirms its dump: every step finds its work done
    expect(second.stdout).toMatch(/^apply --sql: 6 steps: 0 done, 6 already done/);
  });

  it('a file edited to dump a table that is not ours is refused before anything leaves the database', async () => {
    const dir = scratchDir('dumps-');
    await db().client.query(
      "create table public.secrets (id int, token text); insert into public.secrets values (1, 'x')",
    );
    const other = { schema: 'public', name: 'secrets' };
    const steps: Step[] = [
      { kind: 'dump', ...base, partition: other, store: dir },
      { kind: 'verify', ...base, partition: other, store: dir },
      { kind: 'upload', ...base, partition: other, store: dir },
    ];
    const file = join(scratchDir('sql-'), 'plan.sql');
    writeFileSync(
      file,
      writeReviewedFile(steps, { now: '2027-03-01', lockTimeoutMs: 100, strategy: 'attach' }),
    );
    const result = await runCli(['apply', '--sql', file], { DATABASE_URL: db().url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /public\.secrets is not a detached table carrying the partition-keeper origin mark for public\.kid_absences \[2025-01-01, 2026-01-01\): only those are dumped/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('no drop relies on a directory inside the job workspace: the runner deletes it when the job ends', async () => {
    const dir = scratchDir('dumps-');
    const env = { DATABASE_URL: db().url };
    const sql = await runCli(
      ['plan', '--config', configWith(dir), '--now', '2027-03-01', '--format', 'sql'],
      env,
    );
    const file = join(scratchDir('sql-'), 'plan.sql');
    writeFileSync(file, sql.stdout);
    // The runner sets GITHUB_WORKSPACE for the whole process (apply's effects read the process's own).
    process.env.GITHUB_WORKSPACE = dir;
    const result = await runCli(['apply', '--sql', file], env).finally(() => {
      delete process.env.GITHUB_WORKSPACE;
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^apply --sql: 6 steps: 5 done, 0 already done, 1 failed/);
    expect(result.stderr).toMatch(/not dropped: .* lies in this job's workspace or temp directory/);
    const { rows } = await db().client.query('select count(*)::int as n from archive.kid_absences_2025');
    expect(rows).toEqual([{ n: 20 * 365 }]);
  });
});
