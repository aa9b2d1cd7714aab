import { describe, it, expect } from 'vitest';
import { sampleNames } from '../../src/config/naming-rules';
import { samplePeriodStarts } from '../../src/config/periods';
import { NAMING_TOKENS, renderName } from '../../src/plan/naming';
import type { Interval } from '../../src/types';

const EVERY_TOKEN = NAMING_TOKENS.map((token) => `{${token}}`).join('-');

describe('the sample of periods the naming checks use', () => {
  it('covers 2019 through 2031 for days and weeks, four years for the rest', () => {
    const count = (interval: Interval) => samplePeriodStarts(interval).length;
    expect(count('day')).toBe(13 * 365 + 3); // 2020, 2024 and 2028 are leap years
    expect(count('month')).toBe(4 * 12);
    expect(count('quarter')).toBe(4 * 4);
    expect(count('year')).toBe(4);
    expect(samplePeriodStarts('quarter').slice(0, 5)).toEqual([
      '2023-01-01',
      '2023-04-01',
      '2023-07-01',
      '2023-10-01',
      '2024-01-01',
    ]);
  });

  it('starts weeks on ISO Mondays, from the week holding 2019-01-01', () => {
    const weeks = samplePeriodStarts('week');
    expect(weeks[0]).toBe('2018-12-31');
    expect(weeks.at(-1)).toBe('2031-12-29');
    expect(weeks.every((start) => new Date(`${start}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
    expect(weeks).toContain('2024-12-30'); // ISO week 1 of 2025
  });
});

describe('sampleNames', () => {
  // sampleNames fills patterns itself (renderName is too slow to call for 4,749 days per table);
  // it must give exactly what the planner's renderName gives.
  it.each(['week', 'month', 'quarter', 'year'] as const)('matches renderName for every %s', (interval) => {
    const spec = { interval, naming: `{parent}_${EVERY_TOKEN}_{unknown}`, name: 'Orders {YYYY}' };
    // The pattern holds ISO tokens, so every interval is sampled over the wide years.
    expect(sampleNames(spec)).toEqual(
      samplePeriodStarts(interval, true).map((start) => ({
        start,
        name: renderName(spec.naming, spec.name, start),
      })),
    );
  });

  it('matches renderName for days around each new year', () => {
    const spec = { interval: 'day' as const, naming: EVERY_TOKEN, name: 'events' };
    const aroundNewYear = sampleNames(spec).filter(({ start }) => /-(12-2[5-9]|12-3.|01-0.)$/.test(start));
    expect(aroundNewYear.length).toBeGreaterThan(150);
    for (const { start, name } of aroundNewYear) expect(name).toBe(renderName(spec.naming, spec.name, start));
  });
});
