// Which ranges of a DEFAULT partition a plan needs counted (pure): the partitions it creates
// (rows there must be moved out first) and the coverage window, the current period through
// premake. Rows outside them are counted only as a total. What attached partitions cover is left
// out: the DEFAULT partition cannot hold rows there, so with nothing to do nothing is read by day.
import type { KeyType, Now, TablePlan, TableSpec } from '../types';
import { dateToBound } from './bounds';
import { addPeriods, localDate, periodStart } from './calendar';
import { type Range, mergeRanges, subtractRanges } from './ranges';

export function defaultProbeRanges(
  spec: Pick<TableSpec, 'interval' | 'timezone' | 'premake'>,
  keyType: KeyType,
  plan: Pick<TablePlan, 'create'>,
  now: Now,
  /** The attached partitions' ranges. */
  partitions: readonly Range[] = [],
): Range[] {
  const current = periodStart(localDate(now, spec.timezone), spec.interval);
  const bound = (date: string): number => dateToBound(date, keyType, spec.timezone);
  const window = { from: bound(current), to: bound(addPeriods(current, spec.interval, spec.premake + 1)) };
  const wanted = mergeRanges([window, ...plan.create.map((c) => ({ from: c.fromValue, to: c.toValue }))]);
  const covered = mergeRanges(partitions);
  return wanted.flatMap((range) => subtractRanges(range, covered));
}
