// Archival, pure: which tables retention acts on, the steps they become, their headers read back,
// and the origin mark read strictly.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/planner';
import { buildSteps } from '../../src/steps/build';
import { parseHeader, renderHeader } from '../../src/sql/header';
import { parseOrigin, renderOrigin } from '../../src/catalog/origin';
import type { ArchiveSpec, CatalogSnapshot, Now, TablePlan, TableSpec } from '../../src/types';
import type { Step } from '../../src/steps/step';
import { snapshotOf, specOf, type TableInput } from '../helpers/snapshot';
import { vanishesWithJob } from '../../src/run/effects';

const kid = (archive?: ArchiveSpec, extra: Partial<TableSpec> = {}): TableSpec =>
  specOf({
    name: 'kid_absences',
    interval: 'year',
    naming: '{parent}_{YYYY}',
    premake: 1,
    retention: { count: 1, unit: 'year' },
    ...(archive && { archive }),
    ...extra,
  });

const years = (from: number, to: number): TableInput['partitions'] =>
  Array.from({ length: to - from + 1 }, (_, i) => [
    `kid_absences_${from + i}`,
    `${from + i}-01-01`,
    `${from + i + 1}-01-01`,
  ]);

function planWith(
  spec: TableSpec,
  table: TableInput,
  now: Now,
  edit?: (s: CatalogSnapshot) => void,
): TablePlan {
  const snapshot = snapshotOf([table]);
  edit?.(snapshot);
  return buildPlan([spec], snapshot, now).tables[0]!;
}

const parentOf = (s: CatalogSnapshot) => [...s.parents.values()][0]!;
const MARK_2025 =
  'partition-keeper:v1 {"parent":"public.kid_absences","from":"2025-01-01","to":"2026-01-01"}';
const ALL: ArchiveSpec = { schema: 'archive', dump: 's3://kids/archive', drop: true };

describe('retention acts only where it may', () => {
  it('never the DEFAULT partition, the current period, anything ahead, or the last partition', () => {
    const spec = kid(ALL);
    // on 2027-03-01 with 1 year retention the cutoff is 2026-01-01: 2025 and older are due
    const plan = planWith(
      spec,
      { name: 'kid_absences', partitions: years(2024, 2029), defaultPartition: 'kid_absences_default' },
      { date: '2027-03-01' },
    );
    expect(plan.archive.map((a) => a.name)).toEqual(['kid_absences_2024', 'kid_absences_2025']);
    const steps = buildSteps({ now: '2027-03-01', tables: [plan] });
    const touched = new Set(steps.filter((s) => s.kind !== 'create').map((s) => s.partition.name));
    expect([...touched]).toEqual(['kid_absences_2024', 'kid_absences_2025']);
    // a DEFAULT partition rules out CONCURRENTLY
    expect(plan.archive.every((a) => !a.concurrently)).toBe(true);
  });

  it('leaves a partition that is itself partitioned alone, and says so', () => {
    const partitions: TableInput['partitions'] = [
      { name: 'kid_absences_2024', from: '2024-01-01', to: '2025-01-01', subPartitioned: true },
      ...(years(2025, 2029) ?? []),
    ];
    const plan = planWith(kid(ALL), { name: 'kid_absences', partitions }, { date: '2027-03-01' });
    expect(plan.archive.map((a) => a.name)).toEqual(['kid_absences_2025']);
    expect(plan.findings).toContainEqual({
      level: 'warning',
      code: 'retention-due',
      message:
        'public.kid_absences_2024 is past the retention but is itself partitioned; retention leaves it alone (archive its sub-partitions by hand).',
    });
  });

  it('keeps the last partition even when it is past the retention, and says so', () => {
    const plan = planWith(
      kid(ALL),
      { name: 'kid_absences', partitions: years(2020, 2021) },
      { date: '2027-03-01' },
    );
    expect(plan.archive.map((a) => a.name)).toEqual(['kid_absences_2020']);
    expect(plan.findings.map((f) => f.message)).toContain(
      'public.kid_absences_2021 is past the retention but is the last partition of public.kid_absences; it is kept (create newer partitions first).',
    );
  });

  it('without archive: due partitions have no steps (reported only)', () => {
    const plan = planWith(
      kid(undefined),
      { name: 'kid_absences', partitions: years(2024, 2027) },
      { date: '2027-03-01' },
    );
    expect(plan.archive.map((a) => [a.name, a.steps])).toEqual([
      ['kid_absences_2024', []],
      ['kid_absences_2025', []],
    ]);
    expect(buildSteps({ now: '2027-03-01', tables: [plan] }).filter((s) => s.kind !== 'create')).toEqual([]);
  });

  it('CONCURRENTLY on PostgreSQL 14+ without DEFAULT; plain on 13; a missing archive schema is created', () => {
    const table = { name: 'kid_absences', partitions: years(2024, 2027) };
    const on = (version: number) =>
      planWith(kid(ALL), table, { date: '2027-03-01' }, (s) => {
        s.serverVersion = version;
        s.schemas = new Set(['public']);
      });
    expect(on(140000).archive[0]).toMatchObject({
      concurrently: true,
      createSchema: true,
      store: 's3://kids/archive',
    });
    expect(on(130000).archive[0]).toMatchObject({ concurrently: false });
  });

  it('the seed flow: 2025 → detach, move to archive, dump, verify, upload, drop, oldest first', () => {
    const plan = planWith(
      kid(ALL),
      { name: 'kid_absences', partitions: years(2025, 2028) },
      { date: '2027-03-01' },
    );
    const steps = buildSteps({ now: '2027-03-01', tables: [plan] });
    const archival = steps.filter((s) => s.kind !== 'create');
    expect(archival.map((s) => [s.kind, `${s.partition.schema}.${s.partition.name}`])).toEqual([
      ['detach', 'public.kid_absences_2025'],
      ['move', 'public.kid_absences_2025'],
      ['dump', 'archive.kid_absences_2025'],
      ['verify', 'archive.kid_absences_2025'],
      ['upload', 'archive.kid_absences_2025'],
      ['drop', 'archive.kid_absences_2025'],
    ]);
  });

  it('claims with 7-year retention: monthly partitions before 2017-03 are due on 2024-03-15', () => {
    const spec = specOf({
      name: 'claim_line_items',
      naming: '{parent}_y{YYYY}m{MM}',
      retention: { count: 7, unit: 'year' },
      archive: { schema: 'archive', drop: false },
    });
    const partitions: TableInput['partitions'] = [];
    for (let y = 2016; y <= 2024; y += 1)
      for (let m = 1; m <= 12; m += 1) {
        const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
        partitions.push([
          `claim_line_items_y${y}m${String(m).padStart(2, '0')}`,
          `${y}-${String(m).padStart(2, '0')}-01`,
          next,
        ]);
      }
    const plan = planWith(spec, { name: 'claim_line_items', partitions }, { date: '2024-03-15' });
    expect(plan.archive.map((a) => a.name)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => `claim_line_items_y2016m${String(i + 1).padStart(2, '0')}`),
      'claim_line_items_y2017m01',
      'claim_line_items_y2017m02',
    ]);
    expect(plan.archive.every((a) => a.steps.join() === 'detach,move')).toBe(true);
  });
});

describe('picking up where a run stopped', () => {
  const table = {
    name: 'kid_absences',
    partitions: years(2026, 2028),
    detached: ['public.kid_absences_2025'],
  };
  const marked =
    (comment: string, schema = 'public') =>
    (s: CatalogSnapshot) => {
      const archived = parentOf(s).archived[0]!;
      archived.schema = schema;
      const origin = parseOrigin(comment);
      if (origin && 'problem' in origin) archived.originProblem = origin.problem;
      else if (origin) archived.origin = origin;
    };

  it('a marked table left in the parent schema: move, dump, verify, upload, drop', () => {
    const plan = planWith(kid(ALL), table, { date: '2027-03-01' }, marked(MARK_2025));
    expect(plan.archive).toEqual([
      expect.objectContaining({
        name: 'kid_absences_2025',
        state: 'detached',
        steps: ['move', 'dump', 'verify', 'upload', 'drop'],
      }),
    ]);
  });

  it('a marked table in the archive schema whose dump is stored: only the drop is left, or nothing', () => {
    const stored = MARK_2025.replace(/}$/, ',"dump":"s3://kids/archive/x.dump"}');
    expect(
      planWith(kid(ALL), table, { date: '2027-03-01' }, marked(stored, 'archive')).archive[0]!.steps,
    ).toEqual(['drop']);
    expect(
      planWith(kid({ ...ALL, drop: false }), table, { date: '2027-03-01' }, marked(stored, 'archive'))
        .archive,
    ).toEqual([]);
  });

  it('a table marked for another parent, or not past retention, or with a broken mark, is left alone', () => {
    const other = MARK_2025.replace('public.kid_absences', 'public.other');
    expect(planWith(kid(ALL), table, { date: '2027-03-01' }, marked(other)).archive).toEqual([]);
    const young = planWith(kid(ALL), table, { date: '2026-03-01' }, marked(MARK_2025));
    expect(young.archive).toEqual([]);
    expect(young.findings.map((f) => f.message).join('\n')).toMatch(
      /kid_absences_2025 was detached .* not past the retention/,
    );
    const broken = planWith(
      kid(ALL),
      table,
      { date: '2027-03-01' },
      marked('partition-keeper:v1 {"parent":1}'),
    );
    expect(broken.archive).toEqual([]);
    expect(broken.findings.map((f) => f.message).join('\n')).toMatch(
      /kid_absences_2025 is left alone: .*no "parent" string/,
    );
  });

  it('a pending detach is finalized, then archived like the others', () => {
    const plan = planWith(
      kid(ALL),
      { name: 'kid_absences', partitions: years(2025, 2028) },
      { date: '2027-03-01' },
      (s) => {
        parentOf(s).partitions[0]!.detachPending = true;
      },
    );
    expect(plan.archive.map((a) => [a.name, a.state, a.steps[0]])).toEqual([
      ['kid_absences_2025', 'pending', 'finalize'],
    ]);
  });
});

describe('headers of archival steps read back into the same steps', () => {
  const parent = { schema: 'public', name: 'kid_absences' };
  const base = { parent, from: '2025-01-01', to: '2026-01-01' };
  const odd = { schema: 'Archiv "alt"', name: 'kid)2025 of x\nline' };
  const cases: Step[] = [
    {
      kind: 'detach',
      ...base,
      partition: { schema: 'public', name: 'kid_absences_2025' },
      concurrently: true,
    },
    { kind: 'detach', ...base, partition: odd, concurrently: false },
    { kind: 'finalize', ...base, partition: { schema: 'public', name: 'kid_absences_2025' } },
    {
      kind: 'move',
      ...base,
      partition: { schema: 'public', name: 'kid_absences_2025' },
      schema: 'archive',
      createSchema: true,
    },
    { kind: 'move', ...base, partition: odd, schema: 'Select', createSchema: false },
    { kind: 'dump', ...base, partition: odd, store: "s3://b/it's (old)" },
    { kind: 'verify', ...base, partition: odd, store: './archive' },
    { kind: 'upload', ...base, partition: odd, store: 's3://claims-archive/pg' },
    { kind: 'drop', ...base, partition: odd, store: '/var/lib/dumps\\x' },
    { kind: 'reattach', ...base, partition: { schema: 'archive', name: 'kid_absences_2025' } },
  ];
  it.each(cases.map((c) => [renderHeader(c, 2, 9), c] as const))('%s', (line, step) => {
    expect(line).not.toMatch(/[\n\r]/);
    expect(parseHeader(line)).toEqual({ index: 2, total: 9, step });
  });

  it('the seed header reads as it should', () => {
    expect(renderHeader(cases[0]!, 1, 6)).toBe(
      '-- step 1/6: detach public.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (concurrently)',
    );
    expect(
      renderHeader(
        {
          kind: 'dump',
          ...base,
          partition: { schema: 'archive', name: 'kid_absences_2025' },
          store: 's3://kids/archive',
        },
        3,
        6,
      ),
    ).toBe(
      "-- step 3/6: dump archive.kid_absences_2025 [2025-01-01, 2026-01-01) of public.kid_absences (store 's3://kids/archive')",
    );
  });

  it('refuses a header with an unknown note or a missing store', () => {
    expect(() =>
      parseHeader('-- step 1/2: detach public.a [2025-01-01, 2026-01-01) of public.p (fast)'),
    ).toThrow(/concurrently/);
    expect(() => parseHeader('-- step 1/2: drop public.a [2025-01-01, 2026-01-01) of public.p')).toThrow(
      /store/,
    );
    expect(() =>
      parseHeader('-- step 1/2: move public.a [2025-01-01, 2026-01-01) of public.p to schema x (now)'),
    ).toThrow(/unknown note/);
    expect(() => parseHeader('-- step 1/2: explode public.a [2025-01-01, 2026-01-01) of public.p')).toThrow(
      /step kind/,
    );
  });
});

describe('the origin mark', () => {
  it('renders as DESIGN.md writes it and reads back', () => {
    const mark = { parent: { schema: 'public', name: 'kid_absences' }, from: '2025-01-01', to: '2026-01-01' };
    expect(renderOrigin(mark)).toBe(MARK_2025);
    expect(parseOrigin(MARK_2025)).toEqual(mark);
    const odd = {
      parent: { schema: 'Sales EU', name: 'Orders "x"' },
      from: '2025-01-01 00:00:00+00',
      to: '2026-01-01 00:00:00+00',
      dump: 's3://b/p',
    };
    expect(parseOrigin(renderOrigin(odd))).toEqual(odd);
  });

  it('is strict: not ours without the prefix; a problem for anything else', () => {
    expect(parseOrigin(null)).toBeUndefined();
    expect(parseOrigin('archived by hand')).toBeUndefined();
    expect(parseOrigin('partition-keeper:v2 {}')).toBeUndefined();
    for (const [body, problem] of [
      ['{', /not JSON/],
      ['[1]', /not a JSON object/],
      ['{"parent":"public.t","from":"2025-01-01"}', /no "to" string/],
      ['{"parent":"public.t","from":"2025-01-01","to":"2026-01-01","extra":1}', /unknown fields: extra/],
      ['{"parent":"a.b.c","from":"2025-01-01","to":"2026-01-01"}', /parent has 3 parts/],
      ['{"parent":"public.t","from":"2025-01-01","to":"2026-01-01","dump":5}', /"dump" that is not a string/],
    ] as const) {
      expect(parseOrigin(`partition-keeper:v1 ${body}`)).toEqual({ problem: expect.stringMatching(problem) });
    }
  });
});

describe('a directory store that vanishes with the job', () => {
  it('is one inside GITHUB_WORKSPACE or RUNNER_TEMP; s3:// and other directories are kept', () => {
    const env = { GITHUB_WORKSPACE: '/home/runner/work/repo', RUNNER_TEMP: '/home/runner/_temp' };
    expect(vanishesWithJob('/home/runner/work/repo/archive', env)).toBe(true);
    expect(vanishesWithJob('/home/runner/_temp/dumps', env)).toBe(true);
    expect(vanishesWithJob('/home/runner/work/repository-other', env)).toBe(false);
    expect(vanishesWithJob('/srv/archive', env)).toBe(false);
    expect(vanishesWithJob('s3://bucket/prefix', env)).toBe(false);
    expect(vanishesWithJob('/srv/archive', {})).toBe(false);
  });
});
