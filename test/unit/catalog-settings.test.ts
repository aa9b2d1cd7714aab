// --catalog-lock-wait (and the action's PARTITION_KEEPER_CATALOG_LOCK_WAIT), and the ranges of a
// DEFAULT partition a plan has counted (pure).
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../src/github/inputs';
import { parseCli } from '../../src/cli';
import { catalogBounds, catalogBoundsBy } from '../../src/core';
import { defaultProbeRanges } from '../../src/plan/default-probe';
import type { PlannedCreate } from '../../src/types';

describe('the catalog lock wait', () => {
  it('defaults to 5 s; --catalog-lock-wait and the action env set it; 0 and words are bad usage', () => {
    expect(parseCli(['check'], {})).toMatchObject({ catalogLockWaitSeconds: 5 });
    expect(parseCli(['check', '--catalog-lock-wait', '0.5'], {})).toMatchObject({
      catalogLockWaitSeconds: 0.5,
    });
    expect(
      readInputs({ PARTITION_KEEPER_MODE: 'check', PARTITION_KEEPER_CATALOG_LOCK_WAIT: '12' }).settings,
    ).toMatchObject({ catalogLockWaitSeconds: 12 });
    expect(() => parseCli(['check', '--catalog-lock-wait', '0'], {})).toThrow(
      '--catalog-lock-wait: "0" is not a number from 0.001 to 3600',
    );
    expect(() =>
      readInputs({ PARTITION_KEEPER_MODE: 'check', PARTITION_KEEPER_CATALOG_LOCK_WAIT: 'soon' }),
    ).toThrow('catalog-lock-wait: "soon" is not a number');
  });

  it('apply waits no longer than its deadline allows, and names the deadline then', () => {
    expect(catalogBounds(2)).toEqual({
      lockWaitMs: 2000,
      statementTimeoutMs: 30_000,
      lockWaitSource: '--catalog-lock-wait',
    });
    expect(catalogBoundsBy(5, Date.now() + 60_000)).toMatchObject({
      lockWaitMs: 5000,
      lockWaitSource: '--catalog-lock-wait',
    });
    const near = catalogBoundsBy(5, Date.now() + 2000);
    expect(near.lockWaitMs).toBeGreaterThan(1500);
    expect(near.lockWaitMs).toBeLessThanOrEqual(2000);
    expect(near.statementTimeoutMs).toBe(near.lockWaitMs + 500);
    expect(near.lockWaitSource).toBe('the time left to the run deadline, --deadline');
  });
});

describe('the ranges of a DEFAULT partition a plan counts', () => {
  const create = (from: string, to: string): PlannedCreate => ({
    schema: 'public',
    name: `t_${from}`,
    from,
    to,
    fromValue: Date.parse(`${from}T00:00:00Z`),
    toValue: Date.parse(`${to}T00:00:00Z`),
    reason: 'gap',
    defaultRows: 0,
  });

  it('the current period through premake, and each create, merged', () => {
    const spec = { interval: 'month' as const, timezone: 'UTC', premake: 2 };
    const now = { date: '2024-05-20' };
    expect(defaultProbeRanges(spec, 'date', { create: [] }, now)).toEqual([
      { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 7, 1) },
    ]);
    const creates = [
      create('2024-01-01', '2024-02-01'),
      create('2024-07-01', '2024-08-01'),
      create('2024-08-01', '2024-09-01'),
    ];
    expect(defaultProbeRanges(spec, 'date', { create: creates }, now)).toEqual([
      { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 1, 1) },
      { from: Date.UTC(2024, 4, 1), to: Date.UTC(2024, 8, 1) },
    ]);
  });

  it('timestamptz: the window starts at midnight in the table timezone', () => {
    const spec = { interval: 'day' as const, timezone: 'Europe/Berlin', premake: 0 };
    expect(defaultProbeRanges(spec, 'timestamptz', { create: [] }, { date: '2024-07-10' })).toEqual([
      { from: Date.UTC(2024, 6, 9, 22), to: Date.UTC(2024, 6, 10, 22) },
    ]);
  });
});

describe('the ranges a DEFAULT partition cannot hold rows in', () => {
  it('leaves out what attached partitions cover: with nothing to do, nothing is counted by day', () => {
    const spec = { interval: 'month' as const, timezone: 'UTC', premake: 2 };
    const now = { date: '2024-05-20' };
    const month = (m: number) => ({ from: Date.UTC(2024, m - 1, 1), to: Date.UTC(2024, m, 1) });
    expect(
      defaultProbeRanges(spec, 'date', { create: [] }, now, [month(4), month(5), month(6), month(7)]),
    ).toEqual([]);
    expect(defaultProbeRanges(spec, 'date', { create: [] }, now, [month(5), month(7)])).toEqual([month(6)]);
  });
});
