// What the planner tells people about a table, one function per kind of finding.
import type {
  Coverage,
  DefaultPartitionInfo,
  Finding,
  Interval,
  PartitionInfo,
  PlannedCreate,
  TableSpec,
} from '../types';
import { quoteQualified } from '../sql/quote';
import { type CalendarDate, periodsCount } from './calendar';
import { isRenderedName, renderName } from './naming';
import { MAX_PERIODS_EXAMINED, type Window } from './window';
import { type Grid, type Period, alignedPeriod, describeRange, periodRange } from './periods';
import { type Range, subtractRanges } from './ranges';
import { plural } from '../words';

/** Sub-partitioned, misaligned and unmanaged-name partitions, in bound order. */
export function partitionFindings(
  spec: Pick<TableSpec, 'naming' | 'name' | 'interval'>,
  grid: Grid,
  partitions: readonly PartitionInfo[],
  /** The window's periods, where most partitions are found. */
  periods: readonly Period[],
): Finding[] {
  const findings: Finding[] = [];
  for (const p of partitions) {
    if (p.subPartitioned) {
      findings.push({
        level: 'warning',
        code: 'unsupported',
        message: `${quoteQualified(p)} is itself partitioned; its sub-partitions are not managed, but its range ${describeRange(grid, p)} counts as covered.`,
      });
    }
    const period = alignedPeriod(grid, p, periods);
    if (period === undefined) {
      findings.push({
        level: 'warning',
        code: 'misaligned',
        message: `${quoteQualified(p)} covers ${describeRange(grid, p)}, which is not exactly one ${spec.interval}; it is not resized, and only the ranges around it are planned.`,
      });
      continue;
    }
    if (!isRenderedName(p.name, spec.naming, spec.name, period)) {
      const expected = renderName(spec.naming, spec.name, period);
      findings.push({
        level: 'info',
        code: 'unmanaged-name',
        message: `${quoteQualified(p)} covers the ${spec.interval} starting ${period} ${describeRange(grid, p)}; the naming template would call it ${expected}.`,
      });
    }
  }
  return findings;
}

/** One finding per maximal uncovered run before the current period, inside the window (examined or not). */
export function gapFindings(
  grid: Grid,
  first: CalendarDate,
  current: CalendarDate,
  covered: Range[],
): Finding[] {
  if (first >= current) return [];
  const behind = { from: periodRange(grid, first).from, to: periodRange(grid, current).from };
  return subtractRanges(behind, covered).map((gap) => ({
    level: 'error',
    code: 'gap',
    message: `no partition covers ${describeRange(grid, gap)}, before the current ${grid.interval}; rows there are rejected or land in DEFAULT.`,
  }));
}

export function defaultRowsFinding(
  defaultPartition: DefaultPartitionInfo | undefined,
  total: number,
  creates: readonly PlannedCreate[],
): Finding[] {
  if (!defaultPartition || total === 0) return [];
  const blocked = creates.filter((c) => c.defaultRows > 0);
  const consequence =
    blocked.length === 0
      ? 'none of them belongs to a partition this plan creates; move them into partitions that cover their keys.'
      : blocked
          .map((c) => {
            const verb = c.defaultRows === 1 ? 'is' : 'are';
            return `creating ${c.name} would fail until its ${plural(c.defaultRows, 'row')} ${verb} moved out`;
          })
          .join('; ') + '.';
  return [
    {
      level: 'error',
      code: 'default-rows',
      message: `the DEFAULT partition ${quoteQualified(defaultPartition)} holds ${defaultPartition.rows?.more ? 'more than ' : ''}${plural(total, 'row')}; ${consequence}`,
    },
  ];
}

function describeCoverage(coverage: Coverage, interval: Interval): string {
  // While start is ahead, the stretch before it needs nothing: say so rather than "covered".
  const held = coverage.from === undefined ? '' : `nothing is needed before start ${coverage.from}; `;
  if (coverage.through === null) return `${held}the current ${interval} is not fully covered`;
  if (coverage.through === coverage.from) return `${held}no partition covers the ${interval} from there yet`;
  // Only short coverage is described, and coverage without end (aheadPeriods null) is never short.
  return `${held}covered through ${coverage.through}, ${plural(coverage.aheadPeriods ?? 0, interval)} ahead`;
}

/** `blockedBy`: codes of pre-flight errors that keep apply from running the plan (plan/preflight.ts). */
export function shortfallFinding(
  coverage: Coverage,
  afterPlan: Coverage,
  minimumAhead: number,
  interval: Interval,
  blockedBy: readonly string[] = [],
): Finding[] {
  if (coverage.ok) return [];
  const now = describeCoverage(coverage, interval);
  const need = `coverage.minimumAhead is ${minimumAhead}`;
  const fix = shortfallFix(afterPlan, interval, blockedBy);
  return [{ level: 'error', code: 'shortfall', message: `${now}; ${need}; ${fix}.` }];
}

/** A plan only says it fixes the shortfall when apply can run it. */
function shortfallFix(afterPlan: Coverage, interval: Interval, blockedBy: readonly string[]): string {
  if (!afterPlan.ok) return `after this plan still short (${describeCoverage(afterPlan, interval)})`;
  if (blockedBy.length === 0) return 'this plan fixes it';
  const errors = blockedBy.length === 1 ? 'error is' : 'errors are';
  return `this plan would fix it, but apply cannot run it until the ${blockedBy.join(', ')} ${errors} fixed`;
}

/** Creates held back by maxPartitionsPerRun; `deferred` sorted by bounds. */
export function limitFinding(deferred: readonly PlannedCreate[], max: number): Finding[] {
  const first = deferred[0];
  const last = deferred[deferred.length - 1];
  if (!first || !last) return [];
  const verb = deferred.length === 1 ? 'is' : 'are';
  return [
    {
      level: 'warning',
      code: 'limit',
      message: `${plural(deferred.length, 'more partition')} ${verb} due between ${first.from} and ${last.to}; maxPartitionsPerRun is ${max}, so later runs will create them.`,
    },
  ];
}

/** The part of the window too far back to examine this run (see MAX_PERIODS_EXAMINED). */
export function unexaminedFinding(window: Window, interval: Interval): Finding[] {
  if (window.examinedFrom <= window.first) return [];
  const periods = periodsCount(window.first, window.examinedFrom, interval);
  return [
    {
      level: 'warning',
      code: 'limit',
      message:
        `the window reaches back to ${window.first}, ${plural(periods, interval)} before ${window.examinedFrom}; ` +
        `this run examines only the ${MAX_PERIODS_EXAMINED} periods from ${window.examinedFrom} on ` +
        `(check start, retention and the oldest partition's bound).`,
    },
  ];
}

export function retentionDueFinding(
  due: readonly PartitionInfo[],
  spec: Pick<TableSpec, 'retention' | 'archive'>,
  cutoff: string,
): Finding[] {
  if (due.length === 0 || spec.archive || !spec.retention) return [];
  const shown = due.slice(0, 5).map((p) => quoteQualified(p));
  const more = due.length > shown.length ? ` and ${due.length - shown.length} more` : '';
  const retention = plural(spec.retention.count, spec.retention.unit);
  return [
    {
      level: 'info',
      code: 'retention-due',
      message: `${plural(due.length, 'partition')} ending at or before ${cutoff} ${due.length === 1 ? 'is' : 'are'} past the retention of ${retention}: ${shown.join(', ')}${more}; add \`archive:\` to the config to archive ${due.length === 1 ? 'it' : 'them'}.`,
    },
  ];
}

/** Partitions from MINVALUE past the retention: kept, and said so (see archive.ts: duePartitions). */
export function unboundedBelowFinding(kept: readonly PartitionInfo[], grid: Grid, cutoff: string): Finding[] {
  return kept.map((p) => ({
    level: 'info',
    code: 'retention-due',
    message:
      `${quoteQualified(p)} covers ${describeRange(grid, p)}, all of it at or before the retention cutoff ${cutoff}, ` +
      `but it is not archived: it takes every older key, so detaching it would leave old rows nowhere to go ` +
      `(or send them to DEFAULT); detach it by hand if its rows may go.`,
  }));
}
