// Defaults merged into each entry, then the checks that need several fields or several tables.
import { MONTHS_PER_PERIOD } from '../plan/calendar';
import { DEFAULT_NAMING } from '../plan/naming';
import { MAX_IDENTIFIER_BYTES, identifierBytes, quoteQualified, relationKey } from '../sql/quote';
import type { ArchiveSpec, Interval, TableSpec } from '../types';
import { plural } from '../words';
import type { Problem } from './errors';
import { namingProblem, type SampleName } from './naming-rules';
import type { Defaults, TableEntry } from './schema';
import { INTERVAL_CHOICES } from './schema';

const DEFAULT_TIMEZONE = 'UTC';
const DEFAULT_PREMAKE = 2;
const DEFAULT_MAX_PARTITIONS_PER_RUN = 300;

// Nominal period lengths in days, to compare a retention with the table's period.
const NOMINAL_DAYS: Record<Interval, number> = { day: 1, week: 7, month: 30, quarter: 91, year: 365 };

/** A table with defaults applied, and which of its fields came from `defaults` (for messages). */
export interface ResolvedTable {
  spec: TableSpec;
  inherited: Set<string>;
}

const at = (index: number, ...field: string[]): Problem['path'] => ['tables', index, ...field];

export function resolveTable(
  entry: TableEntry,
  defaults: Defaults,
  index: number,
): { resolved?: ResolvedTable; problems: Problem[] } {
  const inherited = new Set<string>();
  // An entry's own value wins; null in the entry unsets an optional field set in defaults.
  const pick = <K extends keyof Defaults>(key: K): Defaults[K] => {
    if (entry[key] !== undefined) return entry[key];
    if (defaults[key] !== undefined && defaults[key] !== null) inherited.add(key);
    return defaults[key];
  };
  const interval = pick('interval');
  if (interval === undefined) {
    return {
      problems: [
        {
          path: at(index, 'interval'),
          message: `missing; set it here or in defaults: one of ${INTERVAL_CHOICES}`,
        },
      ],
    };
  }
  const premake = pick('premake') ?? DEFAULT_PREMAKE;
  const start = pick('start') ?? undefined;
  const retention = pick('retention') ?? undefined;
  const archive = mergeArchive(entry, defaults, inherited);
  const ownAhead = entry.coverage?.minimumAhead;
  const defaultAhead = entry.coverage === null ? undefined : defaults.coverage?.minimumAhead;
  if (ownAhead === undefined && defaultAhead !== undefined) inherited.add('coverage.minimumAhead');
  const minimumAhead = ownAhead ?? defaultAhead;
  const spec: TableSpec = {
    table: entry.table.table,
    schema: entry.table.schema,
    name: entry.table.name,
    index,
    interval,
    naming: pick('naming') ?? DEFAULT_NAMING[interval],
    premake,
    ...(start !== undefined && { start }),
    ...(retention !== undefined && { retention }),
    ...(archive !== undefined && { archive }),
    coverage: { minimumAhead: minimumAhead ?? Math.min(1, premake) },
    enabled: pick('enabled') ?? true,
    timezone: pick('timezone') ?? DEFAULT_TIMEZONE,
    maxPartitionsPerRun: pick('maxPartitionsPerRun') ?? DEFAULT_MAX_PARTITIONS_PER_RUN,
  };
  return { resolved: { spec, inherited }, problems: [] };
}

/** The entry's archive settings over the defaults' ones, field by field. */
function mergeArchive(
  entry: TableEntry,
  defaults: Defaults,
  inherited: Set<string>,
): ArchiveSpec | undefined {
  if (entry.archive === null || (entry.archive === undefined && !defaults.archive)) return undefined;
  const own = entry.archive ?? {};
  const base = defaults.archive ?? {};
  const value = <K extends 'schema' | 'dump' | 'drop'>(key: K) => {
    if (own[key] === undefined && base[key] !== undefined) inherited.add(`archive.${key}`);
    return own[key] ?? base[key];
  };
  const schema = value('schema');
  const dump = value('dump');
  return {
    ...(schema !== undefined && { schema }),
    ...(dump !== undefined && { dump }),
    drop: value('drop') ?? false,
  };
}

/** Checks of one table that need several fields. */
export function checkTable({ spec, inherited }: ResolvedTable, names: SampleName[]): Problem[] {
  const problems: Problem[] = [];
  const note = (field: string): string => (inherited.has(field) ? ' (from defaults)' : '');
  const report = (field: string, message: string): void => {
    problems.push({ path: at(spec.index, ...field.split('.')), message });
  };

  // PostgreSQL cuts longer identifiers, so no such table can exist; the naming check would only
  // echo the same length as a pattern problem.
  const overlong = [spec.schema, spec.name].find((part) => identifierBytes(part) > MAX_IDENTIFIER_BYTES);
  if (overlong !== undefined) {
    report(
      'table',
      `${JSON.stringify(overlong.length > 40 ? `${overlong.slice(0, 40)}…` : overlong)} is an identifier of ` +
        `${identifierBytes(overlong)} bytes, over PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte limit ` +
        `(it cuts longer names); write the table's real name`,
    );
  } else {
    const naming = namingProblem(spec, names, note('naming'));
    if (naming) report('naming', naming);
  }

  if (spec.retention && isShorterThanOnePeriod(spec.retention, spec.interval)) {
    const { count, unit } = spec.retention;
    report(
      'retention',
      `${plural(count, unit)}${note('retention')} is shorter than one ${spec.interval}, ` +
        `the period of this table; partitions are archived whole, so keep at least 1 ${spec.interval}`,
    );
  }

  const { minimumAhead } = spec.coverage;
  if (minimumAhead > spec.premake) {
    report(
      'coverage.minimumAhead',
      `${minimumAhead}${note('coverage.minimumAhead')} is more than premake (${spec.premake}), so check could ` +
        `never pass after apply; raise premake or lower minimumAhead`,
    );
  }

  if (spec.archive?.schema === spec.schema) {
    report(
      'archive.schema',
      `${JSON.stringify(spec.archive.schema)}${note('archive.schema')} is the table's own schema; ` +
        `archived partitions move to another schema, e.g. archive`,
    );
  }
  if (spec.archive?.drop && spec.archive.dump === undefined) {
    report('archive.drop', `true needs archive.dump: nothing is dropped without a verified dump`);
  }
  return problems;
}

function isShorterThanOnePeriod(retention: { count: number; unit: Interval }, interval: Interval): boolean {
  // Months, quarters and years compare exactly in months (12 months is one year, though 360 < 365).
  const unitMonths = MONTHS_PER_PERIOD[retention.unit];
  const periodMonths = MONTHS_PER_PERIOD[interval];
  if (unitMonths !== undefined && periodMonths !== undefined)
    return retention.count * unitMonths < periodMonths;
  return retention.count * NOMINAL_DAYS[retention.unit] < NOMINAL_DAYS[interval];
}

const labelOf = (spec: TableSpec): string => `tables[${spec.index}] (${spec.table})`;

/** The same parent listed twice (`claims`, `public.claims` and `"public"."claims"` are one table). */
export function checkDuplicates(specs: TableSpec[]): Problem[] {
  const first = new Map<string, TableSpec>();
  const problems: Problem[] = [];
  for (const spec of specs) {
    const earlier = first.get(relationKey(spec));
    if (earlier) {
      problems.push({
        path: at(spec.index, 'table'),
        message: `${quoteQualified(spec)} is already listed as ${labelOf(earlier)}; list each table once`,
      });
    } else {
      first.set(relationKey(spec), spec);
    }
  }
  return problems;
}

/**
 * A partition name that is another configured table's name, or another table's partition name,
 * in the same schema: CREATE would fail (or, worse, find the other table already there).
 */
export function checkNameClashes(tables: { spec: TableSpec; names: SampleName[] }[]): Problem[] {
  // By schema, then name (no key built per name: 48,000 names at 1,000 monthly tables).
  const owners = new Map<string, Map<string, { spec: TableSpec; what: string }>>();
  const ownersIn = (schema: string): Map<string, { spec: TableSpec; what: string }> => {
    const known = owners.get(schema) ?? new Map<string, { spec: TableSpec; what: string }>();
    owners.set(schema, known);
    return known;
  };
  for (const { spec } of tables) ownersIn(spec.schema).set(spec.name, { spec, what: 'the name' });
  const problems: Problem[] = [];
  for (const { spec, names } of tables) {
    const sameSchema = ownersIn(spec.schema);
    const itsPartition = { spec, what: 'also a partition name' };
    for (const { name } of names) {
      const owner = sameSchema.get(name);
      if (owner && owner.spec !== spec) {
        problems.push({
          path: at(spec.index, 'naming'),
          message:
            `${JSON.stringify(spec.naming)} makes ${JSON.stringify(name)}, which is ${owner.what} of ` +
            `${labelOf(owner.spec)}; choose a pattern that cannot produce another table's names`,
        });
        break;
      }
      if (!owner) sameSchema.set(name, itsPartition);
    }
  }
  return problems;
}
