// How far ahead a table is covered without a break, starting at the current period.
import type { Coverage } from '../types';
import { formatBound } from './bounds';
import type { CalendarDate } from './calendar';
import { addPeriods } from './calendar';
import { type Grid, periodRange } from './periods';
import type { Range } from './ranges';

export interface CoverageRule {
  /** Whole periods after the current one that must be covered. */
  minimumAhead: number;
  /** Counting stops here (a MAXVALUE partition covers forever). */
  maxAhead: number;
}

export const NOT_MEASURED: Coverage = { through: null, aheadPeriods: 0, ok: false };

/** Coverage of `covered` (merged runs) measured from the period starting at `current`. */
export function measureCoverage(
  grid: Grid,
  current: CalendarDate,
  covered: Range[],
  rule: CoverageRule,
): Coverage {
  const period = periodRange(grid, current);
  const run = covered.find((r) => r.from <= period.from && period.from < r.to);
  if (!run || run.to < period.to) return NOT_MEASURED;
  const through = formatBound(run.to, grid.keyType, grid.timezone);
  if (run.to === Infinity)
    return { through, aheadPeriods: rule.maxAhead, ok: rule.maxAhead >= rule.minimumAhead };

  let aheadPeriods = 0;
  for (let next = addPeriods(current, grid.interval, 1); aheadPeriods < rule.maxAhead;) {
    if (periodRange(grid, next).to > run.to) break;
    aheadPeriods += 1;
    next = addPeriods(next, grid.interval, 1);
  }
  return { through, aheadPeriods, ok: aheadPeriods >= rule.minimumAhead };
}
