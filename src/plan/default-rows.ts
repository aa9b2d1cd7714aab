// Rows sitting in the DEFAULT partition: a planned partition cannot be created while rows that
// belong to its range are there, so each create carries the count it must wait for.
import type { BoundValue, DefaultPartitionInfo, PlannedCreate } from '../types';
import { dateToBound } from './bounds';
import { isCalendarDate } from './calendar';
import type { Grid } from './periods';
import type { Range } from './ranges';

export interface RowsAt {
  /** Start of the day the rows fall on. */
  value: BoundValue;
  rows: number;
}

/** Its counted rows (a lower bound when `rows.more`); without a count, the rows by day added up. */
export function totalDefaultRows(defaultPartition: DefaultPartitionInfo | undefined): number {
  if (defaultPartition?.rows) return defaultPartition.rows.count;
  return (defaultPartition?.rowsByDay ?? []).reduce((sum, d) => sum + d.rows, 0);
}

/**
 * Each day's rows placed at the start of that day. Days that are not plain dates (BC, NULL keys)
 * cannot fall into a range we plan and are left out; 'infinity' maps to ±Infinity.
 */
export function defaultRowPoints(defaultPartition: DefaultPartitionInfo | undefined, grid: Grid): RowsAt[] {
  return (defaultPartition?.rowsByDay ?? [])
    .filter((d) => isCalendarDate(d.day) || d.day === 'infinity' || d.day === '-infinity')
    .map((d) => ({ value: dateToBound(d.day, grid.keyType, grid.timezone), rows: d.rows }));
}

export function rowsIn(range: Range, points: readonly RowsAt[]): number {
  return points.reduce((sum, p) => (p.value >= range.from && p.value < range.to ? sum + p.rows : sum), 0);
}

export function withDefaultRows(
  creates: readonly PlannedCreate[],
  points: readonly RowsAt[],
): PlannedCreate[] {
  return creates.map((c) => ({ ...c, defaultRows: rowsIn({ from: c.fromValue, to: c.toValue }, points) }));
}
