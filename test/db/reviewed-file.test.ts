// Reviewed files that cannot lie, on real PostgreSQL (server and PGlite): each step checks what it
// finds and fails naming it, under apply --sql and under psql alike; a file that is not what its
// headers say is refused before any statement runs; a reviewer may delete whole steps.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { describeEachBackend } from '../helpers/backends';
import { boundTo } from '../helpers/apply';
import { writeConfig } from '../helpers/cli';

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
    [
      'a DEFAULT partition made since the plan (the step was written for a parent without one)',
      'create table orders_default partition of orders default',
      /public\.orders has a DEFAULT partition \(orders_default\) that it did not have when this step was planned; nothing was changed: plan again/,
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
      'the lock bound lifted for psql (SET lock_timeout = 0)',
      (t: string) => t.replace("SET lock_timeout = '100ms';", 'SET lock_timeout = 0;'),
      /line 6: SET lock_timeout must bound lock waits for psql/,
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

  describe('steps a reviewer groups with BEGIN … COMMIT', () => {
    const TWO_TABLES = `${CONFIG}  - table: events\n    interval: month\n    premake: 1\n`;

    /** The reviewed file for orders and events, with orders' two steps wrapped in one block. */
    async function groupedFile(): Promise<string> {
      await query('create table events (id int not null, day date not null) partition by range (day)');
      const file = await reviewedFile(TWO_TABLES);
      const fs = await import('node:fs');
      const text = fs.readFileSync(file, 'utf8');
      expect(text).toMatch(/-- step 1\/4: create public\.orders_y2024m02/);
      expect(text).toMatch(/-- step 3\/4: create public\.events_y2024m02/);
      fs.writeFileSync(
        file,
        text.replace('-- step 1/4', 'BEGIN;\n-- step 1/4').replace('-- step 3/4', 'COMMIT;\n\n-- step 3/4'),
      );
      return file;
    }

    it('a failing step rolls its whole block back; the rest of that table is not run, other tables go on', async () => {
      const file = await groupedFile();
      // Step 2 fails: a view stands under its name.
      await query('create view orders_y2024m03 as select 1 as one');
      const result = await cli('apply', '--sql', file);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/failed: step 2\/4 .*orders_y2024m03/);
      expect(result.stderr).toMatch(
        /not run: step 1\/4 .*rolled back: step 2 of its BEGIN … COMMIT block failed/,
      );
      expect(await partitionsOf('orders')).toEqual([]);
      expect((await partitionsOf('events')).map((p) => p.name)).toEqual([
        'events_y2024m02',
        'events_y2024m03',
      ]);

      // psql on the same file leaves the block wholly undone too.
      await query('drop table events_y2024m02, events_y2024m03');
      expect((await psql(db().url, file)).code).not.toBe(0);
      expect(await partitionsOf('orders')).toEqual([]);
    });

    it('a block that succeeds is committed, and runs again as already done', async () => {
      const file = await groupedFile();
      const first = await cli('apply', '--sql', file);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^apply --sql: 4 steps: 4 done/);
      expect((await partitionsOf('orders')).map((p) => p.name)).toEqual([
        'orders_y2024m02',
        'orders_y2024m03',
      ]);
      const again = await cli('apply', '--sql', file);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/4 already done/);
      expect((await psql(db().url, file)).code).toBe(0);
    });

    it.each([
      [
        'a block across two tables',
        (t: string) =>
          t.replace('-- step 1/4', 'BEGIN;\n-- step 1/4').replace('-- step 4/4', 'COMMIT;\n-- step 4/4'),
        /groups steps of two tables/,
      ],
      [
        'a BEGIN without COMMIT',
        (t: string) => t.replace('-- step 3/4', 'BEGIN;\n-- step 3/4'),
        /this BEGIN has no COMMIT after it/,
      ],
      [
        'a COMMIT without BEGIN',
        (t: string) => t.replace('-- step 3/4', 'COMMIT;\n-- step 3/4'),
        /COMMIT without a BEGIN/,
      ],
      [
        'a ROLLBACK',
        (t: string) => t.replace('-- step 3/4', 'ROLLBACK;\n-- step 3/4'),
        /ROLLBACK: a reviewed file may group steps with a plain BEGIN … COMMIT/,
      ],
      [
        'a BEGIN with options',
        (t: string) => t.replace('-- step 3/4', 'BEGIN READ ONLY;\n-- step 3/4').replace(/$/, 'COMMIT;\n'),
        /BEGIN: a reviewed file may group steps/,
      ],
    ])('%s is refused before anything runs', async (_, edit, message) => {
      await query('create table events (id int not null, day date not null) partition by range (day)');
      const file = await reviewedFile(TWO_TABLES);
      const fs = await import('node:fs');
      fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
      const before = await relations();
      const result = await cli('apply', '--sql', file);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/refused, nothing was run/);
      expect(result.stderr).toMatch(message);
      expect(await relations()).toEqual(before);
    });
  });
});
void pg;
