// Half-open ranges [from, to) of bound values, and the set arithmetic the planner needs.
import type { BoundValue } from '../types';

export interface Range {
  from: BoundValue;
  to: BoundValue;
}

/** Compares bound values; unlike subtraction it is safe with ±Infinity. */
export const compareBounds = (a: BoundValue, b: BoundValue): number => (a < b ? -1 : a > b ? 1 : 0);

export const byFrom = (a: Range, b: Range): number =>
  compareBounds(a.from, b.from) || compareBounds(a.to, b.to);

/** Sorted, with overlapping and touching ranges joined: the union as disjoint runs. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const merged: Range[] = [];
  for (const range of [...ranges].sort(byFrom)) {
    const last = merged[merged.length - 1];
    if (last && range.from <= last.to) last.to = Math.max(last.to, range.to);
    else merged.push({ from: range.from, to: range.to });
  }
  return merged;
}

/** The parts of `range` that none of `covered` (merged, see mergeRanges) covers, in order. */
export function subtractRanges(range: Range, covered: readonly Range[]): Range[] {
  const pieces: Range[] = [];
  let cursor = range.from;
  for (const c of covered) {
    if (c.to <= cursor) continue;
    if (c.from >= range.to) break;
    if (c.from > cursor) pieces.push({ from: cursor, to: c.from });
    cursor = Math.max(cursor, c.to);
    if (cursor >= range.to) break;
  }
  if (cursor < range.to) pieces.push({ from: cursor, to: range.to });
  return pieces;
}

export function overlaps(a: Range, b: Range): boolean {
  return a.from < b.to && b.from < a.to;
}

export function sameRange(a: Range, b: Range): boolean {
  return a.from === b.from && a.to === b.to;
}
