// The kept window of a table: the periods that must be covered, from its start through premake.
import type { TableSpec } from '../types';
import { type CalendarDate, addPeriods, minusRetention, periodStart } from './calendar';
import { type Grid, periodContaining } from './periods';
import type { Range } from './ranges';

export interface Window {
  /** Start of the first period in the window. */
  first: CalendarDate;
  /** Start of the first period after the window (current + premake + 1). */
  end: CalendarDate;
}

/** Partitions ending at or before this date are due for archival (start of the current period − retention). */
export function retentionCutoff(
  spec: Pick<TableSpec, 'retention'>,
  current: CalendarDate,
): CalendarDate | undefined {
  return spec.retention ? minusRetention(current, spec.retention) : undefined;
}

/**
 * Where the window starts before retention: `start` as configured, else the oldest partition's
 * period — but never after the current one, which must be covered however young the table is.
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
  return { first: natural > earliest ? natural : earliest, end };
}
