// `apply` end to end on real PostgreSQL (the local server and PGlite): exactly the planned partitions,
// a second run that does nothing, partitions identical whichever strategy made them, rows moved out
// of DEFAULT without loss, reviewed files run as written, one table's failure not stopping the others.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { boundTo, expectedPartitions } from '../helpers/apply';
import { SEEDS_CONFIG, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';

const STRATEGIES = ['attach', 'partition-of'] as const;

describeEachBackend('apply', (db) => {
  const { cli, query, plan, partitionsOf, relations, unattached } = boundTo(db);

  beforeEach(async () => {
    await db().reset();
  });

  it.each(STRATEGIES)(
    '%s: creates exactly the planned partitions; a second apply does nothing',
    async (strategy) => {
      await db().client.query(SEEDS_SCHEMA);
      const config = writeConfig(SEEDS_CONFIG);
      const planned = await plan(config, '2024-02-15');
      const tables = ['public.claim_line_items', 'public.claims_production', 'public.kid_absences'];
      const total = tables.reduce((n, t) => n + expectedPartitions(planned, t).length, 0);
      expect(total).toBe(8);

      const first = await cli('apply', '--config', config, '--now', '2024-02-15', '--strategy', strategy);
      expect(first.stdout).toMatch(/^apply: 8 of 8 planned partitions created, 0 still missing \(/);
      expect(first.stdout).toMatch(/ 0 failed, 0 not run;/);
      expect(first.code).toBe(0);
      for (const table of tables)
        expect(await partitionsOf(table)).toEqual(expectedPartitions(planned, table));
      expect(await unattached('claim')).toEqual([]);
      expect(await unattached('kid')).toEqual([]);
      // The rows go where they belong and the identity column works through the parent.
      await db().client.query(
        `insert into claim_line_items (claim_id, service_date, amount) values (1, '2024-03-03', 1.5)`,
      );
      expect(await query(`select tableoid::regclass::text as t from claim_line_items`)).toEqual([
        { t: 'claim_line_items_y2024m03' },
      ]);

      const before = await relations();
      const second = await cli('apply', '--config', config, '--now', '2024-02-15', '--strategy', strategy);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^apply: 0 of 0 planned partitions created, 0 still missing \(0 steps/);
      expect(second.stderr).toMatch(/nothing to do/);
      expect(await relations()).toEqual(before);
    },
  );

  it('maxPartitionsPerRun holding partitions back: apply says how many are still due and exits 1 until they are made', async () => {
    await query('create table metrics (id int not null, day date not null) partition by range (day)');
    const config = writeConfig(
      'tables:\n  - table: metrics\n    interval: month\n    premake: 1\n    start: 2023-01-01\n    maxPartitionsPerRun: 6\n',
    );
    // Jan 2023 through Mar 2024: 15 partitions due, 6 a run.
    const runs = [];
    for (let run = 0; run < 3; run += 1)
      runs.push(await cli('apply', '--config', config, '--now', '2024-02-15'));
    expect(runs.map((r) => r.code)).toEqual([1, 1, 0]);
    expect(runs[0]!.stdout).toMatch(
      /^apply: 6 of 6 planned partitions created, 0 still missing \(.*\); 9 more partitions still due, held back by maxPartitionsPerRun: run apply again/,
    );
    expect(runs[1]!.stdout).toMatch(/; 3 more partitions still due, held back by maxPartitionsPerRun/);
    expect(runs[2]!.stdout).toMatch(
      /^apply: 3 of 3 planned partitions created, 0 still missing \([^)]*\)\n$/,
    );
    expect(await partitionsOf('metrics')).toHaveLength(15);
    // check judges coverage, not the runs: it passes once the last is made.
    expect((await cli('check', '--config', config, '--now', '2024-02-15')).code).toBe(0);
  });

  it.each([1, 3])('--jobs %i: the same partitions, whatever the number of connections', async (jobs) => {
    await db().client.query(SEEDS_SCHEMA);
    const config = writeConfig(SEEDS_CONFIG);
    const planned = await plan(config, '2024-02-15');
    const result = await cli('apply', '--config', config, '--now', '2024-02-15', '--jobs', String(jobs));
    expect(result.stdout).toMatch(/^apply: 8 of 8 planned partitions created, 0 still missing \(/);
    expect(result.code).toBe(0);
    for (const table of ['public.claim_line_items', 'public.claims_production', 'public.kid_absences']) {
      expect(await partitionsOf(table)).toEqual(expectedPartitions(planned, table));
    }
  });

  it('partitions are identical whether made by attach, partition-of or a DEFAULT-row move', async () => {
    await db().client.query(`
      do $$ begin create role pk_reader; exception when duplicate_object then null; end $$;
      do $$ begin create role pk_owner; exception when duplicate_object then null; end $$;
      create table ref (id int primary key);
      insert into ref values (1);
      create table ident (
        id bigint generated always as identity,
        d date not null,
        n int not null default 7 check (n > 0),
        label text collate "C" default 'x',
        doubled int generated always as (n * 2) stored,
        ref_id int references ref (id),
        big text,
        unique (id, d)
      ) partition by range (d);
      alter table ident alter column big set storage external;
      create index ident_label_idx on ident (label);
      grant select on ident to pk_reader;
      alter table ident owner to pk_owner;`);
    const config = writeConfig('tables:\n  - table: ident\n    interval: month\n    premake: 0\n');
    const attach = await cli('apply', '--config', config, '--now', '2024-01-15', '--strategy', 'attach');
    expect(attach.code).toBe(0);
    const partitionOf = await cli(
      ...['apply', '--config', config, '--now', '2024-02-15', '--strategy', 'partition-of'],
    );
    expect(partitionOf.code).toBe(0);
    await db().client.query('create table ident_default partition of ident default');
    const moved = await cli('apply', '--config', config, '--now', '2024-03-15', '--strategy', 'partition-of');
    expect(moved.code).toBe(0);
    expect((await partitionsOf('ident')).map((p) => p.name)).toEqual([
      'ident_default',
      'ident_y2024m01',
      'ident_y2024m02',
      'ident_y2024m03',
    ]);

    /** Catalog facts of a partition, its own name replaced by <P> so two partitions compare. */
    async function facts(partition: string) {
      const norm = (text: unknown): string => String(text).split(partition).join('<P>');
      const columns = await query(
        `select a.attname, format_type(a.atttypid, a.atttypmod) as type, a.atttypmod, a.attnotnull,
                a.atthasdef, pg_get_expr(d.adbin, d.adrelid) as def, a.attidentity, a.attgenerated,
                a.attcollation::regcollation::text as collation, a.attstorage, a.attislocal, a.attinhcount
           from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [partition],
      );
      const constraints = (
        await query<{
          conname: string;
          contype: string;
          def: string;
          conislocal: boolean;
          coninhcount: number;
        }>(
          `select conname, contype, pg_get_constraintdef(oid) as def, conislocal, coninhcount
             from pg_constraint where conrelid = $1::regclass`,
          [partition],
        )
      )
        .map((c) => ({ ...c, conname: norm(c.conname) }))
        .sort((a, b) => a.conname.localeCompare(b.conname));
      const indexes = (
        await query<{ def: string }>(
          'select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = $1::regclass',
          [partition],
        )
      )
        .map((i) => norm(i.def))
        .sort();
      const [relation] = await query(
        `select relowner::regrole::text as owner, relacl::text as acl, relpersistence, relam, reltablespace,
                relrowsecurity, relreplident
           from pg_class where oid = $1::regclass`,
        [partition],
      );
      return { columns, constraints, indexes, relation };
    }

    const byPartitionOf = await facts('ident_y2024m02');
    expect(await facts('ident_y2024m01')).toEqual(byPartitionOf);
    expect(await facts('ident_y2024m03')).toEqual(byPartitionOf);

    // Not a comparison of empty lists: what the partitions carry.
    const column = (name: string) =>
      byPartitionOf.columns.find((c) => c.attname === name) as Record<string, unknown>;
    expect(byPartitionOf.constraints.map((c) => [c.contype, c.def, c.conislocal, c.coninhcount])).toEqual(
      expect.arrayContaining([
        ['c', 'CHECK ((n > 0))', false, 1],
        ['u', 'UNIQUE (id, d)', false, 1],
        ['f', 'FOREIGN KEY (ref_id) REFERENCES ref(id)', false, 1],
      ]),
    );
    expect(byPartitionOf.indexes).toEqual([
      'CREATE INDEX <P>_label_idx ON public.<P> USING btree (label)',
      'CREATE UNIQUE INDEX <P>_id_d_key ON public.<P> USING btree (id, d)',
    ]);
    expect(column('n')).toMatchObject({ def: '7', attnotnull: true, attislocal: false, attinhcount: 1 });
    expect(column('label')).toMatchObject({ collation: '"C"', def: "'x'::text", attstorage: 'x' });
    expect(column('doubled')).toMatchObject({ attgenerated: 's', def: '(n * 2)' });
    expect(column('big')).toMatchObject({ attstorage: 'e' });
    // PostgreSQL 17 made partitions share their parent's identity; before, it stays on the parent only.
    const [{ version } = { version: 0 }] = await query<{ version: number }>(
      `select current_setting('server_version_num')::int as version`,
    );
    expect(column('id')).toMatchObject({ attidentity: version >= 170000 ? 'a' : '' });
    // CREATE TABLE … PARTITION OF itself copies neither the parent's owner nor its grants: the
    // creating role owns the partition and access goes through the parent's privileges.
    expect(byPartitionOf.relation).toMatchObject({ owner: 'postgres', acl: null, relpersistence: 'p' });

    await db().client.query(
      `insert into ident (d, ref_id) values ('2024-01-02', 1), ('2024-02-02', 1), ('2024-03-02', 1)`,
    );
    expect(await query(`select tableoid::regclass::text as t, id, n, doubled from ident order by d`)).toEqual(
      [
        { t: 'ident_y2024m01', id: '1', n: 7, doubled: 14 },
        { t: 'ident_y2024m02', id: '2', n: 7, doubled: 14 },
        { t: 'ident_y2024m03', id: '3', n: 7, doubled: 14 },
      ],
    );
  });

  it('rows in DEFAULT move into the new partitions, none lost or duplicated; the others stay', async () => {
    await db().client.query(`
      create table readings (id int not null, taken_on date, v text, primary key (id, taken_on))
        partition by range (taken_on);
      create table readings_default partition of readings default;
      insert into readings values
        (1, '2024-04-01', 'apr'), (2, '2024-04-15', 'apr'), (3, '2024-04-30', 'apr'),
        (4, '2024-05-01', 'may'), (5, '2024-05-31', 'may'),
        (6, '2024-06-10', 'jun'),
        (7, '2030-01-01', 'far'), (8, '2024-03-31', 'before the window'), (9, '2024-07-01', 'after');`);
    const config = writeConfig('tables:\n  - table: readings\n    interval: month\n    premake: 2\n');
    const planned = await plan(config, '2024-04-10');
    expect(planned.tables[0]?.create.map((c) => [c.name, c.defaultRows])).toEqual([
      ['readings_y2024m04', 3],
      ['readings_y2024m05', 2],
      ['readings_y2024m06', 1],
    ]);
    const rowsBefore = await query('select id, taken_on::text, v from readings order by id');

    const result = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^apply: 3 of 3 planned partitions created/);
    expect(result.stderr).toContain(
      'moved 3 rows from public.readings_default into public.readings_y2024m04 (3 before, 3 after)',
    );
    expect(result.stderr).toContain(
      'moved 2 rows from public.readings_default into public.readings_y2024m05 (2 before, 2 after)',
    );
    expect(result.stderr).toContain(
      'moved 1 rows from public.readings_default into public.readings_y2024m06 (1 before, 1 after)',
    );
    const where = await query<{ t: string; ids: number[] }>(
      `select tableoid::regclass::text as t, array_agg(id order by id) as ids from readings group by 1 order by 1`,
    );
    expect(where).toEqual([
      { t: 'readings_default', ids: [7, 8, 9] },
      { t: 'readings_y2024m04', ids: [1, 2, 3] },
      { t: 'readings_y2024m05', ids: [4, 5] },
      { t: 'readings_y2024m06', ids: [6] },
    ]);
    // Same rows, each exactly once.
    expect(await query('select id, taken_on::text, v from readings order by id')).toEqual(rowsBefore);
    expect(await query('select count(*)::int as n, count(distinct id)::int as d from readings')).toEqual([
      { n: 9, d: 9 },
    ]);
    const again = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^apply: 0 of 0 planned/);
  });

  it('timestamptz in Europe/Berlin: 2024-03-31 23:30+00 is April there and moves into April', async () => {
    await db().client.query(`
      create table ev (id int not null, at timestamptz not null) partition by range (at);
      create table ev_default partition of ev default;
      insert into ev values
        (1, '2024-03-31 23:30+00'), (2, '2024-03-31 21:30+00'),
        (3, '2024-04-30 22:30+00'), (4, '2024-04-30 21:59:59+00');`);
    const config = writeConfig(
      'defaults:\n  timezone: Europe/Berlin\ntables:\n  - table: ev\n    interval: month\n    premake: 1\n',
    );
    const planned = await plan(config, '2024-04-10');
    const result = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'moved 2 rows from public.ev_default into public.ev_y2024m04 (2 before, 2 after)',
    );
    expect(result.stderr).toContain(
      'moved 1 rows from public.ev_default into public.ev_y2024m05 (1 before, 1 after)',
    );
    expect(
      await query(
        `select tableoid::regclass::text as t, array_agg(id order by id) as ids from ev group by 1 order by 1`,
      ),
    ).toEqual([
      { t: 'ev_default', ids: [2] },
      { t: 'ev_y2024m04', ids: [1, 4] },
      { t: 'ev_y2024m05', ids: [3] },
    ]);
    // The bounds are Berlin midnights, as the plan said (printed in the table's zone).
    await db().client.query(`set timezone = 'Europe/Berlin'`);
    try {
      expect((await partitionsOf('ev')).filter((p) => p.name !== 'ev_default')).toEqual(
        expectedPartitions(planned, 'public.ev'),
      );
      expect(expectedPartitions(planned, 'public.ev')[0]?.bound).toBe(
        "FOR VALUES FROM ('2024-04-01 00:00:00+02') TO ('2024-05-01 00:00:00+02')",
      );
    } finally {
      await db().client.query('reset timezone');
    }
  });

  it('refuses to move DEFAULT rows that an ON DELETE CASCADE foreign key or a DELETE trigger would see; nothing changes', async () => {
    await db().client.query(`
      create table orders (id int not null, day date not null, primary key (id, day)) partition by range (day);
      create table orders_default partition of orders default;
      create table order_notes (order_id int, order_day date, note text,
        foreign key (order_id, order_day) references orders (id, day) on delete cascade);
      insert into orders values (1, '2024-04-03'), (2, '2024-09-09');
      insert into order_notes values (1, '2024-04-03', 'keep me');
      create table audited (id int not null, day date not null) partition by range (day);
      create table audited_default partition of audited default;
      create table audit_log (what text);
      create function log_delete() returns trigger language plpgsql as
        $$ begin insert into audit_log values ('deleted ' || old.id); return old; end $$;
      create trigger audited_deletes after delete on audited for each row execute function log_delete();
      insert into audited values (5, '2024-04-20');
      create table plain (id int not null, day date not null) partition by range (day);
      create table plain_default partition of plain default;
      insert into plain values (9, '2024-04-09');`);
    const config = writeConfig(
      'defaults:\n  interval: month\n  premake: 1\ntables:\n  - table: orders\n  - table: audited\n  - table: plain\n',
    );
    const result = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'moving 1 rows out of public.orders_default into public.orders_y2024m04 would fire the ON DELETE actions of ' +
        'foreign key order_notes_order_id_order_day_fkey of order_notes; nothing was changed',
    );
    expect(result.stderr).toContain(
      'moving 1 rows out of public.audited_default into public.audited_y2024m04 would fire the ON DELETE actions of ' +
        'trigger audited_deletes; nothing was changed',
    );
    // Nothing lost, nothing logged as deleted; the other partitions and the other table went ahead.
    expect(await query('select note from order_notes')).toEqual([{ note: 'keep me' }]);
    expect(await query('select count(*)::int as n from audit_log')).toEqual([{ n: 0 }]);
    const where = await query<{ t: string; ids: number[] }>(
      `select tableoid::regclass::text as t, array_agg(id order by id) as ids
         from (select tableoid, id from orders union all select tableoid, id from audited
               union all select tableoid, id from plain) r group by 1 order by 1`,
    );
    expect(where).toEqual([
      { t: 'audited_default', ids: [5] },
      { t: 'orders_default', ids: [1, 2] },
      { t: 'plain_y2024m04', ids: [9] },
    ]);
    // After a failed step the table's later steps wait for the next run (said in the log).
    expect((await partitionsOf('orders')).map((p) => p.name)).toEqual(['orders_default']);
    expect((await partitionsOf('audited')).map((p) => p.name)).toEqual(['audited_default']);
    expect(result.stderr).toMatch(
      /not run: step 2\/6 create public.orders_y2024m05 .*: step 1 of this table failed/,
    );
    expect(await unattached('orders_y')).toEqual([]);
    expect(await unattached('audited_y')).toEqual([]);
  });

  it('apply --sql moving DEFAULT rows: a column added after review keeps its values; running it twice is a no-op', async () => {
    await db().client.query(`
      create table late (id int not null, day date not null) partition by range (day);
      create table late_default partition of late default;`);
    const config = writeConfig('tables:\n  - table: late\n    interval: month\n    premake: 0\n');
    const rendered = await cli('plan', '--config', config, '--now', '2024-04-10', '--format', 'sql');
    expect(rendered.code).toBe(0);
    const file = join(dirname(config), 'reviewed.sql');
    writeFileSync(file, rendered.stdout);
    // After the review, before the run: a new column, and rows that use it.
    await db().client.query(`
      alter table late add column "odd %s; name" text;
      insert into late values (1, '2024-04-02', 'a'), (2, '2024-04-30', 'b'), (3, '2024-05-01', 'c');`);

    const first = await cli('apply', '--sql', file);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(
      'moved 2 rows from public.late_default into public.late_y2024m04 (2 before, 2 after)',
    );
    expect(
      await query(`select tableoid::regclass::text as t, id, "odd %s; name" as v from late order by id`),
    ).toEqual([
      { t: 'late_y2024m04', id: 1, v: 'a' },
      { t: 'late_y2024m04', id: 2, v: 'b' },
      { t: 'late_default', id: 3, v: 'c' },
    ]);
    const second = await cli('apply', '--sql', file);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^apply --sql: 1 step: 0 done, 1 already done, 0 failed/);
  });

  it('a detached table with rows of its own is adopted while DEFAULT rows move in beside them', async () => {
    await db().client.query(`
      create table adopt (id int not null, day date not null) partition by range (day);
      create table adopt_default partition of adopt default;
      create table adopt_y2024m05 (like adopt);
      insert into adopt_y2024m05 values (1, '2024-05-02'), (2, '2024-05-03');
      insert into adopt values (3, '2024-05-20'), (4, '2024-09-09');`);
    const config = writeConfig('tables:\n  - table: adopt\n    interval: month\n    premake: 1\n');
    const planned = await plan(config, '2024-04-10');
    expect(planned.tables[0]?.create.map((c) => [c.name, c.adopt, c.defaultRows])).toEqual([
      ['adopt_y2024m04', false, 0],
      ['adopt_y2024m05', true, 1],
    ]);
    const result = await cli('apply', '--config', config, '--now', '2024-04-10');
    expect(result.stderr).toContain('moved 1 rows from public.adopt_default into public.adopt_y2024m05');
    expect(result.code).toBe(0);
    expect(
      await query(
        `select tableoid::regclass::text as t, array_agg(id order by id) as ids from adopt group by 1 order by 1`,
      ),
    ).toEqual([
      { t: 'adopt_default', ids: [4] },
      { t: 'adopt_y2024m05', ids: [1, 2, 3] },
    ]);
  });

  it.each(STRATEGIES)(
    '%s: apply --sql runs the reviewed file; the same file again changes nothing',
    async (strategy) => {
      await db().client.query(SEEDS_SCHEMA);
      const config = writeConfig(SEEDS_CONFIG);
      const planned = await plan(config, '2024-02-15');
      const rendered = await cli(
        ...['plan', '--config', config, '--now', '2024-02-15', '--format', 'sql', '--strategy', strategy],
      );
      expect(rendered.code).toBe(0);
      const file = join(dirname(config), 'reviewed.sql');
      writeFileSync(file, rendered.stdout);
      const steps = 8; // one per partition

      const first = await cli('apply', '--sql', file);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        new RegExp(`^apply --sql: ${steps} steps: ${steps} done, 0 already done, 0 failed, 0 not run;`),
      );
      for (const table of ['public.claim_line_items', 'public.claims_production', 'public.kid_absences']) {
        expect(await partitionsOf(table)).toEqual(expectedPartitions(planned, table));
      }
      const before = await relations();
      const second = await cli('apply', '--sql', file);
      expect(second.code).toBe(0);
      // Every step finds its work done.
      expect(second.stdout).toMatch(
        new RegExp(`^apply --sql: ${steps} steps: 0 done, ${steps} already done, 0 failed`),
      );
      expect(await relations()).toEqual(before);
      // The file is plain SQL too: psql-style, run whole on one connection, twice.
      await db().client.query(rendered.stdout);
      await db().client.query(rendered.stdout);
      expect(await relations()).toEqual(before);
    },
  );

  it.each(STRATEGIES)(
    '%s: one table failing at execution does not stop the others (its later steps are not run); exit 1; JSON on stdout and stderr',
    async (strategy) => {
      // A partition someone detached and then wrote a stray row into: the planner adopts it (it
      // carries the naming), and only PostgreSQL's ATTACH finds the row that does not fit.
      await db().client.query(`
        create table alpha (id int not null, day date not null) partition by range (day);
        create table beta (id int not null, day date not null) partition by range (day);
        create table alpha_y2024m03 (like alpha);
        insert into alpha_y2024m03 values (1, '2024-03-05'), (2, '2023-12-05');`);
      const config = writeConfig(
        'tables:\n  - table: alpha\n    interval: month\n    premake: 2\n  - table: beta\n    interval: month\n    premake: 2\n',
      );
      const planned = await plan(config, '2024-02-15');
      expect(planned.tables[0]?.create.map((c) => c.adopt)).toEqual([false, true, false]);
      const result = await cli(
        ...[
          'apply',
          '--config',
          config,
          '--now',
          '2024-02-15',
          '--strategy',
          strategy,
          '--log-format',
          'json',
        ],
      );
      expect(result.code).toBe(1);
      const summary = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
      expect(summary).toMatchObject({ level: 'info', command: 'apply', failed: 1, notRun: 1, left: 2 });
      expect(summary.summary).toMatch(
        /^apply: 4 of 6 planned partitions created, 2 still missing .* 1 failed, 1 not run;/,
      );
      expect((await partitionsOf('alpha')).map((p) => p.name)).toEqual(['alpha_y2024m02']);
      expect(await partitionsOf('beta')).toEqual(expectedPartitions(planned, 'public.beta'));

      const lines = result.stderr.trimEnd().split('\n');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const entry of entries) {
        expect(entry).toMatchObject({
          level: expect.stringMatching(/^(info|warn|error)$/),
          message: expect.any(String),
        });
        expect(typeof entry.time).toBe('string');
      }
      const errors = entries.filter((e) => e.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.message).toMatch(/alpha_y2024m03.*violated by some row/);
      expect(errors[0]).toMatchObject({ attempts: 1, step: 2, status: 'failed' });
      const notRun = entries.filter((e) => e.status === 'not-run');
      expect(notRun.map((e) => e.message)).toEqual([
        expect.stringMatching(
          /^not run: step 3\/6 create public.alpha_y2024m04 .*: step 2 of this table failed$/,
        ),
      ]);
    },
  );

  it('--log-format json: every line of a successful run parses, one per step', async () => {
    await db().client.query(`create table js (id int not null, day date not null) partition by range (day);`);
    const config = writeConfig('tables:\n  - table: js\n    interval: month\n    premake: 1\n');
    const result = await cli('apply', '--config', config, '--now', '2024-02-15', '--log-format', 'json');
    expect(result.code).toBe(0);
    const entries = result.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; message: string; ms?: number });
    expect(entries.map((e) => e.level)).toEqual(Array(entries.length).fill('info'));
    expect(entries[0]?.message).toBe('holding the run lock');
    // The run lock line, then one step per partition.
    const done = entries.filter((e) => e.message.startsWith('done: '));
    expect(done.map((e) => e.message)).toEqual([
      'done: step 1/2 create public.js_y2024m02 [2024-02-01, 2024-03-01) of public.js',
      'done: step 2/2 create public.js_y2024m03 [2024-03-01, 2024-04-01) of public.js',
    ]);
    // stdout too: the summary is one JSON object.
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      level: 'info',
      command: 'apply',
      done: 2,
      failed: 0,
      left: 0,
      deferred: 0,
    });
    expect(entries.filter((e) => e.message.startsWith('done: ')).every((e) => typeof e.ms === 'number')).toBe(
      true,
    );
  });
});
