// A table's period grid: its interval laid over its key, so periods can be compared with bounds.
import type { BoundValue, Interval, KeyType } from '../types';
import { boundToDay, dateToBound, formatBound } from './bounds';
import { type CalendarDate, addPeriods, periodStart } from './calendar';
import { memoize } from './memo';
import type { Range } from './ranges';

export interface Grid {
  interval: Interval;
  keyType: KeyType;
  timezone: string;
}

export interface Period {
  /** First day of the period. */
  start: CalendarDate;
  range: Range;
}

// Tables share grids (interval, key type, zone), so the same periods and bounds come up for every
// table: period ranges and which period holds which bound are memoized per grid.
const gridKey = (grid: Grid): string => `${grid.interval} ${grid.keyType} ${grid.timezone}`;

/** The bounds of the period starting at `start`. */
export const periodRange = memoize(
  (grid: Grid, start: CalendarDate): Range => {
    const bound = (date: CalendarDate): BoundValue => dateToBound(date, grid.keyType, grid.timezone);
    return { from: bound(start), to: bound(addPeriods(start, grid.interval, 1)) };
  },
  (grid, start) => `${gridKey(grid)} ${start}`,
);

/**
 * The periods from `first` (a period start) up to, not including, the period starting at `end`.
 * Tables of one grid mostly share their window, so the list is shared too: frozen, never changed.
 */
export const periodsBetween = memoize(
  (grid: Grid, first: CalendarDate, end: CalendarDate): readonly Period[] => {
    const periods: Period[] = [];
    let from = dateToBound(first, grid.keyType, grid.timezone);
    for (let start = first; start < end;) {
      const next = addPeriods(start, grid.interval, 1);
      const to = dateToBound(next, grid.keyType, grid.timezone);
      periods.push(Object.freeze({ start, range: Object.freeze({ from, to }) }));
      [start, from] = [next, to];
    }
    return Object.freeze(periods);
  },
  (grid, first, end) => `${gridKey(grid)} ${first} ${end}`,
  1000,
);

/** The start of the period a finite bound value lies in. */
export const periodContaining = memoize(
  (grid: Grid, value: BoundValue): CalendarDate => {
    let start = periodStart(boundToDay(value, grid.keyType, grid.timezone), grid.interval);
    // Where a day starts after midnight's first occurrence (a fall-back at midnight), the calendar
    // day and the period grid can disagree by one step; the bounds decide.
    while (value < periodRange(grid, start).from) start = addPeriods(start, grid.interval, -1);
    while (value >= periodRange(grid, start).to) start = addPeriods(start, grid.interval, 1);
    return start;
  },
  (grid, value) => `${gridKey(grid)} ${value}`,
);

// A list's periods by their first bound, built once per list (tables share their lists): most
// partitions lie in the window, and one look-up replaces four memo look-ups each.
const byFirstBound = new WeakMap<readonly Period[], Map<BoundValue, Period>>();

function periodStartingAt(periods: readonly Period[], value: BoundValue): Period | undefined {
  if (periods.length === 0) return undefined;
  let index = byFirstBound.get(periods);
  if (!index) {
    // An empty period (a day a zone skipped) shares its first bound with the next: the grid's answer is the next.
    index = new Map(periods.filter((p) => p.range.from < p.range.to).map((p) => [p.range.from, p]));
    byFirstBound.set(periods, index);
  }
  return index.get(value);
}

/**
 * The period a range is exactly equal to, if it is one; `listed` (a periodsBetween list: frozen,
 * so its index stays true) is looked in first.
 */
export function alignedPeriod(
  grid: Grid,
  range: Range,
  listed: readonly Period[] = [],
): CalendarDate | undefined {
  const known = periodStartingAt(listed, range.from);
  if (known) return known.range.to === range.to ? known.start : undefined;
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to)) return undefined;
  const start = periodContaining(grid, range.from);
  const period = periodRange(grid, start);
  return period.from === range.from && period.to === range.to ? start : undefined;
}

/** '[2024-01-01, 2024-02-01)' for messages. */
export function describeRange(grid: Grid, range: Range): string {
  const text = (value: BoundValue): string => formatBound(value, grid.keyType, grid.timezone);
  return `[${text(range.from)}, ${text(range.to)})`;
}
