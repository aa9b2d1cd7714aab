// Period starts over a sample of years, only to test naming patterns for collisions and length.
// (The planner's calendar, stepped over 2019–2031.)
import { periodStart, periodStarts } from '../plan/calendar';
import type { Interval } from '../types';

// Wide enough to hold ISO week-years with 53 weeks (2020, 2026) and weeks that straddle New Year.
const FIRST = `2019-01-01`;
const END = `2032-01-01`;

const cache = new Map<Interval, readonly string[]>();

/** Every period start (YYYY-MM-DD) from 2019 through 2031; weeks start on ISO Mondays. */
export function samplePeriodStarts(interval: Interval): readonly string[] {
  const cached = cache.get(interval);
  if (cached) return cached;
  const starts = periodStarts(periodStart(FIRST, interval), END, interval);
  cache.set(interval, starts);
  return starts;
}
