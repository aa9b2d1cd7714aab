// Period starts over a sample of years, only to test naming patterns for collisions and length.
// (The planner has its own calendar; this one stays private to the config checks.)
import { TZDate } from '@date-fns/tz';
import { addDays, addMonths, addWeeks, addYears, format, startOfISOWeek } from 'date-fns';
import type { Interval } from '../types';

// Wide enough to hold ISO week-years with 53 weeks (2020, 2026) and weeks that straddle New Year.
const FIRST_YEAR = 2019;
const LAST_YEAR = 2031;

const STEP: Record<Interval, (date: TZDate) => TZDate> = {
  day: (date) => addDays(date, 1),
  week: (date) => addWeeks(date, 1),
  month: (date) => addMonths(date, 1),
  quarter: (date) => addMonths(date, 3),
  year: (date) => addYears(date, 1),
};

const cache = new Map<Interval, readonly string[]>();

/** Every period start (YYYY-MM-DD, UTC) from 2019 through 2031; weeks start on ISO Mondays. */
export function samplePeriodStarts(interval: Interval): readonly string[] {
  const cached = cache.get(interval);
  if (cached) return cached;
  const first = new TZDate(FIRST_YEAR, 0, 1, 'UTC');
  const end = new TZDate(LAST_YEAR + 1, 0, 1, 'UTC');
  const starts: string[] = [];
  for (
    let date = interval === 'week' ? startOfISOWeek(first) : first;
    date < end;
    date = STEP[interval](date)
  ) {
    starts.push(format(date, 'yyyy-MM-dd'));
  }
  cache.set(interval, starts);
  return starts;
}
