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

/** Rows of DEFAULT on plain dates (BC days and NULL keys cannot be drawn), in runs of consecutive days. */
function defaultRowRuns(defaultPartition: DefaultPartitionInfo | undefined): TableLayout['defaultRows'] {
  const runs: TableLayout['defaultRows'] = [];
  for (const d of defaultPartition?.rowsByDay ?? []) {
    if (!isCalendarDate(d.day) || d.rows <= 0) continue;
    const last = runs[runs.length - 1];
    if (last && last.to === d.day) {
      last.to = addDays(d.day, 1);
      last.rows += d.rows;
    } else {
      runs.push({ from: d.day, to: addDays(d.day, 1), rows: d.rows });
    }
  }
  return runs;
}

export function tableLayout(input: LayoutInput): TableLayout {
  const { grid, current, window } = input;
  const currentRange = periodRange(grid, current);
  // The same stretch gapFindings reports: from the window's first period up to the current one.
  const behind: Range = { from: periodRange(grid, window.first).from, to: currentRange.from };
  const gaps = window.first < current ? subtractRanges(behind, input.covered) : [];
  return {
    current: { from: current, to: addPeriods(current, grid.interval, 1) },
    windowEnd: window.end,
    partitions: input.partitions.map((p) => ({ schema: p.schema, name: p.name, ...days(grid, p) })),
    gaps: gaps.map((g) => days(grid, g)),
    defaultRows: defaultRowRuns(input.defaultPartition),
  };
}
