// Period starts over a sample of years, only to test naming patterns for collisions and length.
// (The planner's calendar, stepped over a few sample years.)
import { periodStart, periodStarts } from '../plan/calendar';
import type { Interval } from '../types';

// Wide: enough years to hold ISO week-years with 53 weeks (2020, 2026) and weeks that straddle
// New Year; days and weeks always need it, and so does any pattern with an ISO token ({IYYY} names
// both 2026-01-01 and 2027-01-01 "2026"). Otherwise months, quarters and years repeat their tokens
// within a calendar year, written with four digits, so four years show any collision (and keep
// many tables cheap).
const WIDE = { first: '2019-01-01', end: '2032-01-01' };
const NARROW = { first: '2023-01-01', end: '2027-01-01' };

const cache = new Map<string, readonly string[]>();

/** The period starts of the interval's sample years (YYYY-MM-DD); weeks start on ISO Mondays. */
export function samplePeriodStarts(interval: Interval, isoTokens = false): readonly string[] {
  const wide = isoTokens || interval === 'day' || interval === 'week';
  const key = `${interval}:${wide}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const { first, end } = wide ? WIDE : NARROW;
  const starts = periodStarts(periodStart(first, interval), end, interval);
  cache.set(key, starts);
  return starts;
}
