import { describe, it, expect } from 'vitest';
import { sampleNames } from '../../src/config/naming-rules';
import { samplePeriodStarts } from '../../src/config/periods';
import { NAMING_TOKENS } from '../../src/plan/naming';
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
  // The names the naming checks look at, written out by hand (ISO weeks checked with `date +%G-%V`):
  // every token, at the edges of ISO week-years, for each interval.
  const naming = `{parent}_${EVERY_TOKEN}_{unknown}`;
  const namesBy = (interval: Interval) =>
    new Map(sampleNames({ interval, naming, name: 'Orders {YYYY}' }).map((s) => [s.start, s.name]));

  it.each([
    ['day', '2020-12-31', 'Orders {YYYY}_Orders {YYYY}-2020-12-31-4-2020-53_{unknown}'],
    ['day', '2021-01-03', 'Orders {YYYY}_Orders {YYYY}-2021-01-03-1-2020-53_{unknown}'],
    ['day', '2021-01-04', 'Orders {YYYY}_Orders {YYYY}-2021-01-04-1-2021-01_{unknown}'],
    ['day', '2029-12-31', 'Orders {YYYY}_Orders {YYYY}-2029-12-31-4-2030-01_{unknown}'],
    ['week', '2018-12-31', 'Orders {YYYY}_Orders {YYYY}-2018-12-31-4-2019-01_{unknown}'],
    ['week', '2020-12-28', 'Orders {YYYY}_Orders {YYYY}-2020-12-28-4-2020-53_{unknown}'],
    ['week', '2024-12-30', 'Orders {YYYY}_Orders {YYYY}-2024-12-30-4-2025-01_{unknown}'],
    ['week', '2026-12-28', 'Orders {YYYY}_Orders {YYYY}-2026-12-28-4-2026-53_{unknown}'],
    ['month', '2019-01-01', 'Orders {YYYY}_Orders {YYYY}-2019-01-01-1-2019-01_{unknown}'],
    ['month', '2021-01-01', 'Orders {YYYY}_Orders {YYYY}-2021-01-01-1-2020-53_{unknown}'],
    ['month', '2027-01-01', 'Orders {YYYY}_Orders {YYYY}-2027-01-01-1-2026-53_{unknown}'],
    ['quarter', '2022-01-01', 'Orders {YYYY}_Orders {YYYY}-2022-01-01-1-2021-52_{unknown}'],
    ['quarter', '2023-10-01', 'Orders {YYYY}_Orders {YYYY}-2023-10-01-4-2023-39_{unknown}'],
    ['year', '2023-01-01', 'Orders {YYYY}_Orders {YYYY}-2023-01-01-1-2022-52_{unknown}'],
    ['year', '2031-01-01', 'Orders {YYYY}_Orders {YYYY}-2031-01-01-1-2031-01_{unknown}'],
  ] as const)('%s starting %s: %s', (interval, start, name) => {
    expect(namesBy(interval).get(start)).toBe(name);
  });

  it('an ISO token widens the sample to 2019–2031; without one, months take four years', () => {
    const iso = sampleNames({ interval: 'month', naming: '{parent}_{IYYY}_{MM}', name: 'orders' });
    expect(iso).toHaveLength(13 * 12);
    expect(iso[0]).toEqual({ start: '2019-01-01', name: 'orders_2019_01' });
    expect(iso.at(-1)).toEqual({ start: '2031-12-01', name: 'orders_2031_12' });

    const plain = sampleNames({ interval: 'month', naming: '{parent}_y{YYYY}m{MM}', name: 'orders' });
    expect(plain.map((s) => s.name)).toEqual(
      ['2023', '2024', '2025', '2026'].flatMap((y) =>
        ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map(
          (m) => `orders_y${y}m${m}`,
        ),
      ),
    );
    expect(plain[0]?.start).toBe('2023-01-01');
  });
});
