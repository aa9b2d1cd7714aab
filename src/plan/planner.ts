// The pure planner: validated table specs + one catalog snapshot + now → the plan.
// No clock and no I/O, so the same input always gives the same plan.
import type {
  CatalogSnapshot,
  Finding,
  KeyType,
  Now,
  ParentInfo,
  PartitionInfo,
  Plan,
  TablePlan,
  TableSpec,
} from '../types';
import { compareNames, quoteQualified, relationKey } from '../sql/quote';
import { duePartitions, planArchives, unboundedBelowPastCutoff } from './archive';
import { dateToBound } from './bounds';
import { localDate, periodStart, utcDate } from './calendar';
import { NOT_MEASURED, type CoverageRule, measureCoverage } from './coverage';
import { limitCreates, planCreates } from './creates';
import { defaultRowPoints, totalDefaultRows, withDefaultRows } from './default-rows';
import {
  defaultRowsFinding,
  gapFindings,
  limitFinding,
  unexaminedFinding,
  partitionFindings,
  retentionDueFinding,
  shortfallFinding,
  unboundedBelowFinding,
} from './findings';
import { type Grid, periodsBetween } from './periods';
import { byFrom, mergeRanges } from './ranges';
import { planningWindow, retentionCutoff, startAhead } from './window';
import { tableLayout } from './layout';

/** How many whole periods past premake and minimumAhead coverage counts before it stops (a run of finite partitions centuries long would otherwise be walked period by period). */
export const EXTRA_AHEAD_COUNTED = 1000;

/** `plannedAlready`: a table's plan made while the snapshot was read, if it still holds. */
export function buildPlan(
  specs: TableSpec[],
  snapshot: CatalogSnapshot,
  now: Now,
  plannedAlready: (spec: TableSpec) => TablePlan | undefined = () => undefined,
): Plan {
  return {
    now: utcDate(now),
    tables: specs.map((spec) => plannedAlready(spec) ?? planTable(spec, snapshot, now)),
  };
}

export function planTable(spec: TableSpec, snapshot: CatalogSnapshot, now: Now): TablePlan {
  const parent = snapshot.parents.get(relationKey(spec));
  if (!spec.enabled) {
    const message = `${quoteQualified(spec)} is disabled in the config (enabled: false); nothing is planned.`;
    return skippedPlan(spec, parent, { level: 'info', code: 'disabled', message });
  }
  const problem = parentProblem(spec, parent);
  if (problem || !parent?.keyType) return skippedPlan(spec, parent, problem ?? unsupportedKey(spec, parent));
  return planParent(spec, parent, parent.keyType, snapshot.relationNames.get(spec.schema) ?? new Map(), now, {
    serverVersion: snapshot.serverVersion,
    ...(snapshot.schemas && { schemas: snapshot.schemas }),
  });
}

function parentProblem(spec: TableSpec, parent: ParentInfo | undefined): Finding | undefined {
  if (!parent || parent.problem?.code === 'missing') {
    const message = parent?.problem?.message ?? `${quoteQualified(spec)} does not exist`;
    return { level: 'error', code: 'missing-table', message };
  }
  if (parent.problem) return { level: 'error', code: 'unsupported', message: parent.problem.message };
  return undefined;
}

function unsupportedKey(spec: TableSpec, parent: ParentInfo | undefined): Finding {
  const type = parent?.keyTypeName ?? 'unknown';
  return {
    level: 'error',
    code: 'unsupported',
    message: `${quoteQualified(spec)} has a partition key of type ${type}; partition-keeper needs date, timestamp or timestamptz.`,
  };
}

function tableFields(spec: TableSpec, parent: ParentInfo | undefined) {
  return {
    table: quoteQualified(spec),
    schema: spec.schema,
    name: spec.name,
    interval: spec.interval,
    keyType: parent?.keyType,
    keyColumn: parent?.keyColumn,
    timezone: spec.timezone,
    ...(parent?.defaultPartition && {
      defaultPartition: { schema: parent.defaultPartition.schema, name: parent.defaultPartition.name },
    }),
    ...(parent?.tablespace && { tablespace: parent.tablespace }),
  };
}

function skippedPlan(spec: TableSpec, parent: ParentInfo | undefined, finding: Finding): TablePlan {
  return {
    ...tableFields(spec, parent),
    coverage: NOT_MEASURED,
    coverageAfterPlan: NOT_MEASURED,
    create: [],
    deferred: 0,
    archive: [],
    findings: [finding],
    skipped: true,
  };
}

const byBoundsThenName = (a: PartitionInfo, b: PartitionInfo): number =>
  byFrom(a, b) || compareNames(a.schema, b.schema) || compareNames(a.name, b.name);

function planParent(
  spec: TableSpec,
  parent: ParentInfo,
  keyType: KeyType,
  relationNames: ReadonlyMap<string, string>,
  now: Now,
  { serverVersion, schemas }: { serverVersion: number; schemas?: ReadonlySet<string> },
): TablePlan {
  const grid: Grid = { interval: spec.interval, keyType, timezone: spec.timezone };
  const partitions = [...parent.partitions].sort(byBoundsThenName);
  const covered = mergeRanges(partitions);
  const current = periodStart(localDate(now, spec.timezone), spec.interval);
  const window = planningWindow(spec, grid, current, partitions);
  const periods = periodsBetween(grid, window.examinedFrom, window.end);

  const planned = planCreates(
    {
      spec,
      grid,
      current,
      covered,
      existingNames: relationNames,
      partitions,
      detached: parent.archived,
    },
    periods,
  );
  const { kept, deferred } = limitCreates(planned.creates, spec.maxPartitionsPerRun);
  const creates = withDefaultRows(kept, defaultRowPoints(parent.defaultPartition, grid));

  const cutoff = retentionCutoff(spec, current);
  const cutoffBound = cutoff === undefined ? undefined : dateToBound(cutoff, keyType, spec.timezone);
  const due =
    cutoffBound === undefined
      ? []
      : duePartitions(
          partitions.filter((p) => !p.detachPending),
          cutoffBound,
        );
  const archives = planArchives({
    parent: spec,
    partitions,
    detached: parent.archived,
    cutoff: cutoffBound,
    ...(cutoff !== undefined && { cutoffText: cutoff }),
    archive: spec.archive,
    grid,
    concurrently: serverVersion >= 140000 && !parent.defaultPartition,
    schemaExists: spec.archive?.schema === undefined || (schemas?.has(spec.archive.schema) ?? true),
  });
  const keptPastCutoff = cutoffBound === undefined ? [] : unboundedBelowPastCutoff(partitions, cutoffBound);

  const startPeriod = startAhead(spec, grid, current);
  const rule: CoverageRule = {
    minimumAhead: spec.coverage.minimumAhead,
    maxAhead: spec.premake + spec.coverage.minimumAhead + EXTRA_AHEAD_COUNTED,
    ...(startPeriod !== undefined && { startPeriod }),
  };
  const coverage = measureCoverage(grid, current, covered, rule);
  const created = creates.map((c) => ({ from: c.fromValue, to: c.toValue }));
  const coverageAfterPlan = measureCoverage(grid, current, mergeRanges([...covered, ...created]), rule);

  const findings: Finding[] = [
    ...partitionFindings(spec, grid, partitions, periods),
    ...gapFindings(grid, window.first, current, covered),
    ...planned.findings,
    ...defaultRowsFinding(parent.defaultPartition, totalDefaultRows(parent.defaultPartition), creates),
    ...shortfallFinding(coverage, coverageAfterPlan, spec.coverage.minimumAhead, spec.interval),
    ...limitFinding(deferred, spec.maxPartitionsPerRun),
    ...unexaminedFinding(window, spec.interval),
    ...(cutoff === undefined ? [] : retentionDueFinding(due, spec, cutoff)),
    ...(cutoff === undefined ? [] : unboundedBelowFinding(keptPastCutoff, grid, cutoff)),
    ...archives.findings,
  ];

  return {
    ...tableFields(spec, parent),
    coverage,
    coverageAfterPlan,
    create: creates,
    deferred: deferred.length,
    ...(deferred.length > 0 && { heldBackNames: deferred.map(({ schema, name }) => ({ schema, name })) }),
    archive: archives.archive,
    findings,
    skipped: false,
    layout: tableLayout({
      grid,
      current,
      window,
      partitions,
      covered,
      defaultPartition: parent.defaultPartition,
    }),
  };
}
