// A table's ranges by calendar day, for the timeline: the planner already holds them, the report
// only draws them (report/timeline.ts).
import type { DayRange, DefaultPartitionInfo, PartitionInfo, TableLayout } from '../types';
import { boundToDay } from './bounds';
import { type CalendarDate, addDays, addPeriods, isCalendarDate } from './calendar';
import { type Grid, periodRange } from './periods';
import { type Range, subtractRanges } from './ranges';
import type { Window } from './window';

export interface LayoutInput {
  grid: Grid;
  /** Start of the current period. */
  current: CalendarDate;
  window: Window;
  /** The parent's partitions, sorted by bounds. */
  partitions: readonly PartitionInfo[];
  /** The same, merged into disjoint runs. */
  covered: readonly Range[];
  defaultPartition?: DefaultPartitionInfo;
}

function days(grid: Grid, range: Range): DayRange {
  return {
    from: boundToDay(range.from, grid.keyType, grid.timezone),
    to: boundToDay(range.to, grid.keyType, grid.timezone),
  };
}

/** Rows of DEFAULT on plain dates (BC days and NULL keys cannot be drawn), as a span of days. */
function defaultRowsSpan(defaultPartition: DefaultPartitionInfo | undefined): TableLayout['defaultRows'] {
  const dated = (defaultPartition?.rowsByDay ?? []).filter((d) => isCalendarDate(d.day) && d.rows > 0);
  const first = dated[0];
  const last = dated[dated.length - 1];
  if (!first || !last) return undefined;
  const rows = dated.reduce((n, d) => n + d.rows, 0);
  return { from: first.day, to: addDays(last.day, 1), rows };
}

export function tableLayout(input: LayoutInput): TableLayout {
  const { grid, current, window } = input;
  const currentRange = periodRange(grid, current);
  // The same stretch gapFindings reports: from the window's first period up to the current one.
  const behind: Range = { from: periodRange(grid, window.first).from, to: currentRange.from };
  const gaps = window.first < current ? subtractRanges(behind, input.covered) : [];
  const defaultRows = defaultRowsSpan(input.defaultPartition);
  return {
    current: { from: current, to: addPeriods(current, grid.interval, 1) },
    windowEnd: window.end,
    partitions: input.partitions.map((p) => ({ schema: p.schema, name: p.name, ...days(grid, p) })),
    gaps: gaps.map((g) => days(grid, g)),
    ...(defaultRows && { defaultRows }),
  };
}
