// The SQL of each step, as the reviewed file shows it and `apply` runs it. Pure: a step in, statements
// out; every name and bound goes through quote.ts. Each SQL step is safe to run twice, checks that
// what it finds is what it meant, and ends by asserting its own result, so a reviewer may delete a
// whole step and the rest still holds.
import type { KeyType } from '../types';
import type { CreateStep, Step } from '../steps/step';
import { parseBoundLiteral } from '../catalog/bounds';
import { formatBound } from '../plan/bounds';
import { quoteLiteral, quoteQualified } from './quote';

/**
 * How a partition is made when the parent has no DEFAULT partition. `attach` creates the table on its
 * own and then ATTACHes it (SHARE UPDATE EXCLUSIVE on the parent: readers and writers go on);
 * `partition-of` is CREATE TABLE … PARTITION OF (ACCESS EXCLUSIVE on the parent). With a DEFAULT
 * partition both move the range's rows out of it first. The load test chose the default (BENCHMARKS.md).
 */
export type Strategy = 'attach' | 'partition-of';
export const STRATEGIES: readonly Strategy[] = ['attach', 'partition-of'];

/** The `detail` of the notice a step raises when it finds its work already done. */
export const ALREADY_DONE = 'partition-keeper: already done';

// What CREATE TABLE … PARTITION OF would copy from the parent; ATTACH adds the indexes and
// foreign keys, and marks columns and constraints as inherited, so both end up the same.
const LIKE_OPTIONS =
  'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION';

/** A dollar-quoted body whose tag cannot occur inside it (names may hold `$pk$`). */
function dollarQuoted(body: string): string {
  let tag = '$pk$';
  for (let n = 1; body.includes(tag); n += 1) tag = `$pk${n}$`;
  return `${tag}\n${body}\n${tag}`;
}

const boundSql = (text: string): string =>
  text === 'MINVALUE' || text === 'MAXVALUE' ? text : quoteLiteral(text);

function forValues(step: CreateStep): string {
  return `FOR VALUES FROM (${boundSql(step.from)}) TO (${boundSql(step.to)})`;
}

/** The key type a bound literal was printed for: a date, a timestamp, or a timestamp with an offset. */
function literalKeyType(text: string): KeyType {
  if (!/\d:\d\d/.test(text)) return 'date';
  return /\d:\d\d(:\d\d(\.\d+)?)?[+-]\d\d(:\d\d){0,2}( BC)?$/.test(text) ? 'timestamptz' : 'timestamp';
}

/** A bound as pg_get_expr prints it under TimeZone UTC and DateStyle ISO (what the step compares). */
function boundInUtc(text: string): string {
  if (text === 'MINVALUE' || text === 'MAXVALUE') return text;
  const keyType = literalKeyType(text);
  return `'${formatBound(parseBoundLiteral(text, keyType), keyType, 'UTC')}'`;
}

/** The bound text the attached partition must show (compared under UTC and ISO, whatever the session). */
export function expectedBound(step: CreateStep): string {
  return `FOR VALUES FROM (${boundInUtc(step.from)}) TO (${boundInUtc(step.to)})`;
}

/** Reads what stands under the partition's name into `existing` (nothing there: existing.oid IS NULL). */
function lookUp(partition: string): string[] {
  return [
    '  SELECT c.oid, c.relkind, c.relispartition, i.inhparent::regclass AS attached_to,',
    '         pg_get_expr(c.relpartbound, c.oid) AS bound',
    '    INTO existing',
    '    FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid',
    `   WHERE c.oid = to_regclass(${partition});`,
  ];
}

/** Nothing under the name yet: create the partition shaped like its parent, in the parent's tablespace. */
function createUnlessThere({ parent, partition, partitionText }: Names): string[] {
  return [
    '    IF existing.oid IS NULL THEN',
    `      CREATE TABLE ${partition} (LIKE ${parent} ${LIKE_OPTIONS});`,
    '      PERFORM 1 FROM pg_class WHERE oid = parent AND reltablespace <> 0;',
    "      IF FOUND THEN EXECUTE format('ALTER TABLE %s SET TABLESPACE %I', " +
      `${partitionText}, (SELECT spcname FROM pg_tablespace t JOIN pg_class c ON c.reltablespace = t.oid WHERE c.oid = parent)); END IF;`,
    '    END IF;',
  ];
}

/** The DEFAULT path: lock, create (or adopt), move the range's rows out of DEFAULT, attach, compare counts. */
function throughDefault(step: CreateStep, names: Names): string[] {
  const { parent, partition, partitionText } = names;
  return [
    '    SELECT a.attname INTO key FROM pg_partitioned_table p',
    '      JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]',
    '     WHERE p.partrelid = parent;',
    `    in_range := ${inRange(step)};`,
    `    LOCK TABLE ONLY ${parent} IN SHARE ROW EXCLUSIVE MODE;`,
    "    SELECT format('%I.%I', n.nspname, c.relname) INTO default_name FROM pg_class c",
    '      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = default_partition;',
    "    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', default_name);",
    ...createUnlessThere(names),
    `    EXECUTE format('SELECT count(*) FROM %s', ${partitionText}) INTO rows_existing;`,
    `    EXECUTE format('SELECT count(*) FROM %s WHERE %s', default_name, in_range) INTO rows_before;`,
    '    IF rows_before > 0 THEN',
    "      SELECT string_agg(what, ', ') INTO blockers FROM (",
    "        SELECT format('foreign key %I of %s', conname, conrelid::regclass) FROM pg_constraint",
    "         WHERE contype = 'f' AND conparentid = 0 AND confrelid IN (parent, default_partition)",
    '        UNION ALL',
    "        SELECT format('trigger %I', t.tgname) FROM pg_trigger t",
    '          LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint',
    "         WHERE t.tgrelid = default_partition AND t.tgenabled <> 'D' AND t.tgtype & 8 <> 0",
    "           AND c.contype IS DISTINCT FROM 'f'",
    '      ) AS b(what);',
    '      IF blockers IS NOT NULL THEN',
    "        RAISE EXCEPTION 'moving % rows out of % into % would fire the ON DELETE actions of %; nothing was changed: move these rows by hand, then run apply again',",
    `          rows_before, default_name, ${partitionText}, blockers;`,
    '      END IF;',
    "      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute",
    "       WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';",
    "      EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO %s (%s) SELECT %s FROM moved',",
    `        default_name, in_range, columns, ${partitionText}, columns, columns);`,
    '      GET DIAGNOSTICS rows_moved = ROW_COUNT;',
    '    END IF;',
    `    ALTER TABLE ${parent} ATTACH PARTITION ${partition}`,
    `      ${forValues(step)};`,
    `    EXECUTE format('SELECT count(*) - %s FROM %s', rows_existing, ${partitionText}) INTO rows_after;`,
    '    IF rows_moved <> rows_before OR rows_after <> rows_before THEN',
    "      RAISE EXCEPTION 'moving rows out of DEFAULT into %: % before, % moved, % after; rolled back',",
    `        ${partitionText}, rows_before, rows_moved, rows_after;`,
    '    END IF;',
    "    RAISE NOTICE 'moved % rows from % into % (% before, % after)',",
    `      rows_moved, default_name, ${partitionText}, rows_before, rows_after;`,
  ];
}

interface Names {
  parent: string;
  partition: string;
  /** As SQL string literals (for to_regclass, messages and format()). */
  parentText: string;
  partitionText: string;
}

/** WHERE clause of the range in DEFAULT, built with the key column read when the step runs. */
function inRange(step: CreateStep): string {
  const parts = [
    step.from === 'MINVALUE' ? '' : `format('%I >= %L', key, ${quoteLiteral(step.from)})`,
    step.to === 'MAXVALUE' ? '' : `format('%I < %L', key, ${quoteLiteral(step.to)})`,
  ].filter(Boolean);
  return parts.length === 0 ? "'true'" : parts.join(" || ' AND ' || ");
}

function createSql(step: CreateStep, strategy: Strategy): string {
  const parent = quoteQualified(step.parent);
  const partition = quoteQualified(step.partition);
  const names: Names = {
    parent,
    partition,
    parentText: quoteLiteral(parent),
    partitionText: quoteLiteral(partition),
  };
  const { parentText, partitionText } = names;
  const expected = quoteLiteral(expectedBound(step));
  const withoutDefault =
    strategy === 'partition-of'
      ? [
          '    IF existing.oid IS NULL THEN',
          `      CREATE TABLE ${partition} PARTITION OF ${parent}`,
          `        ${forValues(step)};`,
          '    ELSE',
          `      ALTER TABLE ${parent} ATTACH PARTITION ${partition}`,
          `        ${forValues(step)};`,
          '    END IF;',
        ]
      : [
          ...createUnlessThere(names),
          `    ALTER TABLE ${parent} ATTACH PARTITION ${partition}`,
          `      ${forValues(step)};`,
        ];
  const body = [
    'DECLARE',
    `  parent regclass := ${parentText}::regclass;`,
    '  existing record;',
    '  bound text;',
    '  default_partition regclass;',
    '  default_name text;',
    '  key name;',
    '  in_range text;',
    '  rows_existing bigint := 0;',
    '  rows_before bigint := 0;',
    '  rows_moved bigint := 0;',
    '  rows_after bigint := 0;',
    '  columns text;',
    '  blockers text;',
    '  mine text;',
    '  theirs text;',
    'BEGIN',
    ...lookUp(partitionText),
    // What stands under this name must be this partition already, or (when the plan said so) a
    // detached table shaped like the parent; anything else is an error naming what it is.
    "  IF existing.oid IS NOT NULL AND existing.relkind NOT IN ('r', 'p') THEN",
    "    RAISE EXCEPTION '% is a % (relkind %), not a table: rename or drop it, then run this again',",
    `      ${partitionText}, CASE existing.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'relation' END, existing.relkind;`,
    '  ELSIF existing.attached_to IS NOT NULL AND NOT existing.relispartition THEN',
    "    RAISE EXCEPTION '% inherits from % (table inheritance), it is not a partition of %', " +
      `${partitionText}, existing.attached_to, ${parentText};`,
    '  ELSIF existing.attached_to IS NOT NULL AND existing.attached_to <> parent THEN',
    "    RAISE EXCEPTION '% is a partition of %, not of %', " +
      `${partitionText}, existing.attached_to, ${parentText};`,
    '  ELSIF existing.attached_to = parent THEN',
    "    PERFORM set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true);",
    '    SELECT pg_get_expr(relpartbound, oid) INTO bound FROM pg_class WHERE oid = existing.oid;',
    `    IF bound IS DISTINCT FROM ${expected} THEN`,
    "      RAISE EXCEPTION '% is a partition of % % (UTC), not %', " +
      `${partitionText}, ${parentText}, bound, ${expected};`,
    '    END IF;',
    "    RAISE NOTICE USING MESSAGE = format('%s is already a partition of %s with these bounds', " +
      `${partitionText}, ${parentText}), DETAIL = ${quoteLiteral(ALREADY_DONE)};`,
    '    RETURN;',
    ...(step.adopt
      ? []
      : [
          '  ELSIF existing.oid IS NOT NULL THEN',
          "    RAISE EXCEPTION '% is a table that is not a partition of %, and this step does not adopt one: rename or drop it, then run this again', " +
            `${partitionText}, ${parentText};`,
        ]),
    '  END IF;',
    '  IF existing.oid IS NOT NULL THEN',
    "    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attname) INTO mine",
    '      FROM pg_attribute WHERE attrelid = existing.oid AND attnum > 0 AND NOT attisdropped;',
    "    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attname) INTO theirs",
    '      FROM pg_attribute WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped;',
    '    IF mine IS DISTINCT FROM theirs THEN',
    "      RAISE EXCEPTION '% has columns (%), not those of % (%): it cannot become its partition', " +
      `${partitionText}, mine, ${parentText}, theirs;`,
    '    END IF;',
    '  END IF;',
    '  SELECT nullif(partdefid, 0)::regclass INTO default_partition FROM pg_partitioned_table WHERE partrelid = parent;',
    '  IF default_partition IS NOT NULL THEN',
    ...throughDefault(step, names),
    '  ELSE',
    ...withoutDefault,
    '  END IF;',
    // The step's own result: this partition, of this parent, with these bounds.
    "  PERFORM set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true);",
    ...lookUp(partitionText),
    `  IF existing.attached_to IS DISTINCT FROM parent OR existing.bound IS DISTINCT FROM ${expected} THEN`,
    "    RAISE EXCEPTION 'step did not hold: % is not a partition of % %', " +
      `${partitionText}, ${parentText}, ${expected};`,
    '  END IF;',
    'END',
  ];
  return `DO ${dollarQuoted(body.join('\n'))}`;
}

/** The statements of a step, in order, without their closing semicolons. */
export function stepStatements(step: Step, strategy: Strategy): string[] {
  return [createSql(step, strategy)];
}
