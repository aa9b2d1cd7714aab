// How far ahead a table is covered without a break, starting at the current period.
import type { Coverage } from '../types';
import { formatBound } from './bounds';
import { type CalendarDate, LAST_CALENDAR_DATE, addPeriods, periodStart } from './calendar';
import { type Grid, periodRange } from './periods';
import { type Range, mergeRanges } from './ranges';

export interface CoverageRule {
  /** Whole periods after the current one that must be covered. */
  minimumAhead: number;
  /** Counting stops here: a run of finite partitions longer than this counts as this many. */
  maxAhead: number;
  /**
   * The period `start` falls in, when it lies after the current one. Nothing may be made before
   * it (see window.ts), so the stretch from the current period up to it needs no partition.
   */
  startPeriod?: CalendarDate;
}

export const NOT_MEASURED: Coverage = { through: null, aheadPeriods: 0, ok: false };

/**
 * Coverage of `covered` (merged runs) measured from the period starting at `current`.
 *
 * While `start` is ahead (rule.startPeriod), coverage counts from it: the periods from the current
 * one up to start's period count as covered (nothing may be made there, so nothing can be missing)
 * and `from` names the bound coverage counts from. So in September 2025, yearly, start 2026-01-01,
 * minimumAhead 1: before claims_production_y2026 exists the table is covered through 2026-01-01,
 * 0 years ahead, and `check` fails (shortfall: the one year it must hold ahead is start's year);
 * once it exists, through 2027-01-01, 1 ahead, and `check` passes. A start further ahead than
 * minimumAhead periods passes with nothing made, as the plan then makes nothing either.
 *
 * A run reaching MAXVALUE is covered without end: `aheadPeriods` is null.
 */
export function measureCoverage(
  grid: Grid,
  current: CalendarDate,
  covered: Range[],
  rule: CoverageRule,
): Coverage {
  const period = periodRange(grid, current);
  const held = rule.startPeriod === undefined ? undefined : periodRange(grid, rule.startPeriod).from;
  const from = held === undefined ? {} : { from: formatBound(held, grid.keyType, grid.timezone) };
  const runs = held === undefined ? covered : mergeRanges([...covered, { from: period.from, to: held }]);
  const run = runs.find((r) => r.from <= period.from && period.from < r.to);
  if (!run || run.to < period.to) return { ...NOT_MEASURED, ...from };
  const through = formatBound(run.to, grid.keyType, grid.timezone);
  if (run.to === Infinity) return { through, aheadPeriods: null, ok: true, ...from };

  // Counting also stops before the calendar's last period (a year 10000 has no date to write).
  const last = periodStart(LAST_CALENDAR_DATE, grid.interval);
  let aheadPeriods = 0;
  for (let next = addPeriods(current, grid.interval, 1); aheadPeriods < rule.maxAhead && next < last;) {
    if (periodRange(grid, next).to > run.to) break;
    aheadPeriods += 1;
    next = addPeriods(next, grid.interval, 1);
  }
  return { through, aheadPeriods, ok: aheadPeriods >= rule.minimumAhead, ...from };
}
