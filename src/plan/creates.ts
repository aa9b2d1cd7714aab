// The partitions to create: every uncovered piece of every period in the window, named by the
// template, never overlapping what exists, and no more per run than the runaway guard allows.
import type { CreateReason, Finding, PlannedCreate, TableSpec } from '../types';
import { MAX_IDENTIFIER_BYTES, identifierBytes, quoteQualified } from '../sql/quote';
import { formatBound } from './bounds';
import type { CalendarDate } from './calendar';
import { renderName } from './naming';
import { type Grid, type Period, describeRange } from './periods';
import { type Range, compareBounds, sameRange, subtractRanges } from './ranges';

export interface CreateContext {
  spec: Pick<TableSpec, 'schema' | 'name' | 'naming'>;
  grid: Grid;
  current: CalendarDate;
  /** Union of the existing partitions' ranges (merged). */
  covered: Range[];
  /** Every name a relation or type holds in the parent's schema, with what holds it ('a view' …). */
  existingNames: ReadonlyMap<string, string>;
  /** The parent's own partitions (their names count in the parent's schema only). */
  partitions: readonly Relation[];
  /** Tables that carry our naming but are attached nowhere (adopted, not recreated). */
  detached: readonly Relation[];
}

interface Relation {
  schema: string;
  name: string;
}

/** Looked up, not indexed: only periods that need a partition ask, a few per table. */
const holds = (relations: readonly Relation[], schema: string, name: string): boolean =>
  relations.some((r) => r.name === name && r.schema === schema);

export interface CreatesResult {
  creates: PlannedCreate[];
  findings: Finding[];
}

function reasonFor(period: CalendarDate, current: CalendarDate): CreateReason {
  if (period < current) return 'gap';
  return period === current ? 'current' : 'premake';
}

/** The template name, or it with `_p2`, `_p3` … when it is used already. */
function freeName(base: string, isUsed: (name: string) => boolean): string {
  if (!isUsed(base)) return base;
  for (let n = 2; ; n += 1) {
    const candidate = `${base}_p${n}`;
    if (!isUsed(candidate)) return candidate;
  }
}

export function planCreates(context: CreateContext, window: readonly Period[]): CreatesResult {
  const { spec, grid, covered, existingNames } = context;
  const isPartitionName = (name: string): boolean => holds(context.partitions, spec.schema, name);
  // Names this plan takes; the schema's existing names are looked up, not copied (a schema can
  // hold tens of thousands, and this runs once per table).
  const used = new Set<string>();
  const isUsed = (name: string): boolean =>
    used.has(name) || existingNames.has(name) || isPartitionName(name);
  const creates: PlannedCreate[] = [];
  const findings: Finding[] = [];
  const text = (value: number): string => formatBound(value, grid.keyType, grid.timezone);

  for (const period of window) {
    const pieces = subtractRanges(period.range, covered);
    if (pieces.length === 0) continue; // covered already: most periods of a healthy table
    const newCreate = (name: string, piece: Range): PlannedCreate => ({
      schema: spec.schema,
      name,
      from: text(piece.from),
      to: text(piece.to),
      fromValue: piece.from,
      toValue: piece.to,
      reason: reasonFor(period.start, context.current),
      defaultRows: 0,
    });
    const template = renderName(spec.naming, spec.name, period.start);
    for (const piece of pieces) {
      const where = describeRange(grid, piece);
      if (sameRange(piece, period.range) && holds(context.detached, spec.schema, template)) {
        findings.push({
          level: 'warning',
          code: 'adopt',
          message:
            `${quoteQualified({ schema: spec.schema, name: template })} exists but is attached nowhere; it will be ` +
            `attached as ${where} (PostgreSQL checks that its rows fit) rather than created anew.`,
        });
        used.add(template);
        creates.push({ ...newCreate(template, piece), adopt: true });
        continue;
      }
      // CREATE TABLE IF NOT EXISTS would silently skip a whole period whose name some other relation
      // holds. A table attached nowhere was adopted above, so what holds the name cannot be attached
      // as it is: another table's partition, a view, an index, a sequence, a type …
      const holder = existingNames.get(template);
      if (sameRange(piece, period.range) && holder !== undefined && !isPartitionName(template)) {
        const what = holder === 'a partition' ? 'a partition of another table' : holder;
        findings.push({
          level: 'error',
          code: 'name-taken',
          message:
            `${quoteQualified({ schema: spec.schema, name: template })} already exists as ${what}, not a partition of ` +
            `${quoteQualified(spec)}, so ${where} cannot be created under that name; rename or drop it.`,
        });
        continue;
      }
      const name = freeName(template, isUsed);
      if (identifierBytes(name) > MAX_IDENTIFIER_BYTES) {
        findings.push({
          level: 'error',
          code: 'name-taken',
          message: `no usable name for ${where}: ${name} is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte limit; shorten the naming template.`,
        });
        continue;
      }
      used.add(name);
      creates.push(newCreate(name, piece));
    }
  }
  return { creates, findings };
}

export const byFromValue = (a: PlannedCreate, b: PlannedCreate): number =>
  compareBounds(a.fromValue, b.fromValue);

/**
 * The runaway guard: at most `max` creates, the current and premade periods first, then the gaps
 * nearest to now going back. Returns what is kept (sorted by bounds) and what waits for later runs.
 */
export function limitCreates(
  creates: readonly PlannedCreate[],
  max: number,
): { kept: PlannedCreate[]; deferred: PlannedCreate[] } {
  const ordered = [...creates].sort(byFromValue);
  const ahead = ordered.filter((c) => c.reason !== 'gap');
  const gapsNearestFirst = ordered.filter((c) => c.reason === 'gap').reverse();
  const byPriority = [...ahead, ...gapsNearestFirst];
  const limit = Math.max(0, max);
  return {
    kept: byPriority.slice(0, limit).sort(byFromValue),
    deferred: byPriority.slice(limit).sort(byFromValue),
  };
}
