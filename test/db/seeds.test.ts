// The seeds' tables, planned with the seeds' own config, then the SQL run on real PostgreSQL:
// names and bounds must come out exactly as the seeds write them, as PostgreSQL prints them.
import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { partitionsOf as catalogPartitions, type Partition } from '../helpers/catalog';
import { runCli, SEEDS_CONFIG, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';

interface JsonPlan {
  now: string;
  tables: {
    table: string;
    coverage: { through: string | null; aheadPeriods: number; ok: boolean };
    coverageNow: { through: string | null; aheadPeriods: number; ok: boolean };
    create: { name: string; schema: string; from: string; to: string; reason: string }[];
    archive: { name: string; steps: string[] }[];
    findings: { level: string; code: string; message: string }[];
  }[];
  statements: string[];
}

describeEachBackend('seeds end to end', (db) => {
  const configFile = writeConfig(SEEDS_CONFIG);
  const env = (): NodeJS.ProcessEnv => ({ DATABASE_URL: db().url });

  async function plan(now: string, ...args: string[]): Promise<JsonPlan> {
    const result = await runCli(
      ['plan', '--config', configFile, '--now', now, '--format', 'json', ...args],
      env(),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as JsonPlan;
  }

  const partitionsOf = (parent: string): Promise<Partition[]> => catalogPartitions(db().client, parent);

  async function runSql(now: string, table: string): Promise<void> {
    const sql = await runCli(
      ['plan', '--config', configFile, '--now', now, '--format', 'sql', '--table', table],
      env(),
    );
    expect(sql.code).toBe(0);
    await db().client.query(sql.stdout);
  }

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
  });

  it('claim_line_items on 2024-02-15: y2024m02..y2024m04 with the seed bounds', async () => {
    const result = await plan('2024-02-15', '--table', 'claim_line_items');
    const [table] = result.tables;
    expect(table?.create.map((c) => [c.name, c.from, c.to, c.reason])).toEqual([
      ['claim_line_items_y2024m02', '2024-02-01', '2024-03-01', 'current'],
      ['claim_line_items_y2024m03', '2024-03-01', '2024-04-01', 'premake'],
      ['claim_line_items_y2024m04', '2024-04-01', '2024-05-01', 'premake'],
    ]);
    // coverage: once this plan is applied (DESIGN.md's example); coverageNow: the table as it is.
    expect(table?.coverage).toEqual({ through: '2024-05-01', aheadPeriods: 2, ok: true });
    expect(table?.coverageNow).toEqual({ through: null, aheadPeriods: 0, ok: false });

    await runSql('2024-02-15', 'claim_line_items');
    expect(await partitionsOf('claim_line_items')).toEqual(
      table?.create.map((c) => ({ name: c.name, bound: `FOR VALUES FROM ('${c.from}') TO ('${c.to}')` })),
    );
    // The seed's own example: the April partition exactly as written there.
    expect(await partitionsOf('claim_line_items')).toContainEqual({
      name: 'claim_line_items_y2024m04',
      bound: "FOR VALUES FROM ('2024-04-01') TO ('2024-05-01')",
    });
    const after = await plan('2024-02-15', '--table', 'claim_line_items');
    expect(after.tables[0]?.create).toEqual([]);
    expect(after.tables[0]?.coverage).toEqual({ through: '2024-05-01', aheadPeriods: 2, ok: true });
  });

  it("--strategy partition-of: one headed step per partition, each carrying the seed's own DDL", async () => {
    const result = await runCli(
      [
        ...['plan', '--config', configFile, '--now', '2024-02-15', '--format', 'sql'],
        ...['--table', 'claim_line_items', '--strategy', 'partition-of'],
      ],
      env(),
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.filter((l) => !l.startsWith('--'))[0]).toBe("SET lock_timeout = '100ms';");
    expect(lines.filter((l) => l.startsWith('-- step '))).toEqual([
      '-- step 1/3: create public.claim_line_items_y2024m02 [2024-02-01, 2024-03-01) of public.claim_line_items (current)',
      '-- step 2/3: create public.claim_line_items_y2024m03 [2024-03-01, 2024-04-01) of public.claim_line_items (premake)',
      '-- step 3/3: create public.claim_line_items_y2024m04 [2024-04-01, 2024-05-01) of public.claim_line_items (premake)',
    ]);
    for (const [month, next] of [
      ['02', '03'],
      ['03', '04'],
      ['04', '05'],
    ]) {
      expect(result.stdout).toContain(
        `      CREATE TABLE public.claim_line_items_y2024m${month} PARTITION OF public.claim_line_items\n` +
          `        FOR VALUES FROM ('2024-${month}-01') TO ('2024-${next}-01');`,
      );
    }
  });

  it('claims_production in 2026: y2026, y2027, y2028 exactly as the seed DDL', async () => {
    const result = await plan('2026-03-01', '--table', 'claims_production');
    await runSql('2026-03-01', 'claims_production');
    expect(await partitionsOf('claims_production')).toEqual([
      { name: 'claims_production_y2026', bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
      { name: 'claims_production_y2027', bound: "FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')" },
      { name: 'claims_production_y2028', bound: "FOR VALUES FROM ('2028-01-01') TO ('2029-01-01')" },
    ]);
    expect(result.tables[0]?.create.map((c) => c.name)).toEqual([
      'claims_production_y2026',
      'claims_production_y2027',
      'claims_production_y2028',
    ]);
  });

  it('claims_production as the seed schedules it: in September 2025, start 2026-01-01 and premake 1 make y2026 alone', async () => {
    // The seed: "In September 2025, the script creates the partition for the year 2026".
    const scheduled = writeConfig(`
tables:
  - table: public.claims_production
    interval: year
    naming: "{parent}_y{YYYY}"
    premake: 1
    start: 2026-01-01
    coverage:
      minimumAhead: 1
`);
    const cli = (...args: string[]) => runCli([...args, '--config', scheduled, '--now', '2025-09-15'], env());
    const planJson = async (): Promise<JsonPlan['tables'][number]> => {
      const result = await cli('plan', '--format', 'json');
      expect(result.code).toBe(0);
      const table = (JSON.parse(result.stdout) as JsonPlan).tables[0];
      if (!table) throw new Error('no table in the plan');
      return table;
    };

    const before = await planJson();
    expect(before.create.map((c) => [c.name, c.from, c.to])).toEqual([
      ['claims_production_y2026', '2026-01-01', '2027-01-01'],
    ]);
    // Before y2026 exists, check falls short: the year ahead it must hold is start's year.
    const failing = await cli('check');
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/shortfall: nothing is needed before start 2026-01-01/);

    const sql = await cli('plan', '--format', 'sql');
    expect(sql.code).toBe(0);
    await db().client.query(sql.stdout);
    expect(await partitionsOf('claims_production')).toEqual([
      { name: 'claims_production_y2026', bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
    ]);

    const passing = await cli('check');
    expect(passing.stdout).toMatch(/ok\s+public\.claims_production/);
    expect(passing.code).toBe(0);
    const after = await planJson();
    expect(after.create).toEqual([]);
    expect(after.coverageNow).toMatchObject({ through: '2027-01-01', aheadPeriods: 1, ok: true });
  });

  it('kid_absences: current and next year as kid_absences_YYYY, disabled by its variable', async () => {
    await runSql('2025-06-01', 'kid_absences');
    expect(await partitionsOf('kid_absences')).toEqual([
      { name: 'kid_absences_2025', bound: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')" },
      { name: 'kid_absences_2026', bound: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
    ]);
    const disabled = await runCli(
      ['plan', '--config', configFile, '--now', '2025-06-01', '--format', 'json'],
      {
        ...env(),
        ENABLE_ABSENCE_PARTITIONS: 'false',
      },
    );
    const kid = (JSON.parse(disabled.stdout) as JsonPlan).tables.find(
      (t) => t.table === 'public.kid_absences',
    );
    expect(kid?.create).toEqual([]);
  });

  it('check fails on a shortfall, gap and DEFAULT rows, and passes once the plan is applied', async () => {
    await db().client.query(`
      create table claim_line_items_y2024m02 partition of claim_line_items for values from ('2024-02-01') to ('2024-03-01');
      create table claim_line_items_y2024m04 partition of claim_line_items for values from ('2024-04-01') to ('2024-05-01');
      create table claim_line_items_default partition of claim_line_items default;
      insert into claim_line_items (claim_id, service_date, amount) values (1, '2024-06-03', 5), (2, '2024-06-04', 6);`);
    const failing = await runCli(
      ['check', '--config', configFile, '--now', '2024-04-15', '--table', 'claim_line_items'],
      env(),
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAIL\s+public\.claim_line_items/);
    expect(failing.stdout).toMatch(/gap: .*2024-03-01/);
    expect(failing.stdout).toMatch(/default-rows: .*2 rows/);
    expect(failing.stdout).toMatch(/shortfall/);
    const asJson = await runCli(
      [
        'check',
        '--config',
        configFile,
        '--now',
        '2024-04-15',
        '--table',
        'claim_line_items',
        '--format',
        'json',
      ],
      env(),
    );
    expect(asJson.code).toBe(1);
    const codes = (JSON.parse(asJson.stdout) as JsonPlan).tables[0]?.findings.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['gap', 'default-rows', 'shortfall']));

    await db().client.query('delete from claim_line_items_default');
    await runSql('2024-04-15', 'claim_line_items');
    const passing = await runCli(
      ['check', '--config', configFile, '--now', '2024-04-15', '--table', 'claim_line_items'],
      env(),
    );
    expect(passing.stdout).toMatch(/ok\s+public\.claim_line_items/);
    expect(passing.code).toBe(0);
  });

  it('status lists partitions with bounds, sizes, estimates and DEFAULT rows', async () => {
    await db().client.query(`
      create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
      create table kid_absences_default partition of kid_absences default;
      insert into kid_absences values (1, '2025-03-03', 'flu'), (1, '2031-01-01', 'far future');`);
    const result = await runCli(['status', '--config', configFile, '--table', 'kid_absences'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kid_absences_2025\s+2025-01-01\s+2026-01-01\s+\d+(\.\d)? kB/);
    expect(result.stdout).toMatch(/DEFAULT kid_absences_default: 1 row/);

    const json = await runCli(
      ['status', '--config', configFile, '--table', 'kid_absences', '--format', 'json'],
      env(),
    );
    const [status] = JSON.parse(json.stdout) as {
      partitions: { name: string; from: string; to: string; bytes: number }[];
      defaultPartition: { name: string; rows: number };
    }[];
    expect(status?.partitions.map((p) => [p.name, p.from, p.to])).toEqual([
      ['kid_absences_2025', '2025-01-01', '2026-01-01'],
    ]);
    expect(status?.partitions[0]?.bytes).toBeGreaterThan(0);
    expect(status?.defaultPartition).toMatchObject({ name: 'kid_absences_default', rows: 1 });
  });
});
