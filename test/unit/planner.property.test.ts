import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateToBound, formatBound } from '../../src/plan/bounds';
import { addDays, addPeriods, periodStart } from '../../src/plan/calendar';
import { renderName } from '../../src/plan/naming';
import { buildPlan } from '../../src/plan/planner';
import { type Range, mergeRanges, overlaps, subtractRanges } from '../../src/plan/ranges';
import { alignedPeriod, periodsBetween } from '../../src/plan/periods';
import { planningWindow } from '../../src/plan/window';
import { INTERVALS, type Interval, type KeyType, type TableSpec } from '../../src/types';
import { type PartitionInput, snapshotOf, specOf } from '../helpers/snapshot';

const KEYS: [KeyType, string][] = [
  ['date', 'UTC'],
  ['timestamp', 'Europe/Berlin'],
  ['timestamptz', 'UTC'],
  ['timestamptz', 'Europe/Berlin'],
  ['timestamptz', 'America/Sao_Paulo'],
  ['timestamptz', 'America/Havana'],
  ['timestamptz', 'Asia/Kolkata'],
];

/** A date near the current period: k whole periods away, pushed `jitter` days off the grid. */
const nearDate = fc.record({
  periods: fc.integer({ min: -8, max: 8 }),
  jitter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
});
type NearDate = { periods: number; jitter: number };

const scenario = fc.record({
  interval: fc.constantFrom(...INTERVALS),
  key: fc.constantFrom(...KEYS),
  nowOffset: fc.integer({ min: 0, max: 365 * 12 }),
  cuts: fc.array(nearDate, { maxLength: 10 }),
  keep: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
  templateNames: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
  minValue: fc.boolean(),
  maxValue: fc.boolean(),
  start: fc.option(nearDate, { nil: undefined }),
  premake: fc.integer({ min: 0, max: 4 }),
  minimumAhead: fc.integer({ min: 0, max: 3 }),
  retention: fc.option(
    fc.record({ count: fc.integer({ min: 1, max: 6 }), unit: fc.constantFrom(...INTERVALS) }),
    { nil: undefined },
  ),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function dateNear(current: string, interval: Interval, near: NearDate): string {
  return addDays(addPeriods(current, interval, near.periods), near.jitter);
}

/** Existing partitions: consecutive cut points, some pairs kept, optionally open-ended at either side. */
function partitionsOf(s: Scenario, current: string): PartitionInput[] {
  const cuts = [...new Set(s.cuts.map((c) => dateNear(current, s.interval, c)))].sort();
  const partitions: PartitionInput[] = [];
  const used = new Set<string>();
  const nameFor = (i: number, from: string): string => {
    const template = renderName(specOf({ name: 't', interval: s.interval }).naming, 't', from);
    const name = s.templateNames[i] && !used.has(template) ? template : `t_part_${i}`;
    used.add(name);
    return name;
  };
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    if (s.keep[i]) partitions.push({ name: nameFor(i, cuts[i]!), from: cuts[i]!, to: cuts[i + 1]! });
  }
  const first = cuts[0];
  const last = cuts[cuts.length - 1];
  if (s.minValue && first && !partitions.some((p) => p.from === first)) {
    partitions.push({ name: 't_min', from: 'MINVALUE', to: first });
  }
  if (s.maxValue && last && !partitions.some((p) => p.to === last)) {
    partitions.push({ name: 't_max', from: last, to: 'MAXVALUE' });
  }
  return partitions;
}

function setup(s: Scenario) {
  const [keyType, timezone] = s.key;
  const now = addDays('2015-01-01', s.nowOffset);
  const current = periodStart(now, s.interval);
  const spec: TableSpec = specOf({
    name: 't',
    interval: s.interval,
    timezone,
    premake: s.premake,
    coverage: { minimumAhead: s.minimumAhead },
    start: s.start && dateNear(current, s.interval, s.start),
    retention: s.retention,
    maxPartitionsPerRun: 100_000,
  });
  const inputs = partitionsOf(s, current);
  const snapshot = snapshotOf([{ name: 't', keyType, timezone, partitions: inputs }]);
  const existing = snapshot.parents.values().next().value!.partitions;
  const plan = buildPlan([spec], snapshot, { date: now });
  const table = plan.tables[0]!;
  const grid = { interval: s.interval, keyType, timezone };
  const window = planningWindow(spec, grid, current, existing);
  const bound = (date: string): number => dateToBound(date, keyType, timezone);
  const windowRange: Range = { from: bound(window.first), to: bound(window.end) };
  const planned: Range[] = table.create.map((c) => ({ from: c.fromValue, to: c.toValue }));
  return {
    spec,
    inputs,
    snapshot,
    now,
    current,
    existing,
    table,
    window,
    windowRange,
    planned,
    keyType,
    timezone,
  };
}

/** The window start restated from the contract: start, else min(oldest partition, now), not before retention. */
function expectedWindowStart(spec: TableSpec, inputs: PartitionInput[], current: string): string {
  const oldest = inputs
    .map((p) => p.from)
    .filter((from): from is string => typeof from === 'string' && from !== 'MINVALUE')
    .sort()[0];
  const fromPartitions =
    oldest && periodStart(oldest, spec.interval) < current ? periodStart(oldest, spec.interval) : current;
  const start = spec.start ? periodStart(spec.start, spec.interval) : undefined;
  // Nothing is made wholly before start, even while it lies ahead (the window may then be empty).
  const natural = start ?? fromPartitions;
  if (!spec.retention) return natural;
  const floor = periodStart(addPeriods(current, spec.retention.unit, -spec.retention.count), spec.interval);
  return natural > floor ? natural : floor;
}

const RUNS = { numRuns: 300 };

describe('planner properties', () => {
  it('never overlaps an existing partition or another planned one', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { existing, planned } = setup(s);
        for (const [i, a] of planned.entries()) {
          expect(a.from).toBeLessThan(a.to);
          for (const p of existing) expect(overlaps(a, p)).toBe(false);
          for (const b of planned.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('leaves no gap from the window start through current + premake', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { existing, planned, windowRange, window } = setup(s);
        if (window.first >= window.end) return;
        expect(subtractRanges(windowRange, mergeRanges([...existing, ...planned]))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('plans only inside the window, which ends after current + premake', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { planned, windowRange, window, current, spec, inputs } = setup(s);
        expect(window.first).toBe(expectedWindowStart(spec, inputs, current));
        expect(window.end).toBe(addPeriods(current, s.interval, s.premake + 1));
        for (const r of planned) {
          expect(r.from).toBeGreaterThanOrEqual(windowRange.from);
          expect(r.to).toBeLessThanOrEqual(windowRange.to);
        }
      }),
      RUNS,
    );
  });

  it('gives every create a unique, free name and bounds printed as PostgreSQL prints them', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { table, snapshot, keyType, timezone } = setup(s);
        const names = table.create.map((c) => c.name);
        expect(new Set(names).size).toBe(names.length);
        for (const c of table.create) {
          expect(snapshot.relationNames.get('public')?.has(c.name)).toBe(false);
          expect(c.from).toBe(formatBound(c.fromValue, keyType, timezone));
          expect(c.to).toBe(formatBound(c.toValue, keyType, timezone));
        }
      }),
      RUNS,
    );
  });

  it('meets the coverage it promises once the plan is applied', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { table } = setup(s);
        expect(table.coverageAfterPlan.through).not.toBeNull();
        // null: covered without end (MAXVALUE), which holds any premake.
        expect(table.coverageAfterPlan.aheadPeriods ?? Infinity).toBeGreaterThanOrEqual(s.premake);
        expect(table.coverageAfterPlan.aheadPeriods === null).toBe(
          table.coverageAfterPlan.through === 'MAXVALUE',
        );
        // check passes after apply whenever the config is valid (validation refuses minimumAhead > premake).
        if (s.minimumAhead <= s.premake) expect(table.coverageAfterPlan.ok).toBe(true);
        expect(table.findings.filter((f) => f.level === 'error').map((f) => f.code)).not.toContain(
          'name-taken',
        );
      }),
      RUNS,
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const first = setup(s);
        const again = buildPlan([first.spec], first.snapshot, { date: first.now });
        expect(again.tables[0]).toEqual(first.table);
      }),
      { numRuns: 100 },
    );
  });
});

describe('aligned periods', () => {
  // The planner looks partitions up in the window's periods first (periods.ts); the answer must be
  // the one the grid gives without them, for ranges on the grid, off it, and beyond the list.
  it('are the same found in a list of periods as found from the grid alone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INTERVALS),
        fc.constantFrom(...KEYS),
        nearDate,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: -2, max: 2 }),
        (interval, [keyType, timezone], near, span, listShift) => {
          const grid = { interval, keyType, timezone };
          const anchor = periodStart('2024-03-10', interval);
          const listFirst = addPeriods(anchor, interval, -4 + listShift);
          const listed = periodsBetween(grid, listFirst, addPeriods(listFirst, interval, 8));
          const start = addDays(addPeriods(anchor, interval, near.periods), near.jitter);
          const range = {
            from: dateToBound(start, keyType, timezone),
            to: dateToBound(addPeriods(start, interval, span), keyType, timezone),
          };
          expect(alignedPeriod(grid, range, listed)).toBe(alignedPeriod(grid, range));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skip a day a zone skipped: Samoa went from 29 to 31 December 2011', () => {
    const grid = { interval: 'day', keyType: 'timestamptz', timezone: 'Pacific/Apia' } as const;
    const listed = periodsBetween(grid, '2011-12-27', '2011-12-31'); // ends with the empty 30th
    const bound = (date: string): number => dateToBound(date, 'timestamptz', 'Pacific/Apia');
    const range = { from: bound('2011-12-30'), to: bound('2012-01-01') };
    expect(alignedPeriod(grid, range)).toBe('2011-12-31');
    expect(alignedPeriod(grid, range, listed)).toBe('2011-12-31');
  });
});
