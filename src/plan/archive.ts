// Partitions past the retention, oldest first, with the steps the config asks for.
import type { ArchiveSpec, ArchiveStep, BoundValue, PartitionInfo, PlannedArchive } from '../types';
import { formatBound } from './bounds';
import type { Grid } from './periods';

/** The steps for each due partition; none when the config has no `archive:` (they are only reported). */
export function archiveSteps(archive: ArchiveSpec | undefined): ArchiveStep[] {
  if (!archive) return [];
  const steps: ArchiveStep[] = ['detach'];
  if (archive.schema !== undefined) steps.push('move');
  if (archive.dump !== undefined) steps.push('dump');
  if (archive.drop) steps.push('drop');
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

export function planArchives(
  due: readonly PartitionInfo[],
  archive: ArchiveSpec | undefined,
  grid: Grid,
): PlannedArchive[] {
  const steps = archiveSteps(archive);
  return due.map((p) => ({
    schema: p.schema,
    name: p.name,
    from: formatBound(p.from, grid.keyType, grid.timezone),
    to: formatBound(p.to, grid.keyType, grid.timezone),
    steps: [...steps],
    targetSchema: archive?.schema ?? p.schema,
  }));
}
