// The kept window of a table: the periods that must be covered, from its start through premake.
import type { TableSpec } from '../types';
import { type CalendarDate, addPeriods, minusRetention, periodStart, periodsCount } from './calendar';
import { type Grid, periodContaining } from './periods';
import type { Range } from './ranges';

/**
 * The most periods examined per table and run. A stray bound centuries back (a daily table's
 * partition from year 1) would otherwise cost seconds to walk; the runaway guard limits what is
 * created, this limits the work. 20,000 days are 54 years.
 */
export const MAX_PERIODS_EXAMINED = 20_000;

export interface Window {
  /** Start of the first period in the window (after `end` when `start` lies beyond it: an empty window). */
  first: CalendarDate;
  /** Start of the first period after the window (current + premake + 1). */
  end: CalendarDate;
  /** Start of the first period examined this run: `first`, unless the window is longer than MAX_PERIODS_EXAMINED. */
  examinedFrom: CalendarDate;
}

/** Partitions ending at or before this date are due for archival (start of the current period − retention). */
export function retentionCutoff(
  spec: Pick<TableSpec, 'retention'>,
  current: CalendarDate,
): CalendarDate | undefined {
  return spec.retention && minusRetention(current, spec.retention);
}

/**
 * Where the window starts before retention: the period of `start` as configured — even when it
 * lies after the current period: nothing is made wholly before `start` (in September 2025, yearly,
 * start 2026-01-01 and premake 1 make 2026 alone) — else the oldest partition's period, but never
 * after the current one, which must be covered however young the table is.
 */
function naturalStart(
  spec: Pick<TableSpec, 'start'>,
  grid: Grid,
  current: CalendarDate,
  partitions: readonly Range[],
): CalendarDate {
  if (spec.start !== undefined) return periodStart(spec.start, grid.interval);
  const oldest = partitions.reduce(
    (min, p) => (Number.isFinite(p.from) && p.from < min ? p.from : min),
    Infinity,
  );
  if (oldest === Infinity) return current;
  const oldestPeriod = periodContaining(grid, oldest);
  return oldestPeriod < current ? oldestPeriod : current;
}

/** The period of `start` when it lies after the current one (coverage then counts from it). */
export function startAhead(
  spec: Pick<TableSpec, 'start'>,
  grid: Grid,
  current: CalendarDate,
): CalendarDate | undefined {
  if (spec.start === undefined) return undefined;
  const start = periodStart(spec.start, grid.interval);
  return start > current ? start : undefined;
}

export function planningWindow(
  spec: Pick<TableSpec, 'start' | 'retention' | 'premake'>,
  grid: Grid,
  current: CalendarDate,
  partitions: readonly Range[],
): Window {
  const end = addPeriods(current, grid.interval, spec.premake + 1);
  const natural = naturalStart(spec, grid, current, partitions);
  const cutoff = retentionCutoff(spec, current);
  // Never plan a partition that would already be due for archival: the period holding the cutoff
  // is the first one that ends after it.
  const earliest = cutoff === undefined ? natural : periodStart(cutoff, grid.interval);
  const first = natural > earliest ? natural : earliest;
  const examinedFrom =
    periodsCount(first, end, grid.interval) > MAX_PERIODS_EXAMINED
      ? addPeriods(end, grid.interval, -MAX_PERIODS_EXAMINED)
      : first;
  return { first, end, examinedFrom };
}
