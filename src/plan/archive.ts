// Partitions past the retention, oldest first, with the steps the config asks for. Retention acts
// only on partitions attached to the configured parent (never DEFAULT, never the last one) and on
// tables that carry our origin mark for this parent; everything else is left alone.
import type {
  ArchiveSpec,
  ArchiveState,
  ArchiveStep,
  ArchivedTable,
  BoundValue,
  Finding,
  PartitionInfo,
  PlannedArchive,
} from '../types';
import { parseBoundLiteral } from '../catalog/bounds';
import { quoteQualified, relationKey } from '../sql/quote';
import { formatBound } from './bounds';
import type { Grid } from './periods';
import { byFrom } from './ranges';

/** The steps that take a table in `state` to where the config wants it; none without `archive:`. */
export function archiveSteps(
  archive: ArchiveSpec | undefined,
  state: ArchiveState = 'attached',
  where: { schema?: string; dumped?: boolean } = {},
): ArchiveStep[] {
  if (!archive) return [];
  const steps: ArchiveStep[] = [];
  if (state === 'attached') steps.push('detach');
  if (state === 'pending') steps.push('finalize');
  if (archive.schema !== undefined && where.schema !== archive.schema) steps.push('move');
  if (archive.dump !== undefined && !where.dumped) steps.push('dump', 'verify', 'upload');
  if (archive.drop && archive.dump !== undefined) steps.push('drop');
  return steps;
}

/**
 * Partitions (sorted by bounds) whose upper bound is at or before the cutoff. One reaching down to
 * MINVALUE is never due, however old its upper bound: it catches every older key, so detaching it
 * would change where old rows go (refused, or into DEFAULT) rather than retire aged data; it is
 * reported instead (see unboundedBelowFinding).
 */
export function duePartitions(partitions: readonly PartitionInfo[], cutoff: BoundValue): PartitionInfo[] {
  return partitions.filter((p) => p.to <= cutoff && p.from !== -Infinity);
}

/** Partitions from MINVALUE that end at or before the cutoff: past retention, yet kept. */
export function unboundedBelowPastCutoff(
  partitions: readonly PartitionInfo[],
  cutoff: BoundValue,
): PartitionInfo[] {
  return partitions.filter((p) => p.to <= cutoff && p.from === -Infinity);
}

export interface ArchiveInput {
  parent: { schema: string; name: string };
  /** The parent's partitions, sorted by bounds (a pending detach among them). */
  partitions: readonly PartitionInfo[];
  /** Detached tables carrying the parent's naming (their origin marks read by the catalog). */
  detached: readonly ArchivedTable[];
  /** Upper bounds at or before it are due; undefined without retention. */
  cutoff: BoundValue | undefined;
  /** The cutoff as a date, for messages. */
  cutoffText?: string;
  archive: ArchiveSpec | undefined;
  grid: Grid;
  /** PostgreSQL 14+ and no DEFAULT partition: DETACH … CONCURRENTLY. */
  concurrently: boolean;
  /** The archive schema exists (false: `move` creates it). */
  schemaExists: boolean;
}

export interface ArchivePlan {
  archive: PlannedArchive[];
  findings: Finding[];
}

/** Due partitions and marked tables, oldest first, each with its steps. */
export function planArchives(input: ArchiveInput): ArchivePlan {
  const { grid, archive, cutoff } = input;
  if (cutoff === undefined) return { archive: [], findings: [] };
  const findings: Finding[] = [];
  const bound = (v: BoundValue): string => formatBound(v, grid.keyType, grid.timezone);
  const parentName = quoteQualified(input.parent);

  const attached = input.partitions.filter((p) => !p.detachPending);
  // A partition that is itself partitioned is left alone: pg_dump of it holds no rows, and moving
  // it would leave its sub-partitions behind.
  let due = duePartitions(attached, cutoff).filter((p) => !p.subPartitioned);
  for (const p of duePartitions(attached, cutoff).filter((q) => q.subPartitioned)) {
    findings.push({
      level: 'warning',
      code: 'retention-due',
      message: `${quoteQualified(p)} is past the retention but is itself partitioned; retention leaves it alone (archive its sub-partitions by hand).`,
    });
  }
  // Never the last partition: a parent left with none takes no rows at all.
  if (due.length > 0 && due.length === attached.length) {
    const kept = due[due.length - 1]!;
    due = due.slice(0, -1);
    findings.push({
      level: 'warning',
      code: 'retention-due',
      message: `${quoteQualified(kept)} is past the retention but is the last partition of ${parentName}; it is kept (create newer partitions first).`,
    });
  }
  const pending = duePartitions(
    input.partitions.filter((p) => p.detachPending),
    cutoff,
  );
  for (const p of input.partitions.filter((q) => q.detachPending && !(q.to <= cutoff))) {
    findings.push({
      level: 'warning',
      code: 'retention-due',
      message: `${quoteQualified(p)} is pending detach from ${parentName} but not past the retention; finish it by hand (ALTER TABLE … DETACH PARTITION … FINALIZE) or leave it.`,
    });
  }

  const store = archive?.dump;
  const base = (state: ArchiveState) => ({
    targetSchema: archive?.schema ?? input.parent.schema,
    state,
    concurrently: input.concurrently,
    createSchema: archive?.schema !== undefined && !input.schemaExists,
    ...(store !== undefined && { store }),
  });
  const items: (PlannedArchive & { fromValue: BoundValue; toValue: BoundValue })[] = [];
  for (const p of due) {
    items.push({
      schema: p.schema,
      name: p.name,
      from: bound(p.from),
      to: bound(p.to),
      fromValue: p.from,
      toValue: p.to,
      steps: archiveSteps(archive, 'attached', { schema: p.schema }),
      ...base('attached'),
    });
  }
  for (const p of pending) {
    items.push({
      schema: p.schema,
      name: p.name,
      from: bound(p.from),
      to: bound(p.to),
      fromValue: p.from,
      toValue: p.to,
      steps: archiveSteps(archive, 'pending', { schema: p.schema }),
      ...base('pending'),
    });
  }
  const parentKey = relationKey(input.parent);
  for (const t of input.detached) {
    if (t.originProblem) {
      findings.push({
        level: 'warning',
        code: 'retention-due',
        message: `${quoteQualified(t)} is left alone: ${t.originProblem}.`,
      });
      continue;
    }
    if (!t.origin || relationKey(t.origin.parent) !== parentKey) continue;
    let from: BoundValue;
    let to: BoundValue;
    try {
      from = parseBoundLiteral(t.origin.from, grid.keyType);
      to = parseBoundLiteral(t.origin.to, grid.keyType);
    } catch (error) {
      findings.push({
        level: 'warning',
        code: 'retention-due',
        message: `${quoteQualified(t)} is left alone: its origin mark's bounds do not fit ${parentName}'s key (${(error as Error).message}).`,
      });
      continue;
    }
    if (!(to <= cutoff)) {
      findings.push({
        level: 'info',
        code: 'retention-due',
        message: `${quoteQualified(t)} was detached from ${parentName} but is not past the retention (cutoff ${input.cutoffText ?? bound(cutoff)}); it is left alone (\`reattach\` puts it back).`,
      });
      continue;
    }
    const steps = archiveSteps(archive, 'detached', {
      schema: t.schema,
      dumped: t.origin.dump !== undefined,
    });
    items.push({
      schema: t.schema,
      name: t.name,
      from: t.origin.from,
      to: t.origin.to,
      fromValue: from,
      toValue: to,
      steps,
      ...base('detached'),
      ...(t.origin.dump !== undefined && { dumped: t.origin.dump }),
    });
  }
  items.sort(
    (a, b) =>
      byFrom({ from: a.fromValue, to: a.toValue }, { from: b.fromValue, to: b.toValue }) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  // A detached table whose work is all done (stored, kept) needs no line in the plan.
  const archives = items
    .filter((i) => i.state !== 'detached' || i.steps.length > 0)
    .map(({ fromValue: _f, toValue: _t, ...rest }) => rest);
  return { archive: archives, findings };
}
