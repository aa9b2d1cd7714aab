import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli';
import { UsageError } from '../../src/errors';
import { EARLIEST_NOW, LATEST_NOW, parseNow } from '../../src/now';
import { buildPlan } from '../../src/plan/planner';
import { snapshotOf, specOf } from '../helpers/snapshot';

describe('--now', () => {
  it('takes a calendar date, or the clock when absent', () => {
    expect(parseNow('2024-02-29')).toEqual({ date: '2024-02-29' });
    const instant = new Date('2024-02-15T10:00:00Z');
    expect(parseNow(undefined, () => instant)).toEqual({ instant });
  });

  it.each(['2023-02-29', '2024-13-01', '2024-2-1', 'today', '0000-12-31'])('refuses %s', (text) => {
    expect(() => parseNow(text)).toThrow(UsageError);
  });

  it('refuses a date past the planner’s calendar, naming the range', () => {
    expect(LATEST_NOW).toBe('8998-12-31');
    expect(() => parseNow('9999-11-15')).toThrow(
      new UsageError(
        '--now: 9999-11-15 is outside the dates partition-keeper plans from, 0001-01-01 to 8998-12-31 ' +
          '(its calendar ends at 9999-12-31, and premake may reach 1000 years past now)',
      ),
    );
    expect(() => parseNow('8999-01-01')).toThrow(/outside the dates/);
  });

  it('plans from either end of the range with the largest premake and a long retention', () => {
    for (const date of [EARLIEST_NOW, LATEST_NOW]) {
      const spec = specOf({
        name: 't',
        interval: 'year',
        premake: 1000,
        maxPartitionsPerRun: 2000,
        retention: { count: 5000, unit: 'year' },
      });
      const table = buildPlan([spec], snapshotOf([{ name: 't' }]), parseNow(date)).tables[0]!;
      expect(table.create).toHaveLength(1001);
      expect(table.coverageAfterPlan.ok).toBe(true);
    }
  });

  it('refuses a repeated --now rather than taking the last one', () => {
    expect(() => parseCli(['plan', '--now', '2024-01-01', '--now', '2024-02-01'], {})).toThrow(
      new UsageError('--now is given 2 times (2024-01-01, 2024-02-01); give it once'),
    );
    expect(parseCli(['plan', '--now', '2024-01-01'], {})).toMatchObject({ now: { date: '2024-01-01' } });
  });
});
