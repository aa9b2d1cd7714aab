// The SQL of each step, as the reviewed file shows it and `apply` runs it. Pure: a step in, statements
// out; every name and bound goes through quote.ts. Each SQL step is safe to run twice, checks that
// what it finds is what it meant, and ends by asserting its own result, so a reviewer may delete a
// whole step and the rest still holds.
import type { KeyType } from '../types';
import type {
  CreateStep,
  DetachStep,
  EffectStep,
  FinalizeStep,
  MoveStep,
  ReattachStep,
  Step,
} from '../steps/step';
import { ORIGIN_PREFIX, renderOrigin } from '../catalog/origin';
import { parseBoundLiteral } from '../catalog/bounds';
import { formatBound } from '../plan/bounds';
import { quoteIdent, quoteLiteral, quoteQualified } from './quote';
import { memoize } from '../plan/memo';

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

/**
 * The `detail` of the notice a statement raises when it has finished its step by itself (a detach
 * that found its DETACH … CONCURRENTLY left pending and finalized it): the step's later statements
 * are not run.
 */
export const STEP_COMPLETE = 'partition-keeper: step complete';

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

interface Bounds {
  from: string;
  to: string;
}

const boundSql = (text: string): string =>
  text === 'MINVALUE' || text === 'MAXVALUE' ? text : quoteLiteral(text);

function forValues(step: Bounds): string {
  return `FOR VALUES FROM (${boundSql(step.from)}) TO (${boundSql(step.to)})`;
}

/** The key type a bound literal was printed for: a date, a timestamp, or a timestamp with an offset. */
function literalKeyType(text: string): KeyType {
  if (!/\d:\d\d/.test(text)) return 'date';
  return /\d:\d\d(:\d\d(\.\d+)?)?[+-]\d\d(:\d\d){0,2}( BC)?$/.test(text) ? 'timestamptz' : 'timestamp';
}

/**
 * A bound as pg_get_expr prints it under TimeZone UTC and DateStyle ISO (what the step compares).
 * Remembered: a plan's steps share a few bounds (2,000 creates of 1,000 tables, 3 bounds; 6 ms).
 */
const boundInUtc = memoize(
  (text: string): string => {
    if (text === 'MINVALUE' || text === 'MAXVALUE') return text;
    const keyType = literalKeyType(text);
    return `'${formatBound(parseBoundLiteral(text, keyType), keyType, 'UTC')}'`;
  },
  (text) => text,
);

/** The bound text the attached partition must show (compared under UTC and ISO, whatever the session). */
export function expectedBound(step: Bounds): string {
  return `FOR VALUES FROM (${boundInUtc(step.from)}) TO (${boundInUtc(step.to)})`;
}

/**
 * Reads what stands under the partition's name (`named`, known not to be NULL) into `existing`.
 * Bounds are printed without relation context (0): they hold only constants, so the text is the
 * same and PostgreSQL need not open the table (test/db/catalog-bound-text compares both).
 */
const LOOK_UP = [
  '    SELECT c.relkind, c.relispartition, i.inhparent::regclass AS attached_to,',
  '           pg_get_expr(c.relpartbound, 0) AS bound',
  '      INTO existing',
  '      FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid',
  '     WHERE c.oid = named;',
];

/** Nothing under the name yet: create the partition shaped like its parent, in the parent's tablespace. */
function createUnlessThere(ddl: Ddl): string[] {
  return [
    '    IF named IS NULL THEN',
    `      ${ddl.createLike}`,
    "      IF tablespace IS NOT NULL THEN EXECUTE format('ALTER TABLE %s SET TABLESPACE %I', " +
      'partition_name, tablespace); END IF;',
    '    END IF;',
  ];
}

/** The DEFAULT path: lock, create (or adopt), move the range's rows out of DEFAULT, attach, compare counts. */
function throughDefault(step: CreateStep, ddl: Ddl): string[] {
  const parent = quoteQualified(step.parent);
  return [
    '    SELECT a.attname INTO key FROM pg_partitioned_table p',
    '      JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]',
    '     WHERE p.partrelid = parent;',
    `    in_range := ${inRange(step)};`,
    `    LOCK TABLE ONLY ${parent} IN SHARE ROW EXCLUSIVE MODE;`,
    "    SELECT format('%I.%I', n.nspname, c.relname) INTO default_name FROM pg_class c",
    '      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = default_partition;',
    "    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', default_name);",
    ...createUnlessThere(ddl),
    "    EXECUTE format('SELECT count(*) FROM %s', partition_name) INTO rows_existing;",
    "    EXECUTE format('SELECT count(*) FROM %s WHERE %s', default_name, in_range) INTO rows_before;",
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
    '          rows_before, default_name, partition_name, blockers;',
    '      END IF;',
    "      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute",
    "       WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped AND attgenerated = '';",
    "      EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO %s (%s) SELECT %s FROM moved',",
    '        default_name, in_range, columns, partition_name, columns, columns);',
    '      GET DIAGNOSTICS rows_moved = ROW_COUNT;',
    '    END IF;',
    ...indent(ddl.attach, 4),
    "    EXECUTE format('SELECT count(*) - %s FROM %s', rows_existing, partition_name) INTO rows_after;",
    '    IF rows_moved <> rows_before OR rows_after <> rows_before THEN',
    "      RAISE EXCEPTION 'moving rows out of DEFAULT into %: % before, % moved, % after; rolled back',",
    '        partition_name, rows_before, rows_moved, rows_after;',
    '    END IF;',
    "    RAISE NOTICE 'moved % rows from % into % (% before, % after)',",
    '      rows_moved, default_name, partition_name, rows_before, rows_after;',
  ];
}

/** A create step's DDL, as lines: written out in a DO block, built from the arguments in apply's session function. */
interface Ddl {
  createLike: string;
  attach: string[];
  partitionOf: string[];
}

function writtenDdl(step: CreateStep, parent: string, partition: string): Ddl {
  return {
    createLike: `CREATE TABLE ${partition} (LIKE ${parent} ${LIKE_OPTIONS});`,
    attach: [`ALTER TABLE ${parent} ATTACH PARTITION ${partition}`, `  ${forValues(step)};`],
    partitionOf: [`CREATE TABLE ${partition} PARTITION OF ${parent}`, `  ${forValues(step)};`],
  };
}

/** The same DDL in the session function: the names (already quoted) and the bounds clause are its arguments. */
const ARGUMENT_DDL: Ddl = {
  createLike: `EXECUTE format('CREATE TABLE %s (LIKE %s ${LIKE_OPTIONS})', partition_name, parent_name);`,
  attach: [
    "EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s %s', parent_name, partition_name, for_values);",
  ],
  partitionOf: [
    "EXECUTE format('CREATE TABLE %s PARTITION OF %s %s', partition_name, parent_name, for_values);",
  ],
};

const indent = (lines: string[], spaces: number): string[] =>
  lines.map((line) => `${' '.repeat(spaces)}${line}`);

/** WHERE clause of the range in DEFAULT, built with the key column read when the step runs. */
function inRange(step: CreateStep): string {
  const parts = [
    step.from === 'MINVALUE' ? '' : `format('%I >= %L', key, ${quoteLiteral(step.from)})`,
    step.to === 'MAXVALUE' ? '' : `format('%I < %L', key, ${quoteLiteral(step.to)})`,
  ].filter(Boolean);
  return parts.length === 0 ? "'true'" : parts.join(" || ' AND ' || ");
}

/** What the body of a create step depends on besides its names, bounds and DDL. */
type CreateShape = Pick<CreateStep, 'adopt'> &
  ({ fromDefault: false } | (CreateStep & { fromDefault: true }));

function createSql(step: CreateStep, strategy: Strategy): string {
  const parent = quoteQualified(step.parent);
  const partition = quoteQualified(step.partition);
  // The block names its table, parent and bounds once, in its DECLARE section.
  const constants = [
    `  parent_name text := ${quoteLiteral(parent)};`,
    `  partition_name text := ${quoteLiteral(partition)};`,
    `  expected text := ${quoteLiteral(expectedBound(step))};`,
  ];
  const ddl = writtenDdl(step, parent, partition);
  return `DO ${dollarQuoted(createBody(step, strategy, ddl, constants).join('\n'))}`;
}

/**
 * apply's session function for the usual create step (no rows to move out of a DEFAULT partition,
 * no table to adopt): the DO block's body, its names, expected bound and FOR VALUES clause passed
 * as arguments (the DDL built from them with EXECUTE format). PL/pgSQL then compiles the body and
 * plans its queries once per session, not once per step: 4.72 M server instructions per step
 * instead of 6.47 M (callgrind; BENCHMARKS.md, issue 8).
 */
export function sessionFunctionSql(strategy: Strategy): string {
  const body = createBody({ adopt: false, fromDefault: false }, strategy, ARGUMENT_DDL, []);
  return (
    `CREATE OR REPLACE FUNCTION ${sessionFunctionName(strategy)}` +
    '(parent_name text, partition_name text, expected text, for_values text) RETURNS void LANGUAGE plpgsql AS ' +
    dollarQuoted(body.join('\n'))
  );
}

const sessionFunctionName = (strategy: Strategy): string =>
  `pg_temp.partition_keeper_create_${strategy === 'attach' ? 'attach' : 'partition_of'}`;

/** Whether this session still has its function for `strategy` (it goes with DISCARD TEMP). */
export const sessionFunctionExistsSql = (strategy: Strategy): string =>
  `SELECT to_regprocedure(${quoteLiteral(`${sessionFunctionName(strategy)}(text, text, text, text)`)}) IS NOT NULL AS present`;

/** A create step as a call of the session function, when the function covers it. */
export interface SessionCall {
  strategy: Strategy;
  sql: string;
}

export function sessionCall(step: Step, strategy: Strategy): SessionCall | undefined {
  if (step.kind !== 'create' || step.fromDefault || step.adopt) return undefined;
  const args = [
    quoteQualified(step.parent),
    quoteQualified(step.partition),
    expectedBound(step),
    forValues(step),
  ];
  return { strategy, sql: `SELECT ${sessionFunctionName(strategy)}(${args.map(quoteLiteral).join(', ')})` };
}

function createBody(step: CreateShape, strategy: Strategy, ddl: Ddl, constants: string[]): string[] {
  const withoutDefault =
    strategy === 'partition-of'
      ? [
          '    IF named IS NULL THEN',
          ...indent(ddl.partitionOf, 6),
          '    ELSE',
          ...indent(ddl.attach, 6),
          '    END IF;',
        ]
      : [...createUnlessThere(ddl), ...indent(ddl.attach, 4)];
  return [
    'DECLARE',
    ...constants,
    checksText(step.adopt, step.fromDefault),
    ...(step.fromDefault
      ? throughDefault(step, ddl)
      : [
          "    RAISE EXCEPTION '% has a DEFAULT partition (%) that it did not have when this step was planned; nothing was changed: plan again', " +
            'parent_name, default_partition;',
        ]),
    '  ELSE',
    ...withoutDefault,
    '  END IF;',
    // The step's own result: this partition, of this parent, with these bounds.
    '  SELECT (SELECT inhparent FROM pg_inherits WHERE inhrelid = c.oid)::regclass AS attached_to,',
    '         pg_get_expr(c.relpartbound, 0) AS bound INTO existing',
    '    FROM pg_class c WHERE c.oid = to_regclass(partition_name);',
    '  IF existing.attached_to IS DISTINCT FROM parent OR existing.bound IS DISTINCT FROM expected THEN',
    "    RAISE EXCEPTION 'step did not hold: % is not a partition of % %', " +
      'partition_name, parent_name, expected;',
    '  END IF;',
    'END',
  ];
}

// A plan of 1,000 monthly tables writes 2,000 create steps: their checks are the same text for every
// step of a shape, so it is joined once per shape, not once per step (the first plan of a process
// wrote its 2,000 blocks in 26 ms instead of 43; scratch timing, 2026-12-01).
const checksText = memoize(
  (adopt: boolean, fromDefault: boolean): string => createChecks(adopt, fromDefault).join('\n'),
  (adopt, fromDefault) => `${adopt} ${fromDefault}`,
);

/** A create step's declarations and checks, up to its branch for a DEFAULT partition. */
function createChecks(adopt: boolean, fromDefault: boolean): string[] {
  // The usual case (nothing under the name yet, no DEFAULT) runs two catalog queries besides the
  // DDL: each query in a DO block is planned afresh, and with three fewer (and the block half as
  // long) the 800 steps of the apply bench took the server 2.55–2.73 s instead of 2.87–3.12 s
  // (BENCHMARKS.md, "Apply after the steps rewrite"). Both read one table at a time: as joins,
  // planning them cost each step 10% more server instructions (callgrind, BENCHMARKS.md, issue 8).
  return [
    '  parent regclass := parent_name::regclass;',
    '  named regclass := to_regclass(partition_name);',
    '  existing record;',
    '  utc text;',
    '  default_partition regclass;',
    '  tablespace name;',
    ...(adopt ? ['  mine text;', '  theirs text;'] : []),
    ...(fromDefault
      ? [
          '  default_name text;',
          '  key name;',
          '  in_range text;',
          '  rows_existing bigint := 0;',
          '  rows_before bigint := 0;',
          '  rows_moved bigint := 0;',
          '  rows_after bigint := 0;',
          '  columns text;',
          '  blockers text;',
        ]
      : []),
    'BEGIN',
    // Bounds are compared as printed under UTC and ISO, whatever the session's settings.
    "  utc := set_config('TimeZone', 'UTC', true) || set_config('DateStyle', 'ISO, YMD', true);",
    // What stands under this name must be this partition already, or (when the plan said so) a
    // detached table shaped like the parent; anything else is an error naming what it is.
    '  IF named IS NOT NULL THEN',
    ...LOOK_UP,
    "    IF existing.relkind NOT IN ('r', 'p') THEN",
    "      RAISE EXCEPTION '% is a % (relkind %), not a table: rename or drop it, then run this again',",
    "        partition_name, CASE existing.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'relation' END, existing.relkind;",
    '    ELSIF existing.attached_to IS NOT NULL AND NOT existing.relispartition THEN',
    "      RAISE EXCEPTION '% inherits from % (table inheritance), it is not a partition of %', " +
      'partition_name, existing.attached_to, parent_name;',
    '    ELSIF existing.attached_to IS NOT NULL AND existing.attached_to <> parent THEN',
    "      RAISE EXCEPTION '% is a partition of %, not of %', " +
      'partition_name, existing.attached_to, parent_name;',
    '    ELSIF existing.attached_to = parent THEN',
    '      IF existing.bound IS DISTINCT FROM expected THEN',
    "        RAISE EXCEPTION '% is a partition of % % (UTC), not %', " +
      'partition_name, parent_name, existing.bound, expected;',
    '      END IF;',
    "      RAISE NOTICE USING MESSAGE = format('%s is already a partition of %s with these bounds', " +
      `partition_name, parent_name), DETAIL = ${quoteLiteral(ALREADY_DONE)};`,
    '      RETURN;',
    ...(adopt
      ? []
      : [
          '    ELSE',
          "      RAISE EXCEPTION '% is a table that is not a partition of %, and this step does not adopt one: rename or drop it, then run this again', " +
            'partition_name, parent_name;',
        ]),
    '    END IF;',
    // Only a table the step adopts gets this far: its columns must be the parent's.
    ...(adopt
      ? [
          "    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attname) INTO mine",
          '      FROM pg_attribute WHERE attrelid = named AND attnum > 0 AND NOT attisdropped;',
          "    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attname) INTO theirs",
          '      FROM pg_attribute WHERE attrelid = parent AND attnum > 0 AND NOT attisdropped;',
          '    IF mine IS DISTINCT FROM theirs THEN',
          "      RAISE EXCEPTION '% has columns (%), not those of % (%): it cannot become its partition', " +
            'partition_name, mine, parent_name, theirs;',
          '    END IF;',
        ]
      : []),
    '  END IF;',
    '  SELECT nullif((SELECT partdefid FROM pg_partitioned_table WHERE partrelid = parent), 0)::regclass,',
    '         (SELECT spcname FROM pg_tablespace WHERE oid = (SELECT reltablespace FROM pg_class WHERE oid = parent))',
    '    INTO default_partition, tablespace;',
    '  IF default_partition IS NOT NULL THEN',
  ];
}

// ---------------------------------------------------------------------------
// Archival: detach, finalize, move, drop, reattach. Each checks that the table it finds is the one
// it means (attached to this parent with these bounds, or detached carrying our origin mark for
// them), is safe to run twice, and asserts its result.

/** What stands under a name, into `into`: the lookUp fields plus a pending detach and the comment. */
function lookUpArchival(relation: string, into = 'existing'): string[] {
  return [
    '  SELECT c.oid, c.relkind, c.relispartition, i.inhparent::regclass AS attached_to,',
    '         pg_get_expr(c.relpartbound, c.oid) AS bound,',
    "         coalesce((to_jsonb(i) ->> 'inhdetachpending')::boolean, false) AS pending,",
    "         obj_description(c.oid, 'pg_class') AS mark",
    `    INTO ${into}`,
    '    FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid',
    `   WHERE c.oid = to_regclass(${relation});`,
  ];
}

/** Sets `ours` from `<record>.mark`: true when it is our origin mark for this parent and these bounds. */
function readMark(step: Step, record = 'existing'): string[] {
  return [
    '  origin := NULL;',
    `  IF left(${record}.mark, ${ORIGIN_PREFIX_LENGTH}) = ${quoteLiteral(ORIGIN_PREFIX_TEXT)} THEN`,
    '    BEGIN',
    `      origin := substr(${record}.mark, ${ORIGIN_PREFIX_LENGTH + 1})::jsonb;`,
    '    EXCEPTION WHEN others THEN',
    '      origin := NULL;',
    '    END;',
    '  END IF;',
    `  ours := origin ->> 'parent' IS NOT DISTINCT FROM ${quoteLiteral(quoteQualified(step.parent))}`,
    `      AND origin ->> 'from' IS NOT DISTINCT FROM ${quoteLiteral(step.from)}`,
    `      AND origin ->> 'to' IS NOT DISTINCT FROM ${quoteLiteral(step.to)};`,
  ];
}

const ORIGIN_PREFIX_TEXT = ORIGIN_PREFIX;
const ORIGIN_PREFIX_LENGTH = ORIGIN_PREFIX.length;

const ARCHIVAL_DECLARE = [
  'DECLARE',
  '  existing record;',
  '  target record;',
  '  origin jsonb;',
  '  ours boolean;',
  '  others bigint;',
  '  mine text;',
  '  theirs text;',
];

function names(step: Step) {
  const parent = quoteQualified(step.parent);
  const table = quoteQualified(step.partition);
  return { parent, table, parentText: quoteLiteral(parent), tableText: quoteLiteral(table) };
}

function block(lines: string[]): string {
  return `DO ${dollarQuoted(lines.join('\n'))}`;
}

const notice = (message: string, args: string[], detail: string): string =>
  `    RAISE NOTICE USING MESSAGE = format(${quoteLiteral(message)}, ${args.join(', ')}), DETAIL = ${quoteLiteral(detail)};`;

/** The partition of this parent with these bounds, or an error naming what stands there instead. */
function requireAttached(step: Step, n: ReturnType<typeof names>): string[] {
  const expected = quoteLiteral(expectedBound(step));
  return [
    "  PERFORM set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true);",
    '  IF existing.attached_to IS DISTINCT FROM parent THEN',
    "    RAISE EXCEPTION '% is a partition of %, not of %', " +
      `${n.tableText}, existing.attached_to, ${n.parentText};`,
    `  ELSIF existing.bound IS DISTINCT FROM ${expected} THEN`,
    "    RAISE EXCEPTION '% is a partition of % % (UTC), not %', " +
      `${n.tableText}, ${n.parentText}, existing.bound, ${expected};`,
    '  END IF;',
  ];
}

/**
 * The detach step's first part: finds the partition (or its work done), refuses the last partition
 * of the parent, finalizes a detach left pending, and sets the origin mark.
 */
function detachCheck(step: DetachStep, n: ReturnType<typeof names>, mark: string): string[] {
  return [
    ...lookUpArchival(n.tableText),
    // Gone: a later step of its archival dropped it (a file run again), or someone else did.
    ...goneOrDetached(step, n, 'detach'),
    ...requireAttached(step, n),
    '  IF NOT existing.pending THEN',
    '    SELECT count(*) INTO others FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid',
    "     WHERE i.inhparent = parent AND c.oid <> existing.oid AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT';",
    '    IF others = 0 THEN',
    "      RAISE EXCEPTION '% is the last partition of %: it is never detached', " +
      `${n.tableText}, ${n.parentText};`,
    '    END IF;',
    '  END IF;',
    `  COMMENT ON TABLE ${n.table} IS ${quoteLiteral(mark)};`,
  ];
}

/** Asserts the result of detach and finalize: detached, carrying its origin mark. */
/**
 * The start of detach and finalize: a table gone (dropped by a later step of its archival) or
 * already detached with our mark is done; one detached without our mark is not ours to archive.
 */
function goneOrDetached(step: Step, n: ReturnType<typeof names>, verb: 'detach' | 'finalize'): string[] {
  return [
    '  IF existing.oid IS NULL THEN',
    notice(`%s does not exist (any more): nothing to ${verb}`, [n.tableText], ALREADY_DONE),
    '    RETURN;',
    '  END IF;',
    ...readMark(step),
    '  IF existing.attached_to IS NULL THEN',
    '    IF ours THEN',
    notice(
      '%s is already detached from %s and carries its origin mark',
      [n.tableText, n.parentText],
      ALREADY_DONE,
    ),
    '      RETURN;',
    '    END IF;',
    "    RAISE EXCEPTION '% is not a partition of % and carries no partition-keeper mark for [%, %): it is not ours to archive', " +
      `${n.tableText}, ${n.parentText}, ${quoteLiteral(step.from)}, ${quoteLiteral(step.to)};`,
    '  END IF;',
  ];
}

/** Move and drop act only on a table that is detached and carries our mark for these bounds. */
function detachedAndOurs(step: Step, n: ReturnType<typeof names>, verb: 'move' | 'drop'): string[] {
  return [
    '  IF existing.attached_to IS NOT NULL THEN',
    "    RAISE EXCEPTION '% is a partition of %: only detached, archived tables are %', " +
      `${n.tableText}, existing.attached_to, ${quoteLiteral(verb === 'move' ? 'moved' : 'dropped')};`,
    '  END IF;',
    ...readMark(step),
    '  IF NOT ours THEN',
    "    RAISE EXCEPTION '% carries no partition-keeper mark for % [%, %): it is not ours to %', " +
      `${n.tableText}, ${n.parentText}, ${quoteLiteral(step.from)}, ${quoteLiteral(step.to)}, ${quoteLiteral(verb)};`,
    '  END IF;',
  ];
}

function assertDetached(step: Step, n: ReturnType<typeof names>): string[] {
  return [
    ...lookUpArchival(n.tableText),
    ...readMark(step),
    '  IF existing.oid IS NULL OR existing.attached_to IS NOT NULL OR NOT ours THEN',
    "    RAISE EXCEPTION 'step did not hold: % is not detached from % with its origin mark', " +
      `${n.tableText}, ${n.parentText};`,
    '  END IF;',
  ];
}

const parentDeclaration = (n: ReturnType<typeof names>): string =>
  `  parent regclass := ${n.parentText}::regclass;`;

function detachStatements(step: DetachStep): string[] {
  const n = names(step);
  const mark = renderOrigin({ parent: step.parent, from: step.from, to: step.to });
  const finalize = `ALTER TABLE ${n.parent} DETACH PARTITION ${n.table} FINALIZE;`;
  if (!step.concurrently) {
    return [
      block([
        ...ARCHIVAL_DECLARE,
        parentDeclaration(n),
        'BEGIN',
        ...detachCheck(step, n, mark),
        '  IF existing.pending THEN',
        `    ${finalize}`,
        '  ELSE',
        `    ALTER TABLE ${n.parent} DETACH PARTITION ${n.table};`,
        '  END IF;',
        ...assertDetached(step, n),
        'END',
      ]),
    ];
  }
  // DETACH … CONCURRENTLY cannot run inside a transaction block (nor DO): the step is three
  // statements. The first checks, marks, and finalizes a detach left pending by an earlier attempt
  // (the runner retries a step from its first statement); the last asserts the result.
  return [
    block([
      ...ARCHIVAL_DECLARE,
      parentDeclaration(n),
      'BEGIN',
      ...detachCheck(step, n, mark),
      '  IF existing.pending THEN',
      `    ${finalize}`,
      notice('finalized the pending detach of %s from %s', [n.tableText, n.parentText], STEP_COMPLETE),
      '  END IF;',
      'END',
    ]),
    `ALTER TABLE ${n.parent} DETACH PARTITION ${n.table} CONCURRENTLY`,
    block([...ARCHIVAL_DECLARE, parentDeclaration(n), 'BEGIN', ...assertDetached(step, n), 'END']),
  ];
}

function finalizeStatements(step: FinalizeStep): string[] {
  const n = names(step);
  const mark = renderOrigin({ parent: step.parent, from: step.from, to: step.to });
  return [
    block([
      ...ARCHIVAL_DECLARE,
      parentDeclaration(n),
      'BEGIN',
      ...lookUpArchival(n.tableText),
      ...goneOrDetached(step, n, 'finalize'),
      ...requireAttached(step, n),
      '  IF NOT existing.pending THEN',
      "    RAISE EXCEPTION '% is attached to %, not pending detach: plan again to detach it', " +
        `${n.tableText}, ${n.parentText};`,
      '  END IF;',
      `  COMMENT ON TABLE ${n.table} IS ${quoteLiteral(mark)};`,
      `  ALTER TABLE ${n.parent} DETACH PARTITION ${n.table} FINALIZE;`,
      ...assertDetached(step, n),
      'END',
    ]),
  ];
}

function moveStatements(step: MoveStep): string[] {
  const n = names(step);
  const targetName = { schema: step.schema, name: step.partition.name };
  const target = quoteQualified(targetName);
  const targetText = quoteLiteral(target);
  const schemaText = quoteLiteral(quoteIdent(step.schema));
  return [
    block([
      ...ARCHIVAL_DECLARE,
      parentDeclaration(n),
      'BEGIN',
      ...(step.createSchema
        ? [
            `  IF to_regnamespace(${schemaText}) IS NULL THEN`,
            `    CREATE SCHEMA ${quoteIdent(step.schema)};`,
            '  END IF;',
          ]
        : []),
      ...lookUpArchival(n.tableText),
      ...lookUpArchival(targetText, 'target'),
      '  IF existing.oid IS NULL THEN',
      ...readMark(step, 'target'),
      '    IF target.oid IS NOT NULL AND target.attached_to IS NULL AND ours THEN',
      notice('%s is already in %s, carrying its origin mark', [targetText, schemaText], ALREADY_DONE),
      '      RETURN;',
      '    END IF;',
      '    IF target.oid IS NULL THEN',
      notice('neither %s nor %s exists (any more): nothing to move', [n.tableText, targetText], ALREADY_DONE),
      '      RETURN;',
      '    END IF;',
      "    RAISE EXCEPTION '% exists but carries no partition-keeper mark for % [%, %): % cannot move there', " +
        `${targetText}, ${n.parentText}, ${quoteLiteral(step.from)}, ${quoteLiteral(step.to)}, ${n.tableText};`,
      '  END IF;',
      ...detachedAndOurs(step, n, 'move'),
      '  IF target.oid IS NOT NULL THEN',
      "    RAISE EXCEPTION '% already exists: % cannot move there', " + `${targetText}, ${n.tableText};`,
      '  END IF;',
      `  IF to_regnamespace(${schemaText}) IS NULL THEN`,
      "    RAISE EXCEPTION 'schema % does not exist: create it, or plan again', " + `${schemaText};`,
      '  END IF;',
      `  ALTER TABLE ${n.table} SET SCHEMA ${quoteIdent(step.schema)};`,
      ...lookUpArchival(targetText),
      ...readMark(step),
      '  IF existing.oid IS NULL OR existing.attached_to IS NOT NULL OR NOT ours THEN',
      "    RAISE EXCEPTION 'step did not hold: % is not in % with its origin mark', " +
        `${targetText}, ${schemaText};`,
      '  END IF;',
      'END',
    ]),
  ];
}

/**
 * DROP TABLE of an archived table: never written into a reviewed file (psql never drops anything);
 * `apply` runs it only once the store confirms this table's verified dump, in the transaction that
 * lockForDropSql opened and in which the table's rows were found to be exactly the dump's.
 */
export function dropSql(step: EffectStep): string {
  const n = names(step);
  return block([
    ...ARCHIVAL_DECLARE,
    'BEGIN',
    ...lookUpArchival(n.tableText),
    '  IF existing.oid IS NULL THEN',
    notice('%s is already dropped', [n.tableText], ALREADY_DONE),
    '    RETURN;',
    '  END IF;',
    ...detachedAndOurs(step, n, 'drop'),
    `  DROP TABLE ${n.table};`,
    `  IF to_regclass(${n.tableText}) IS NOT NULL THEN`,
    "    RAISE EXCEPTION 'step did not hold: % still exists', " + `${n.tableText};`,
    '  END IF;',
    'END',
  ]);
}

/**
 * The first statement of the drop's transaction: ACCESS EXCLUSIVE on the archived table (waiting at
 * most the session's lock_timeout), so no row can be written between the check of its rows against
 * the stored dump and the DROP. Run inside BEGIN … COMMIT; the lock is held until then.
 */
export function lockForDropSql(step: EffectStep): string {
  return `LOCK TABLE ${names(step).table} IN ACCESS EXCLUSIVE MODE`;
}

/** Fails unless the table is detached and carries our origin mark for the step's parent and bounds. */
function requireOurs(step: EffectStep, n: ReturnType<typeof names>, why: string): string[] {
  return [
    ...lookUpArchival(n.tableText),
    ...readMark(step),
    '  IF existing.oid IS NULL OR existing.attached_to IS NOT NULL OR NOT ours THEN',
    "    RAISE EXCEPTION '% is not a detached table carrying the partition-keeper origin mark for % [%, %): %', " +
      `${n.tableText}, ${n.parentText}, ${quoteLiteral(step.from)}, ${quoteLiteral(step.to)}, ${quoteLiteral(why)};`,
    '  END IF;',
  ];
}

/**
 * Refuses, before anything is dumped (or, for a drop, before the table is locked and its rows read),
 * a table that is not detached with our origin mark for these bounds.
 */
export function ourArchivedTableSql(step: EffectStep, why = 'only those are dumped'): string {
  return block([...ARCHIVAL_DECLARE, 'BEGIN', ...requireOurs(step, names(step), why), 'END']);
}

/** Records in the origin mark where the table's verified dump is stored (run after the upload). */
export function markStoredSql(step: EffectStep, dump: string): string {
  const n = names(step);
  const mark = renderOrigin({ parent: step.parent, from: step.from, to: step.to, dump });
  return block([
    ...ARCHIVAL_DECLARE,
    'BEGIN',
    ...requireOurs(step, n, 'its dump location is not recorded'),
    `  COMMENT ON TABLE ${n.table} IS ${quoteLiteral(mark)};`,
    'END',
  ]);
}

/**
 * Reattach: back into the parent's schema (the table must carry our mark for these bounds and the
 * parent's columns), attached like a create step that adopts it (rows of its range move out of
 * DEFAULT first), then its origin mark cleared.
 */
function reattachStatements(step: ReattachStep, strategy: Strategy): string[] {
  const n = names(step);
  const home = { schema: step.parent.schema, name: step.partition.name };
  const homeText = quoteLiteral(quoteQualified(home));
  const expected = quoteLiteral(expectedBound(step));
  const columnsOf = (record: string, into: string): string =>
    `  SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attname) INTO ${into}
` + `    FROM pg_attribute WHERE attrelid = ${record} AND attnum > 0 AND NOT attisdropped;`;
  const moveBack = block([
    ...ARCHIVAL_DECLARE,
    parentDeclaration(n),
    'BEGIN',
    ...lookUpArchival(n.tableText),
    ...lookUpArchival(homeText, 'target'),
    '  IF existing.oid IS NULL OR existing.oid = target.oid THEN',
    '    IF target.oid IS NULL THEN',
    "      RAISE EXCEPTION 'neither % nor % exists: restore it from its dump (reattach --from-dump)', " +
      `${n.tableText}, ${homeText};`,
    '    END IF;',
    // Back already (a second run): with these bounds, its mark cleared; the step is done.
    '    IF target.attached_to = parent THEN',
    "      PERFORM set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true);",
    '      SELECT pg_get_expr(relpartbound, oid) INTO mine FROM pg_class WHERE oid = target.oid;',
    `      IF mine IS DISTINCT FROM ${expected} THEN`,
    "        RAISE EXCEPTION '% is a partition of % % (UTC), not %', " +
      `${homeText}, ${n.parentText}, mine, ${expected};`,
    '      END IF;',
    ...readMark(step, 'target').map((line) => `    ${line}`),
    '      IF ours THEN',
    `        COMMENT ON TABLE ${quoteQualified(home)} IS NULL;`,
    '      END IF;',
    notice(
      '%s is already a partition of %s with these bounds',
      [homeText, n.parentText],
      ALREADY_DONE,
    ).replace(/^ {4}/, '      '),
    '      RETURN;',
    '    END IF;',
    '    existing := target;',
    '  END IF;',
    '  IF existing.attached_to IS NOT NULL THEN',
    "    RAISE EXCEPTION '% is a partition of %, not an archived table', " +
      `${n.tableText}, existing.attached_to;`,
    '  END IF;',
    ...readMark(step),
    '  IF NOT ours THEN',
    "    RAISE EXCEPTION '% carries no partition-keeper mark for % [%, %): reattach puts back only what partition-keeper archived', " +
      `${n.tableText}, ${n.parentText}, ${quoteLiteral(step.from)}, ${quoteLiteral(step.to)};`,
    '  END IF;',
    columnsOf('existing.oid', 'mine'),
    columnsOf('parent', 'theirs'),
    '  IF mine IS DISTINCT FROM theirs THEN',
    "    RAISE EXCEPTION '% has columns (%), no longer those of % (%): it cannot be reattached', " +
      `${n.tableText}, mine, ${n.parentText}, theirs;`,
    '  END IF;',
    '  IF existing.oid IS DISTINCT FROM target.oid THEN',
    '    IF target.oid IS NOT NULL THEN',
    "      RAISE EXCEPTION '% already exists: % cannot move back there', " + `${homeText}, ${n.tableText};`,
    '    END IF;',
    `    ALTER TABLE ${n.table} SET SCHEMA ${quoteIdent(step.parent.schema)};`,
    '  END IF;',
    'END',
  ]);
  const attach = createSql(
    {
      kind: 'create',
      parent: step.parent,
      partition: home,
      from: step.from,
      to: step.to,
      reason: 'gap',
      adopt: true,
      // Rows that meanwhile landed in DEFAULT for this range move out first, as apply's do.
      fromDefault: true,
      defaultRows: 0,
    },
    strategy,
  );
  const unmark = block([
    ...ARCHIVAL_DECLARE,
    parentDeclaration(n),
    'BEGIN',
    "  PERFORM set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true);",
    ...lookUpArchival(homeText),
    `  IF existing.attached_to IS DISTINCT FROM parent OR existing.bound IS DISTINCT FROM ${expected} THEN`,
    "    RAISE EXCEPTION 'step did not hold: % is not a partition of % %', " +
      `${homeText}, ${n.parentText}, ${expected};`,
    '  END IF;',
    ...readMark(step),
    '  IF ours THEN',
    `    COMMENT ON TABLE ${quoteQualified(home)} IS NULL;`,
    '  END IF;',
    'END',
  ]);
  return [moveBack, attach, unmark];
}

/** The statements of a step, in order, without their closing semicolons; none for dump, verify, upload, drop. */
export function stepStatements(step: Step, strategy: Strategy): string[] {
  switch (step.kind) {
    case 'create':
      return [createSql(step, strategy)];
    case 'detach':
      return detachStatements(step);
    case 'finalize':
      return finalizeStatements(step);
    case 'move':
      return moveStatements(step);
    case 'reattach':
      return reattachStatements(step, strategy);
    default:
      return [];
  }
}
