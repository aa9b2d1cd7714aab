// A table's ranges by calendar day, for the timeline: the planner already holds them, the report
// only draws them (report/timeline.ts).
import type { DayRange, DefaultPartitionInfo, PartitionInfo, TableLayout } from '../types';
import { boundToDay } from './bounds';
import { type CalendarDate, addDays, addPeriods, isCalendarDate } from './calendar';
import { totalDefaultRows } from './default-rows';
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

/** Partitions (sorted by bounds) in runs without a break; only the ends of a run are converted. */
function existingRuns(grid: Grid, partitions: readonly PartitionInfo[]): TableLayout['existing'] {
  const runs: (Range & { count: number; first: string; last: string })[] = [];
  for (const p of partitions) {
    const last = runs[runs.length - 1];
    if (last && p.from <= last.to) {
      last.to = Math.max(last.to, p.to);
      last.count += 1;
      last.last = p.name;
    } else {
      runs.push({ from: p.from, to: p.to, count: 1, first: p.name, last: p.name });
    }
  }
  return runs.map((r) => ({ ...r, ...days(grid, r) }));
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
    existing: existingRuns(grid, input.partitions),
    gaps: gaps.map((g) => days(grid, g)),
    defaultRows: defaultRowRuns(input.defaultPartition),
    defaultRowsTotal: totalDefaultRows(input.defaultPartition),
  };
}
