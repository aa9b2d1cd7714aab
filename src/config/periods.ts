// Period starts over a sample of years, only to test naming patterns for collisions and length.
// (The planner's calendar, stepped over a few sample years.)
import { periodStart, periodStarts } from '../plan/calendar';
import type { Interval } from '../types';

// Days and weeks: wide enough to hold ISO week-years with 53 weeks (2020, 2026) and weeks that
// straddle New Year. Months, quarters and years repeat their tokens within a year, and years are
// always written with four digits, so four years show any collision (and keep many tables cheap).
const SAMPLE: Record<Interval, { first: string; end: string }> = {
  day: { first: '2019-01-01', end: '2032-01-01' },
  week: { first: '2019-01-01', end: '2032-01-01' },
  month: { first: '2023-01-01', end: '2027-01-01' },
  quarter: { first: '2023-01-01', end: '2027-01-01' },
  year: { first: '2023-01-01', end: '2027-01-01' },
};

const cache = new Map<Interval, readonly string[]>();

/** The period starts of the interval's sample years (YYYY-MM-DD); weeks start on ISO Mondays. */
export function samplePeriodStarts(interval: Interval): readonly string[] {
  const cached = cache.get(interval);
  if (cached) return cached;
  const { first, end } = SAMPLE[interval];
  const starts = periodStarts(periodStart(first, interval), end, interval);
  cache.set(interval, starts);
  return starts;
}
