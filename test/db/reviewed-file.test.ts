// Reviewed files that cannot lie, on real PostgreSQL (server and PGlite): each step checks what it
// finds and fails naming it, under apply --sql and under psql alike; a file that is not what its
// headers say is refused before any statement runs; a reviewer may delete whole steps.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, expect, it } from 'vitest';
import pg from 'pg';
import { describeEachBackend } from '../helpers/backends';
import { boundTo } from '../helpers/apply';
import { writeConfig } from '../helpers/cli';
import { executeStep } from '../../src/run/execute';

const run = promisify(execFile);

/** psql as a reviewer would run the file: stop at the first error. */
async function psql(url: string, file: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describeEachBackend('reviewed files', (db) => {
  const { cli, query, partitionsOf, relations } = boundTo(db);
  const CONFIG = 'tables:\n  - table: orders\n    interval: month\n    premake: 1\n';

  beforeEach(async () => {
    await db().reset();
    await db().client.query(
      'create table orders (id int not null, day date not null) partition by range (day)',
    );
  });

  async function reviewedFile(config = CONFIG, now = '2024-02-15'): Promise<string> {
    const configFile = writeConfig(config);
    const rendered = await cli('plan', '--config', configFile, '--now', now, '--format', 'sql');
    expect(rendered.code).toBe(0);
    const file = join(dirname(configFile), 'reviewed.sql');
    writeFileSync(file, rendered.stdout);
    return file;
  }

  it.each([
    [
      'a same-named table attached to another parent',
      `create table other (id int not null, day date not null) partition by range (day);
       create table orders_y2024m02 partition of other for values from ('2024-02-01') to ('2024-03-01');`,
      /orders_y2024m02 is a partition of other, not of public\.orders/,
    ],
    [
      'a plain table with an extra column',
      'create table orders_y2024m02 (id int not null, day date not null, extra text)',
      /orders_y2024m02 is a table that is not a partition of public\.orders/,
    ],
    [
      'a view',
      'create view orders_y2024m02 as select 1 as one',
      /orders_y2024m02 is a view \(relkind v\), not a table/,
    ],
  ])('%s makes apply --sql and psql fail on that step, naming what it found', async (_, stray, message) => {
    const file = await reviewedFile();
    await db().client.query(stray);
    const before = await relations();
    const applied = await cli('apply', '--sql', file);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(message);
    expect(applied.stderr).toMatch(/failed: step 1\/2 create public\.orders_y2024m02/);
    // The step after it belongs to the same table: not run.
    expect(applied.stderr).toMatch(/not run: step 2\/2 .*: step 1 of this table failed/);
    expect(await relations()).toEqual(before);
    const byPsql = await psql(db().url, file);
    expect(byPsql.code).not.toBe(0);
    expect(byPsql.out).toMatch(message);
    expect(await relations()).toEqual(before);
  });

  it('a plain table the plan was told to adopt, but with other columns, is refused naming both column lists', async () => {
    await db().client.query('create table orders_y2024m02 (id int not null, day date not null)');
    const file = await reviewedFile();
    expect(await query('select 1')).toHaveLength(1);
    await db().client.query('alter table orders_y2024m02 add column extra text');
    const applied = await cli('apply', '--sql', file);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(
      /orders_y2024m02 has columns \(day date, extra text, id integer\), not those of public\.orders \(day date, id integer\)/,
    );
  });

  it('a table named with a line break: planned, applied, and its file run twice by psql and apply --sql, nothing else touched', async () => {
    await db().client.query(
      `create table "odd\nname" (id int not null, day date not null) partition by range (day)`,
    );
    const config = 'tables:\n  - table: "\\"odd\\nname\\""\n    interval: month\n    premake: 1\n';
    const file = await reviewedFile(config);
    const text = (await import('node:fs')).readFileSync(file, 'utf8');
    expect(text).toContain(
      '-- step 1/2: create public."odd\\nname_y2024m02" [2024-02-01, 2024-03-01) of public."odd\\nname" (current)',
    );
    const before = await relations();
    expect((await psql(db().url, file)).code).toBe(0);
    const made = await relations();
    expect(made.filter((r) => !before.includes(r)).sort()).toEqual([
      'public.odd\nname_y2024m02:r:true',
      'public.odd\nname_y2024m03:r:true',
    ]);
    expect((await psql(db().url, file)).code).toBe(0);
    const first = await cli('apply', '--sql', file);
    expect(first.stdout).toMatch(/^apply --sql: 2 steps: 0 done, 2 already done, 0 failed/);
    expect(first.code).toBe(0);
    expect(await relations()).toEqual(made);
    expect((await partitionsOf('public."odd\nname"')).map((p) => p.bound)).toEqual([
      "FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
      "FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
    ]);
  });

  it.each([
    [
      'a psql meta-command',
      (t: string) => t.replace('\n-- step 2/2', '\n\\i /etc/passwd\n-- step 2/2'),
      /line \d+: psql meta-command \\i/,
    ],
    [
      'DISCARD ALL in a step',
      (t: string) => t.replace('\n-- step 2/2', '\nDISCARD ALL;\n-- step 2/2'),
      /DISCARD would drop the run lock/,
    ],
    [
      'SET lock_timeout built dynamically inside DO',
      (t: string) =>
        t.replace(
          '\n-- step 2/2',
          () => "\nDO $$ BEGIN EXECUTE 'SET lock_' || 'timeout = 0'; END $$;\n-- step 2/2",
        ),
      /builds SET lock_timeout \(or the like\) at run time/,
    ],
    [
      'SQL outside any step',
      (t: string) =>
        t.replace("SET lock_timeout = '100ms';", "SET lock_timeout = '100ms';\nDROP TABLE orders;"),
      /line 7: SQL outside any step/,
    ],
    [
      'a header that no longer matches its SQL',
      (t: string) =>
        t.replace(
          '-- step 2/2: create public.orders_y2024m03 [2024-03-01, 2024-04-01)',
          '-- step 2/2: create public.orders_y2024m03 [2024-03-01, 2024-05-01)',
        ),
      /step 2 \(header at line \d+\): its SQL is not the SQL its header stands for/,
    ],
    [
      'a step edited inside',
      (t: string) => t.replace(/(-- step 2\/2[^\n]*\nDO \$pk\$\n)/, '$1-- tweak\n'),
      /step 2 \(header at line \d+\): its SQL is not the SQL its header stands for/,
    ],
  ])('%s: refused with its line, before any statement runs (exit 2)', async (_, edit, message) => {
    const file = await reviewedFile();
    const fs = await import('node:fs');
    fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
    const before = await relations();
    const result = await cli('apply', '--sql', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused, nothing was run/);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/holding the run lock/);
    expect(await relations()).toEqual(before);
  });

  it('a reviewer deletes one whole step: the rest runs and holds', async () => {
    const file = await reviewedFile('tables:\n  - table: orders\n    interval: month\n    premake: 2\n');
    const fs = await import('node:fs');
    const text = fs.readFileSync(file, 'utf8');
    const start = text.indexOf('-- step 2/3');
    const end = text.indexOf('-- step 3/3');
    fs.writeFileSync(file, text.slice(0, start) + text.slice(end));
    const result = await cli('apply', '--sql', file);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^apply --sql: 2 steps: 2 done/);
    expect((await partitionsOf('orders')).map((p) => p.name)).toEqual(['orders_y2024m02', 'orders_y2024m04']);
    // And psql runs the same cut file as a no-op now.
    expect((await psql(db().url, file)).code).toBe(0);
  });

  it('a unit that fails inside an explicit BEGIN … COMMIT block is rolled back whole', async () => {
    const client = await db().connect();
    try {
      const outcome = await executeStep(
        client,
        {
          kind: 'create',
          parent: { schema: 'public', name: 'orders' },
          partition: { schema: 'public', name: 'x' },
          from: '2024-01-01',
          to: '2024-02-01',
          reason: 'gap',
          adopt: false,
          defaultRows: 0,
        },
        1,
        [{ sql: 'BEGIN; CREATE TABLE half_made (id int); SELECT 1 / 0; COMMIT;', transaction: true }],
        { deadline: Date.now() + 5000 },
      );
      expect(outcome).toMatchObject({ status: 'failed', error: 'division by zero' });
      expect((await client.query(`select to_regclass('half_made') as r`)).rows).toEqual([{ r: null }]);
      // The connection is usable again: the block did not leave a transaction open.
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
void pg;
