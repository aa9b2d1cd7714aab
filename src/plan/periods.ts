// A table's period grid: its interval laid over its key, so periods can be compared with bounds.
import type { BoundValue, Interval, KeyType } from '../types';
import { boundToDay, dateToBound, formatBound } from './bounds';
import { type CalendarDate, addPeriods, periodStart } from './calendar';
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
// table: each grid remembers its period ranges and which period holds which bound.
interface GridMemo {
  ranges: Map<CalendarDate, Range>;
  containing: Map<BoundValue, CalendarDate>;
}
const memos = new Map<string, GridMemo>();

function memoOf(grid: Grid): GridMemo {
  const key = `${grid.interval} ${grid.keyType} ${grid.timezone}`;
  let memo = memos.get(key);
  if (!memo) {
    memo = { ranges: new Map(), containing: new Map() };
    memos.set(key, memo);
  }
  if (memo.ranges.size > 100_000) memo.ranges.clear();
  if (memo.containing.size > 100_000) memo.containing.clear();
  return memo;
}

export function periodRange(grid: Grid, start: CalendarDate): Range {
  const { ranges } = memoOf(grid);
  const known = ranges.get(start);
  if (known) return known;
  const bound = (date: CalendarDate): BoundValue => dateToBound(date, grid.keyType, grid.timezone);
  const range = { from: bound(start), to: bound(addPeriods(start, grid.interval, 1)) };
  ranges.set(start, range);
  return range;
}

/** The periods from `first` (a period start) up to, not including, the period starting at `end`. */
export function periodsBetween(grid: Grid, first: CalendarDate, end: CalendarDate): Period[] {
  const periods: Period[] = [];
  let from = dateToBound(first, grid.keyType, grid.timezone);
  for (let start = first; start < end;) {
    const next = addPeriods(start, grid.interval, 1);
    const to = dateToBound(next, grid.keyType, grid.timezone);
    periods.push({ start, range: { from, to } });
    [start, from] = [next, to];
  }
  return periods;
}

/** The start of the period a finite bound value lies in. */
export function periodContaining(grid: Grid, value: BoundValue): CalendarDate {
  const { containing } = memoOf(grid);
  const known = containing.get(value);
  if (known !== undefined) return known;
  let start = periodStart(boundToDay(value, grid.keyType, grid.timezone), grid.interval);
  // Where a day starts after midnight's first occurrence (a fall-back at midnight), the calendar day
  // and the period grid can disagree by one step; the bounds decide.
  while (value < periodRange(grid, start).from) start = addPeriods(start, grid.interval, -1);
  while (value >= periodRange(grid, start).to) start = addPeriods(start, grid.interval, 1);
  containing.set(value, start);
  return start;
}

/** The period a range is exactly equal to, if it is one. */
export function alignedPeriod(grid: Grid, range: Range): CalendarDate | undefined {
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
