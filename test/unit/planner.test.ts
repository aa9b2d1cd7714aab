import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/planner';
import type { Finding, FindingCode, Now, PlannedCreate, TablePlan, TableSpec } from '../../src/types';
import { type SnapshotExtras, type TableInput, snapshotOf, specOf } from '../helpers/snapshot';

/** Plans one table: the spec, how the table looks in the catalog, and now. */
function planOne(
  spec: TableSpec,
  table: Omit<TableInput, 'name' | 'schema'> | undefined,
  now: Now,
  extras: SnapshotExtras = {},
): TablePlan {
  const tables = table ? [{ schema: spec.schema, name: spec.name, timezone: spec.timezone, ...table }] : [];
  const plan = buildPlan([spec], snapshotOf(tables, extras), now);
  const only = plan.tables[0];
  if (!only) throw new Error('no table plan');
  return only;
}

const ranges = (creates: PlannedCreate[]): [string, string, string][] =>
  creates.map((c) => [c.name, c.from, c.to]);
const names = (creates: PlannedCreate[]): string[] => creates.map((c) => c.name);
const codes = (findings: Finding[]): FindingCode[] => findings.map((f) => f.code);
const findingsOf = (plan: TablePlan, code: FindingCode): Finding[] =>
  plan.findings.filter((f) => f.code === code);

describe('the seeds', () => {
  it('claim_line_items: monthly, premake 2, from 2024-02-01', () => {
    const spec = specOf({ name: 'claim_line_items', interval: 'month', premake: 2, start: '2024-02-01' });
    const plan = buildPlan([spec], snapshotOf([{ name: 'claim_line_items' }]), { date: '2024-02-15' });
    expect(plan.now).toBe('2024-02-15');
    const table = plan.tables[0]!;
    expect(table.table).toBe('public.claim_line_items');
    expect(ranges(table.create)).toEqual([
      ['claim_line_items_y2024m02', '2024-02-01', '2024-03-01'],
      ['claim_line_items_y2024m03', '2024-03-01', '2024-04-01'],
      ['claim_line_items_y2024m04', '2024-04-01', '2024-05-01'],
    ]);
    expect(table.create.map((c) => c.reason)).toEqual(['current', 'premake', 'premake']);
    expect(table.coverage).toEqual({ through: null, aheadPeriods: 0, ok: false });
    expect(table.coverageAfterPlan).toEqual({ through: '2024-05-01', aheadPeriods: 2, ok: true });
    expect(codes(table.findings)).toEqual(['shortfall']);
    expect(table.findings[0]!.message).toContain('this plan fixes it');
  });

  it('claim_line_items: the seed months April to September keep the same names and bounds', () => {
    const spec = specOf({ name: 'claim_line_items', premake: 6 });
    const plan = planOne(spec, {}, { date: '2024-03-15' });
    expect(ranges(plan.create).slice(1)).toEqual([
      ['claim_line_items_y2024m04', '2024-04-01', '2024-05-01'],
      ['claim_line_items_y2024m05', '2024-05-01', '2024-06-01'],
      ['claim_line_items_y2024m06', '2024-06-01', '2024-07-01'],
      ['claim_line_items_y2024m07', '2024-07-01', '2024-08-01'],
      ['claim_line_items_y2024m08', '2024-08-01', '2024-09-01'],
      ['claim_line_items_y2024m09', '2024-09-01', '2024-10-01'],
    ]);
  });

  it('claims_production: yearly, premake 2, in September 2025', () => {
    const spec = specOf({ name: 'claims_production', interval: 'year', premake: 2 });
    const plan = planOne(spec, {}, { date: '2025-09-15' });
    expect(ranges(plan.create)).toEqual([
      ['claims_production_y2025', '2025-01-01', '2026-01-01'],
      ['claims_production_y2026', '2026-01-01', '2027-01-01'],
      ['claims_production_y2027', '2027-01-01', '2028-01-01'],
    ]);
  });

  it('claims_production: in September 2025 with start 2026-01-01 and premake 1, y2026 alone', () => {
    const spec = specOf({
      name: 'claims_production',
      interval: 'year',
      premake: 1,
      start: '2026-01-01',
      coverage: { minimumAhead: 1 },
    });
    const before = planOne(spec, {}, { date: '2025-09-15' });
    expect(ranges(before.create)).toEqual([['claims_production_y2026', '2026-01-01', '2027-01-01']]);
    expect(before.create[0]!.reason).toBe('premake');
    // Coverage counts from start: 2025 needs nothing, and the one year ahead (2026) is missing.
    expect(before.coverage).toEqual({
      through: '2026-01-01',
      aheadPeriods: 0,
      ok: false,
      from: '2026-01-01',
    });
    expect(before.coverageAfterPlan).toEqual({
      through: '2027-01-01',
      aheadPeriods: 1,
      ok: true,
      from: '2026-01-01',
    });
    expect(findingsOf(before, 'shortfall').map((f) => f.message)).toEqual([
      'nothing is needed before start 2026-01-01; no partition covers the year from there yet; ' +
        'coverage.minimumAhead is 1; this plan fixes it.',
    ]);
    expect(codes(before.findings)).toEqual(['shortfall']);

    const after = planOne(
      spec,
      { partitions: [['claims_production_y2026', '2026-01-01', '2027-01-01']] },
      { date: '2025-09-15' },
    );
    expect(after.create).toEqual([]);
    expect(after.coverage).toEqual({ through: '2027-01-01', aheadPeriods: 1, ok: true, from: '2026-01-01' });
    expect(after.findings).toEqual([]);

    // Once 2026 has come, start is behind: the usual window and coverage, no `from`.
    const inJanuary = planOne(
      spec,
      { partitions: [['claims_production_y2026', '2026-01-01', '2027-01-01']] },
      { date: '2026-01-02' },
    );
    expect(names(inJanuary.create)).toEqual(['claims_production_y2027']);
    expect(inJanuary.coverage).toEqual({ through: '2027-01-01', aheadPeriods: 0, ok: false });
  });

  it('kid_absences: {parent}_{YYYY}, current and next year', () => {
    const spec = specOf({ name: 'kid_absences', interval: 'year', naming: '{parent}_{YYYY}', premake: 1 });
    const plan = planOne(spec, {}, { date: '2025-06-01' });
    expect(ranges(plan.create)).toEqual([
      ['kid_absences_2025', '2025-01-01', '2026-01-01'],
      ['kid_absences_2026', '2026-01-01', '2027-01-01'],
    ]);
  });

  it('kid_absences: last year is detached and moved to the archive schema', () => {
    const spec = specOf({
      name: 'kid_absences',
      interval: 'year',
      naming: '{parent}_{YYYY}',
      premake: 1,
      retention: { count: 1, unit: 'year' },
      archive: { schema: 'archive', drop: false },
    });
    const partitions: TableInput['partitions'] = [
      ['kid_absences_2025', '2025-01-01', '2026-01-01'],
      ['kid_absences_2026', '2026-01-01', '2027-01-01'],
      ['kid_absences_2027', '2027-01-01', '2028-01-01'],
    ];
    const plan = planOne(spec, { partitions }, { date: '2027-03-01' });
    expect(plan.archive).toEqual([
      {
        schema: 'public',
        name: 'kid_absences_2025',
        from: '2025-01-01',
        to: '2026-01-01',
        steps: ['detach', 'move'],
        targetSchema: 'archive',
        state: 'attached',
        concurrently: true,
        createSchema: false,
      },
    ]);
    expect(names(plan.create)).toEqual(['kid_absences_2028']);
  });
});

describe('disabled and unmanageable tables', () => {
  it('skips a disabled table with an info finding', () => {
    const plan = planOne(specOf({ name: 't', enabled: false }), {}, { date: '2024-02-15' });
    expect(plan.skipped).toBe(true);
    expect(plan.create).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'info', code: 'disabled' })]);
  });

  it('reports a table missing from the snapshot', () => {
    const plan = planOne(specOf({ name: 'orders', schema: 'sales' }), undefined, { date: '2024-02-15' });
    expect(plan.skipped).toBe(true);
    expect(plan.findings).toEqual([
      { level: 'error', code: 'missing-table', message: 'sales.orders does not exist' },
    ]);
  });

  it('carries the catalog problem message', () => {
    const missing = {
      code: 'missing' as const,
      message: 'public.t does not exist (there is no such schema)',
    };
    const notRange = {
      code: 'not-range' as const,
      message: 'public.t is partitioned by LIST (k), not RANGE',
    };
    expect(planOne(specOf({ name: 't' }), { problem: missing }, { date: '2024-02-15' }).findings).toEqual([
      { level: 'error', code: 'missing-table', message: missing.message },
    ]);
    const plan = planOne(specOf({ name: 't' }), { problem: notRange }, { date: '2024-02-15' });
    expect(plan.skipped).toBe(true);
    expect(plan.findings).toEqual([{ level: 'error', code: 'unsupported', message: notRange.message }]);
  });

  it('keeps planning around a sub-partitioned partition, warning about it', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1 }),
      { partitions: [{ name: 't_y2024m02', from: '2024-02-01', to: '2024-03-01', subPartitioned: true }] },
      { date: '2024-02-15' },
    );
    expect(plan.skipped).toBe(false);
    expect(names(plan.create)).toEqual(['t_y2024m03']);
    expect(findingsOf(plan, 'unsupported')).toEqual([
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('public.t_y2024m02') }),
    ]);
  });
});

describe('every interval on an empty table', () => {
  const now = { date: '2024-02-29' };
  it.each([
    [
      'day',
      [
        ['t_y2024m02d29', '2024-02-29', '2024-03-01'],
        ['t_y2024m03d01', '2024-03-01', '2024-03-02'],
      ],
    ],
    [
      'week',
      [
        ['t_y2024w09', '2024-02-26', '2024-03-04'],
        ['t_y2024w10', '2024-03-04', '2024-03-11'],
      ],
    ],
    [
      'month',
      [
        ['t_y2024m02', '2024-02-01', '2024-03-01'],
        ['t_y2024m03', '2024-03-01', '2024-04-01'],
      ],
    ],
    [
      'quarter',
      [
        ['t_y2024q1', '2024-01-01', '2024-04-01'],
        ['t_y2024q2', '2024-04-01', '2024-07-01'],
      ],
    ],
    [
      'year',
      [
        ['t_y2024', '2024-01-01', '2025-01-01'],
        ['t_y2025', '2025-01-01', '2026-01-01'],
      ],
    ],
  ] as const)('%s: current + premake', (interval, expected) => {
    const plan = planOne(specOf({ name: 't', interval, premake: 1 }), {}, now);
    expect(ranges(plan.create)).toEqual(expected);
    expect(plan.create.map((c) => c.reason)).toEqual(['current', 'premake']);
  });

  it('names ISO weeks by their week-year', () => {
    const plan = planOne(specOf({ name: 't', interval: 'week', premake: 1 }), {}, { date: '2024-12-31' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2025w01', '2024-12-30', '2025-01-06'],
      ['t_y2025w02', '2025-01-06', '2025-01-13'],
    ]);
    const w53 = planOne(specOf({ name: 't', interval: 'week', premake: 0 }), {}, { date: '2021-01-03' });
    expect(ranges(w53.create)).toEqual([['t_y2020w53', '2020-12-28', '2021-01-04']]);
  });

  it('crosses the end of January into the February period', () => {
    const plan = planOne(specOf({ name: 't', premake: 1 }), {}, { date: '2024-01-31' });
    expect(names(plan.create)).toEqual(['t_y2024m01', 't_y2024m02']);
  });
});

describe('timestamptz keys', () => {
  it('follows Europe/Berlin through the spring DST change', () => {
    const spec = specOf({ name: 't', interval: 'day', premake: 1, timezone: 'Europe/Berlin' });
    const plan = planOne(spec, { keyType: 'timestamptz' }, { date: '2024-03-31' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2024m03d31', '2024-03-31 00:00:00+01', '2024-04-01 00:00:00+02'],
      ['t_y2024m04d01', '2024-04-01 00:00:00+02', '2024-04-02 00:00:00+02'],
    ]);
    expect(plan.create[0]!.toValue - plan.create[0]!.fromValue).toBe(23 * 3_600_000);
  });

  it('follows Europe/Berlin through the autumn DST change', () => {
    const spec = specOf({ name: 't', interval: 'day', premake: 0, timezone: 'Europe/Berlin' });
    const plan = planOne(spec, { keyType: 'timestamptz' }, { date: '2024-10-27' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2024m10d27', '2024-10-27 00:00:00+02', '2024-10-28 00:00:00+01'],
    ]);
    expect(plan.create[0]!.toValue - plan.create[0]!.fromValue).toBe(25 * 3_600_000);
  });

  it('uses America/New_York offsets for monthly partitions', () => {
    const spec = specOf({ name: 't', premake: 1, timezone: 'America/New_York' });
    const plan = planOne(spec, { keyType: 'timestamptz' }, { date: '2024-02-15' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2024m02', '2024-02-01 00:00:00-05', '2024-03-01 00:00:00-05'],
      ['t_y2024m03', '2024-03-01 00:00:00-05', '2024-04-01 00:00:00-04'],
    ]);
  });

  it('prints half-hour offsets (Asia/Kolkata)', () => {
    const spec = specOf({ name: 't', interval: 'year', premake: 0, timezone: 'Asia/Kolkata' });
    const plan = planOne(spec, { keyType: 'timestamptz' }, { date: '2024-06-01' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2024', '2024-01-01 00:00:00+05:30', '2025-01-01 00:00:00+05:30'],
    ]);
  });

  it('starts a day whose midnight does not exist at its first instant (America/Sao_Paulo 2018-11-04)', () => {
    const spec = specOf({ name: 't', interval: 'day', premake: 0, timezone: 'America/Sao_Paulo' });
    const plan = planOne(spec, { keyType: 'timestamptz' }, { date: '2018-11-04' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2018m11d04', '2018-11-04 01:00:00-02', '2018-11-05 00:00:00-02'],
    ]);
  });

  it('takes the current period from an instant in the table zone; the plan date is UTC', () => {
    const now = { instant: new Date('2024-01-31T23:30:00Z') };
    const berlin = specOf({ name: 't', premake: 0, timezone: 'Europe/Berlin' });
    const utc = specOf({ name: 'u', premake: 0, timezone: 'UTC' });
    const plan = buildPlan([berlin, utc], snapshotOf([{ name: 't' }, { name: 'u' }]), now);
    expect(plan.now).toBe('2024-01-31');
    expect(plan.tables.map((t) => names(t.create))).toEqual([['t_y2024m02'], ['u_y2024m01']]);
  });

  it('fills the timestamp key plan fields', () => {
    const spec = specOf({ name: 't', timezone: 'Europe/Berlin' });
    const plan = planOne(spec, { keyType: 'timestamp', keyColumn: 'created_at' }, { date: '2024-02-15' });
    expect(plan).toMatchObject({
      keyType: 'timestamp',
      keyColumn: 'created_at',
      timezone: 'Europe/Berlin',
      interval: 'month',
    });
    expect(plan.create[0]).toMatchObject({ from: '2024-02-01 00:00:00', to: '2024-03-01 00:00:00' });
  });
});

describe('existing partitions are respected by their bounds', () => {
  it('plans only the months a quarterly partition leaves uncovered', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 3 }),
      { partitions: [['t_2024q1', '2024-01-01', '2024-04-01']] },
      { date: '2024-02-15' },
    );
    expect(ranges(plan.create)).toEqual([
      ['t_y2024m04', '2024-04-01', '2024-05-01'],
      ['t_y2024m05', '2024-05-01', '2024-06-01'],
    ]);
    expect(findingsOf(plan, 'misaligned')).toEqual([
      {
        level: 'warning',
        code: 'misaligned',
        message: expect.stringMatching(
          /public\.t_2024q1 covers \[2024-01-01, 2024-04-01\).*not exactly one month/,
        ),
      },
    ]);
  });

  it('fills around a partition starting mid-month with partial pieces named after their months', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1, start: '2024-01-01' }),
      { partitions: [['t_y2024m01', '2024-01-15', '2024-02-15']] },
      { date: '2024-02-20' },
    );
    expect(ranges(plan.create)).toEqual([
      ['t_y2024m01_p2', '2024-01-01', '2024-01-15'],
      ['t_y2024m02', '2024-02-15', '2024-03-01'],
      ['t_y2024m03', '2024-03-01', '2024-04-01'],
    ]);
    expect(plan.create.map((c) => c.reason)).toEqual(['gap', 'current', 'premake']);
    expect(codes(plan.findings)).toEqual(['misaligned', 'gap', 'shortfall']);
    expect(findingsOf(plan, 'gap')[0]!.message).toContain('[2024-01-01, 2024-01-15)');
  });

  it('gives a partial piece the plain template name when it is free', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 0 }),
      { partitions: [['legacy', '2024-02-10', '2024-03-01']] },
      { date: '2024-02-20' },
    );
    expect(ranges(plan.create)).toEqual([['t_y2024m02', '2024-02-01', '2024-02-10']]);
    const twoPieces = planOne(
      specOf({ name: 't', premake: 0 }),
      { partitions: [['legacy', '2024-02-10', '2024-02-20']] },
      { date: '2024-02-20' },
    );
    expect(ranges(twoPieces.create)).toEqual([
      ['t_y2024m02', '2024-02-01', '2024-02-10'],
      ['t_y2024m02_p2', '2024-02-20', '2024-03-01'],
    ]);
  });

  it('reports an aligned partition with another name, and leaves it alone', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1 }),
      { partitions: [['t_feb', '2024-02-01', '2024-03-01']] },
      { date: '2024-02-15' },
    );
    expect(names(plan.create)).toEqual(['t_y2024m03']);
    expect(findingsOf(plan, 'unmanaged-name')).toEqual([
      expect.objectContaining({ level: 'info', message: expect.stringContaining('t_y2024m02') }),
    ]);
  });
});

describe('gaps behind the current period', () => {
  const partitions: TableInput['partitions'] = [
    ['t_y2023m10', '2023-10-01', '2023-11-01'],
    ['t_y2024m01', '2024-01-01', '2024-02-01'],
    ['t_y2024m02', '2024-02-01', '2024-03-01'],
  ];

  it('fills gaps from the oldest partition when there is no start', () => {
    const plan = planOne(specOf({ name: 't', premake: 1 }), { partitions }, { date: '2024-02-15' });
    expect(ranges(plan.create)).toEqual([
      ['t_y2023m11', '2023-11-01', '2023-12-01'],
      ['t_y2023m12', '2023-12-01', '2024-01-01'],
      ['t_y2024m03', '2024-03-01', '2024-04-01'],
    ]);
    expect(plan.create.map((c) => c.reason)).toEqual(['gap', 'gap', 'premake']);
    expect(findingsOf(plan, 'gap')).toEqual([
      { level: 'error', code: 'gap', message: expect.stringContaining('[2023-11-01, 2024-01-01)') },
    ]);
  });

  it('fills from start, before the oldest partition', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1, start: '2023-08-20' }),
      { partitions },
      { date: '2024-02-15' },
    );
    expect(names(plan.create)).toEqual([
      't_y2023m08',
      't_y2023m09',
      't_y2023m11',
      't_y2023m12',
      't_y2024m03',
    ]);
    expect(findingsOf(plan, 'gap').map((f) => f.message)).toEqual([
      expect.stringContaining('[2023-08-01, 2023-10-01)'),
      expect.stringContaining('[2023-11-01, 2024-01-01)'),
    ]);
  });

  it('ignores what lies before start', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1, start: '2023-12-01' }),
      { partitions },
      { date: '2024-02-15' },
    );
    expect(names(plan.create)).toEqual(['t_y2023m12', 't_y2024m03']);
  });

  it('makes nothing before a start beyond the window, and counts the months up to it as needing nothing', () => {
    const plan = planOne(specOf({ name: 'u', premake: 2, start: '2030-01-01' }), {}, { date: '2024-02-15' });
    expect(plan.create).toEqual([]);
    // March 2024 to December 2029: 70 months ahead that need no partition.
    const held = { through: '2030-01-01', aheadPeriods: 70, ok: true, from: '2030-01-01' };
    expect(plan.coverage).toEqual(held);
    expect(plan.coverageAfterPlan).toEqual(held);
    expect(plan.findings).toEqual([]);
  });

  it('makes the period start falls in, and nothing wholly before it, while start is ahead', () => {
    const plan = planOne(
      specOf({ name: 'u', premake: 2, start: '2024-03-15', coverage: { minimumAhead: 2 } }),
      { partitions: [['u_y2024m02', '2024-02-01', '2024-03-01']] },
      { date: '2024-02-10' },
    );
    expect(ranges(plan.create)).toEqual([
      ['u_y2024m03', '2024-03-01', '2024-04-01'],
      ['u_y2024m04', '2024-04-01', '2024-05-01'],
    ]);
    // The existing February partition joins the run; coverage counts from start's month.
    expect(plan.coverage).toEqual({ through: '2024-03-01', aheadPeriods: 0, ok: false, from: '2024-03-01' });
    expect(plan.coverageAfterPlan).toMatchObject({ through: '2024-05-01', aheadPeriods: 2, ok: true });
    expect(codes(plan.findings)).toEqual(['shortfall']);
  });

  it('names the bound coverage counts from as PostgreSQL prints it for timestamptz keys', () => {
    const plan = planOne(
      specOf({ name: 'u', interval: 'year', premake: 1, start: '2026-01-01', timezone: 'Europe/Berlin' }),
      { keyType: 'timestamptz' },
      { date: '2025-09-15' },
    );
    expect(plan.coverageAfterPlan).toEqual({
      through: '2027-01-01 00:00:00+01',
      aheadPeriods: 1,
      ok: true,
      from: '2026-01-01 00:00:00+01',
    });
  });

  it('never plans partitions already past the retention', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 0, start: '2020-01-01', retention: { count: 3, unit: 'month' } }),
      {},
      { date: '2024-02-15' },
    );
    expect(names(plan.create)).toEqual(['t_y2023m11', 't_y2023m12', 't_y2024m01', 't_y2024m02']);
  });
});

describe('MINVALUE and MAXVALUE partitions', () => {
  it('counts a MINVALUE partition as coverage and starts the window at the oldest finite bound', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1 }),
      {
        partitions: [
          ['t_history', 'MINVALUE', '2023-12-01'],
          ['t_y2024m01', '2024-01-01', '2024-02-01'],
        ],
      },
      { date: '2024-02-15' },
    );
    expect(names(plan.create)).toEqual(['t_y2024m02', 't_y2024m03']);
    expect(findingsOf(plan, 'misaligned')[0]!.message).toContain('[MINVALUE, 2023-12-01)');
  });

  it('counts a MAXVALUE partition as covering forever', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 2, coverage: { minimumAhead: 1 } }),
      { partitions: [['t_future', '2024-03-01', 'MAXVALUE']] },
      { date: '2024-02-15' },
    );
    expect(ranges(plan.create)).toEqual([['t_y2024m02', '2024-02-01', '2024-03-01']]);
    expect(plan.coverage).toEqual({ through: null, aheadPeriods: 0, ok: false });
    // Covered without end: no count of periods (null), not a large number.
    expect(plan.coverageAfterPlan).toEqual({ through: 'MAXVALUE', aheadPeriods: null, ok: true });
    expect(findingsOf(plan, 'shortfall')[0]!.message).toContain(
      'the current month is not fully covered; coverage.minimumAhead is 1; this plan fixes it.',
    );
  });

  it('plans nothing for a table covered from MINVALUE to MAXVALUE', () => {
    const plan = planOne(
      specOf({ name: 't' }),
      { partitions: [['t_all', 'MINVALUE', 'MAXVALUE']] },
      { date: '2024-02-15' },
    );
    expect(plan.create).toEqual([]);
    expect(plan.coverage).toEqual({ through: 'MAXVALUE', aheadPeriods: null, ok: true });
  });
});

describe('retention and archival', () => {
  const monthsFrom2016: TableInput['partitions'] = [
    ['t_y2016m12', '2016-12-01', '2017-01-01'],
    ['t_y2017m01', '2017-01-01', '2017-02-01'],
    ['t_y2017m02', '2017-02-01', '2017-03-01'],
  ];
  const sevenYears = { count: 7, unit: 'year' } as const;

  it('finds partitions ending at or before the cutoff, oldest first', () => {
    const plan = planOne(
      specOf({ name: 't', retention: sevenYears, archive: { drop: false } }),
      { partitions: monthsFrom2016 },
      { date: '2024-02-15' },
    );
    expect(plan.archive.map((a) => [a.name, a.from, a.to])).toEqual([
      ['t_y2016m12', '2016-12-01', '2017-01-01'],
      ['t_y2017m01', '2017-01-01', '2017-02-01'],
    ]);
    expect(plan.archive.map((a) => a.steps)).toEqual([['detach'], ['detach']]);
    expect(plan.archive[0]!.targetSchema).toBe('public');
    expect(findingsOf(plan, 'retention-due')).toEqual([]);
  });

  it('keeps a MINVALUE partition past the retention, saying why, and archives the others', () => {
    const plan = planOne(
      specOf({ name: 't', retention: sevenYears, archive: { schema: 'archive', drop: false } }),
      { partitions: [['t_history', 'MINVALUE', '2016-12-01'], ...monthsFrom2016] },
      { date: '2024-02-15' },
    );
    expect(plan.archive.map((a) => a.name)).toEqual(['t_y2016m12', 't_y2017m01']);
    expect(findingsOf(plan, 'retention-due')).toEqual([
      {
        level: 'info',
        code: 'retention-due',
        message:
          'public.t_history covers [MINVALUE, 2016-12-01), all of it at or before the retention cutoff 2017-02-01, ' +
          'but it is not archived: it takes every older key, so detaching it would leave old rows nowhere to go ' +
          '(or send them to DEFAULT); detach it by hand if its rows may go.',
      },
    ]);
    // Its misaligned finding no longer promises to leave alone what archival would take.
    expect(findingsOf(plan, 'misaligned').map((f) => f.message)).toEqual([
      'public.t_history covers [MINVALUE, 2016-12-01), which is not exactly one month; it is not resized, and only the ranges around it are planned.',
    ]);
  });

  it('archives a misaligned partition past the retention like any other', () => {
    const plan = planOne(
      specOf({ name: 't', retention: sevenYears, archive: { drop: false } }),
      {
        partitions: [
          ['t_odd', '2016-11-15', '2016-12-15'],
          ['t_y2024m02', '2024-02-01', '2024-03-01'],
        ],
      },
      { date: '2024-02-15' },
    );
    expect(plan.archive.map((a) => [a.name, a.from, a.to])).toEqual([['t_odd', '2016-11-15', '2016-12-15']]);
  });

  it('only reports due partitions when there is no archive config', () => {
    const plan = planOne(
      specOf({ name: 't', retention: sevenYears }),
      { partitions: monthsFrom2016 },
      {
        date: '2024-02-15',
      },
    );
    expect(plan.archive.map((a) => a.steps)).toEqual([[], []]);
    expect(findingsOf(plan, 'retention-due')).toEqual([
      {
        level: 'info',
        code: 'retention-due',
        message: expect.stringMatching(
          /2 partitions ending at or before 2017-02-01.*public\.t_y2016m12, public\.t_y2017m01/,
        ),
      },
    ]);
  });

  it.each([
    [{ schema: 'archive', drop: false }, ['detach', 'move'], 'archive'],
    [{ dump: './archive', drop: false }, ['detach', 'dump', 'verify', 'upload'], 'public'],
    [
      { schema: 'archive', dump: './archive', drop: true },
      ['detach', 'move', 'dump', 'verify', 'upload', 'drop'],
      'archive',
    ],
    // config validation refuses drop without dump; the planner never drops without one either
    [{ drop: true }, ['detach'], 'public'],
  ])('archive %o → steps %o', (archive, steps, targetSchema) => {
    const plan = planOne(
      specOf({ name: 't', retention: sevenYears, archive }),
      { partitions: monthsFrom2016 },
      { date: '2024-02-15' },
    );
    expect(plan.archive[0]).toMatchObject({ steps, targetSchema });
  });

  it('prints archive bounds like PostgreSQL for timestamptz keys', () => {
    const plan = planOne(
      specOf({
        name: 't',
        interval: 'year',
        timezone: 'Europe/Berlin',
        retention: { count: 1, unit: 'year' },
      }),
      {
        keyType: 'timestamptz',
        partitions: [
          ['t_y2022', '2022-01-01', '2023-01-01'],
          ['t_y2024', '2024-01-01', '2025-01-01'],
        ],
      },
      { date: '2024-06-01' },
    );
    expect(plan.archive.map((a) => [a.from, a.to])).toEqual([
      ['2022-01-01 00:00:00+01', '2023-01-01 00:00:00+01'],
    ]);
  });
});

describe('rows in the DEFAULT partition', () => {
  it('counts them into the create whose range holds them and reports the total', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 2 }),
      {
        partitions: [['t_y2024m02', '2024-02-01', '2024-03-01']],
        defaultRows: { '2023-06-01': 7, '2024-03-05': 10, '2024-03-31': 5, '2024-04-01': 1 },
      },
      { date: '2024-02-15' },
    );
    expect(plan.create.map((c) => [c.name, c.defaultRows])).toEqual([
      ['t_y2024m03', 15],
      ['t_y2024m04', 1],
    ]);
    const [finding] = findingsOf(plan, 'default-rows');
    expect(finding).toMatchObject({ level: 'error' });
    expect(finding!.message).toContain('public.t_default holds 23 rows');
    expect(finding!.message).toContain('creating t_y2024m03 would fail until its 15 rows are moved out');
    expect(finding!.message).toContain('creating t_y2024m04 would fail until its 1 row is moved out');
  });

  it('places days by the table zone for timestamptz keys', () => {
    const plan = planOne(
      specOf({ name: 't', interval: 'day', premake: 1, timezone: 'Europe/Berlin' }),
      { keyType: 'timestamptz', defaultRows: { '2024-03-31': 3, '2024-04-01': 4, infinity: 2 } },
      { date: '2024-03-31' },
    );
    expect(plan.create.map((c) => c.defaultRows)).toEqual([3, 4]);
    expect(findingsOf(plan, 'default-rows')[0]!.message).toContain('holds 9 rows');
  });

  it('says nothing when the DEFAULT partition is empty', () => {
    const plan = planOne(specOf({ name: 't' }), { defaultPartition: 't_default' }, { date: '2024-02-15' });
    expect(findingsOf(plan, 'default-rows')).toEqual([]);
    expect(plan.create.every((c) => c.defaultRows === 0)).toBe(true);
  });
});

describe('the runaway guard', () => {
  it('keeps current and premake, then the gaps nearest to now', () => {
    const spec = specOf({
      name: 't',
      interval: 'day',
      start: '1990-01-01',
      premake: 2,
      maxPartitionsPerRun: 300,
    });
    const plan = planOne(spec, {}, { date: '2024-02-15' });
    const due = (Date.UTC(2024, 1, 18) - Date.UTC(1990, 0, 1)) / 86_400_000;
    expect(plan.create).toHaveLength(300);
    expect(plan.create.slice(-3).map((c) => [c.name, c.reason])).toEqual([
      ['t_y2024m02d15', 'current'],
      ['t_y2024m02d16', 'premake'],
      ['t_y2024m02d17', 'premake'],
    ]);
    expect(plan.create[0]!.from).toBe('2023-04-24');
    const sorted = [...plan.create].sort((a, b) => a.fromValue - b.fromValue);
    expect(plan.create).toEqual(sorted);
    expect(findingsOf(plan, 'limit')).toEqual([
      {
        level: 'warning',
        code: 'limit',
        message: `${due - 300} more partitions are due between 1990-01-01 and 2023-04-24; maxPartitionsPerRun is 300, so later runs will create them.`,
      },
    ]);
  });

  it('examines at most 20,000 periods back, whatever a stray bound from year 1 asks; the gap is still reported whole', () => {
    const spec = specOf({ name: 't', interval: 'day', premake: 2, maxPartitionsPerRun: 100 });
    const plan = planOne(
      spec,
      {
        partitions: [
          ['t_old', '0001-01-01', '0001-01-02'],
          ['t_far', '9000-01-01', '9000-01-02'],
        ],
      },
      { date: '2024-02-15' },
    );
    expect(plan.create).toHaveLength(100);
    expect(plan.create.at(-1)?.name).toBe('t_y2024m02d17');
    expect(findingsOf(plan, 'gap').map((f) => f.message)).toEqual([
      'no partition covers [0001-01-02, 2024-02-15), before the current day; rows there are rejected or land in DEFAULT.',
    ]);
    expect(findingsOf(plan, 'limit').map((f) => f.message)).toEqual([
      '19900 more partitions are due between 1969-05-17 and 2023-11-10; maxPartitionsPerRun is 100, so later runs will create them.',
      "the window reaches back to 0001-01-01, 718933 days before 1969-05-17; this run examines only the 20000 periods from 1969-05-17 on (check start, retention and the oldest partition's bound).",
    ]);
  });

  it('gives up premake periods only when they alone exceed the limit', () => {
    const spec = specOf({ name: 't', interval: 'day', premake: 5, maxPartitionsPerRun: 2 });
    const plan = planOne(spec, {}, { date: '2024-02-15' });
    expect(names(plan.create)).toEqual(['t_y2024m02d15', 't_y2024m02d16']);
    expect(findingsOf(plan, 'limit')[0]!.message).toMatch(/^4 more partitions/);
  });
});

describe('names taken by other relations', () => {
  it('does not plan a period whose name another relation holds, and says what that is', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1 }),
      { partitions: [['t_y2024m02', '2024-02-01', '2024-03-01']] },
      { date: '2024-02-15' },
      { otherRelations: { public: [['t_y2024m03', 'a view']] } },
    );
    expect(plan.create).toEqual([]);
    // A view cannot be attached: the finding must not suggest it.
    expect(findingsOf(plan, 'name-taken')).toEqual([
      {
        level: 'error',
        code: 'name-taken',
        message:
          'public.t_y2024m03 already exists as a view, not a partition of public.t, ' +
          'so [2024-03-01, 2024-04-01) cannot be created under that name; rename or drop it.',
      },
    ]);
    expect(plan.coverageAfterPlan).toEqual({ through: '2024-03-01', aheadPeriods: 0, ok: false });
    expect(findingsOf(plan, 'shortfall')[0]!.message).toContain('after this plan still short');
  });

  it.each([
    ['a partition', 'a partition of another table'],
    ['a type', 'a type'],
    ['an index', 'an index'],
  ])('names %s holding the name as %s', (holder, said) => {
    const plan = planOne(
      specOf({ name: 't', premake: 0 }),
      {},
      { date: '2024-02-15' },
      { otherRelations: { public: [['t_y2024m02', holder]] } },
    );
    expect(findingsOf(plan, 'name-taken').map((f) => f.message)).toEqual([
      `public.t_y2024m02 already exists as ${said}, not a partition of public.t, so [2024-02-01, 2024-03-01) cannot be created under that name; rename or drop it.`,
    ]);
  });

  it('adopts a detached table of the planned name in the parent’s schema, not one in the archive', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1 }),
      {
        partitions: [['t_y2024m02', '2024-02-01', '2024-03-01']],
        detached: ['public.t_y2024m03', 'archive.t_y2024m04'],
      },
      { date: '2024-02-15' },
    );
    expect(plan.create.map((c) => [c.name, c.from, c.to, c.adopt ?? false])).toEqual([
      ['t_y2024m03', '2024-03-01', '2024-04-01', true],
    ]);
    expect(findingsOf(plan, 'adopt')[0]!.message).toContain(
      'public.t_y2024m03 exists but is attached nowhere',
    );
  });

  it('is not confused by a relation of that name in another schema', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 0 }),
      {},
      { date: '2024-02-15' },
      {
        otherRelations: { archive: ['t_y2024m02'] },
      },
    );
    expect(names(plan.create)).toEqual(['t_y2024m02']);
  });

  it('suffixes the name when one of the table’s own partitions holds it', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1 }),
      { partitions: [['t_y2024m03', '2024-02-01', '2024-03-01']] },
      { date: '2024-02-15' },
    );
    expect(ranges(plan.create)).toEqual([['t_y2024m03_p2', '2024-03-01', '2024-04-01']]);
    expect(codes(plan.findings)).toEqual(['unmanaged-name', 'shortfall']);
  });

  it('skips a piece whose suffixed name would pass 63 bytes', () => {
    const parent = 'p'.repeat(54); // + '_y2024m02' = 63 bytes, + '_p2' = 66
    const plan = planOne(
      specOf({ name: parent, premake: 0 }),
      { partitions: [[`${parent}_y2024m02`, '2024-02-10', '2024-03-01']] },
      { date: '2024-02-15' },
    );
    expect(plan.create).toEqual([]);
    expect(findingsOf(plan, 'name-taken')).toEqual([
      expect.objectContaining({ level: 'error', message: expect.stringContaining('63-byte') }),
    ]);
  });
});

describe('coverage', () => {
  const measure = (partitions: TableInput['partitions'], minimumAhead = 1) =>
    planOne(
      specOf({ name: 't', premake: 2, coverage: { minimumAhead } }),
      { partitions },
      { date: '2024-02-15' },
    );

  it('counts whole periods ahead of the current one', () => {
    const plan = measure([
      ['t_y2024m01', '2024-01-01', '2024-02-01'],
      ['t_y2024m02', '2024-02-01', '2024-03-01'],
      ['t_y2024m03', '2024-03-01', '2024-04-01'],
      ['t_y2024m04', '2024-04-01', '2024-05-01'],
      ['t_y2024m05', '2024-05-01', '2024-06-01'],
    ]);
    expect(plan.coverage).toEqual({ through: '2024-06-01', aheadPeriods: 3, ok: true });
    expect(plan.create).toEqual([]);
    expect(findingsOf(plan, 'shortfall')).toEqual([]);
  });

  it('does not count a period covered only in part', () => {
    const plan = measure([
      ['t_y2024m02', '2024-02-01', '2024-03-01'],
      ['t_part', '2024-03-01', '2024-03-15'],
    ]);
    expect(plan.coverage).toEqual({ through: '2024-03-15', aheadPeriods: 0, ok: false });
    expect(plan.coverageAfterPlan).toEqual({ through: '2024-05-01', aheadPeriods: 2, ok: true });
    expect(findingsOf(plan, 'shortfall')[0]!.message).toContain('0 months ahead');
  });

  it('stops at the first break', () => {
    const plan = measure([
      ['t_y2024m02', '2024-02-01', '2024-03-01'],
      ['t_y2024m04', '2024-04-01', '2024-05-01'],
    ]);
    expect(plan.coverage).toEqual({ through: '2024-03-01', aheadPeriods: 0, ok: false });
  });

  it('is null when the current period is not (fully) covered', () => {
    expect(measure([['t_y2024m03', '2024-03-01', '2024-04-01']]).coverage.through).toBeNull();
    expect(measure([['t_half', '2024-02-01', '2024-02-10']]).coverage.through).toBeNull();
  });

  it('is ok with minimumAhead 0 when only the current period exists', () => {
    const plan = measure([['t_y2024m02', '2024-02-01', '2024-03-01']], 0);
    expect(plan.coverage).toEqual({ through: '2024-03-01', aheadPeriods: 0, ok: true });
  });

  it('prints through for timestamptz with the offset', () => {
    const plan = planOne(
      specOf({ name: 't', premake: 1, timezone: 'Europe/Berlin' }),
      { keyType: 'timestamptz', partitions: [['t_y2024m02', '2024-02-01', '2024-03-01']] },
      { date: '2024-02-15' },
    );
    expect(plan.coverage.through).toBe('2024-03-01 00:00:00+01');
    expect(plan.coverageAfterPlan).toEqual({ through: '2024-04-01 00:00:00+02', aheadPeriods: 1, ok: true });
  });
});

describe('the plan as a whole', () => {
  it('quotes the display name and keeps the config order', () => {
    const odd = specOf({ schema: 'Sales EU', name: 'Orders 2024', premake: 0 });
    const plain = specOf({ name: 'a', premake: 0 });
    const plan = buildPlan(
      [odd, plain],
      snapshotOf([{ name: 'a' }, { schema: 'Sales EU', name: 'Orders 2024' }]),
      {
        date: '2024-02-15',
      },
    );
    expect(plan.tables.map((t) => t.table)).toEqual(['"Sales EU"."Orders 2024"', 'public.a']);
    expect(plan.tables[0]!.create[0]).toMatchObject({ schema: 'Sales EU', name: 'Orders 2024_y2024m02' });
  });

  it('is deterministic: the same input, in any order, gives the same plan', () => {
    const spec = specOf({
      name: 't',
      premake: 2,
      start: '2023-01-01',
      retention: { count: 1, unit: 'year' },
    });
    const partitions: TableInput['partitions'] = [
      ['t_y2023m05', '2023-05-01', '2023-06-01'],
      ['t_q', '2023-07-01', '2023-10-01'],
      ['t_y2024m02', '2024-02-01', '2024-03-01'],
      ['t_mid', '2023-11-15', '2023-12-10'],
    ];
    const table = { name: 't', partitions, defaultRows: { '2024-03-02': 4, '2023-06-06': 1 } };
    const first = buildPlan([spec], snapshotOf([table]), { date: '2024-02-15' });
    const again = buildPlan([spec], snapshotOf([table]), { date: '2024-02-15' });
    const reversed = buildPlan([spec], snapshotOf([{ ...table, partitions: [...partitions].reverse() }]), {
      date: '2024-02-15',
    });
    expect(again).toEqual(first);
    expect(reversed).toEqual(first);
  });
});
