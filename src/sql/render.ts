// The SQL for a plan, in the seeds' style: one comment line saying why, then the statements.
// Pure: a Plan in, text out. Every name and bound goes through quote.ts. `apply` runs exactly
// this text (split into units by split.ts), so what is reviewed is what runs.
import type { Plan, PlannedCreate, QualifiedName, TablePlan } from '../types';
import { quoteIdent, quoteLiteral, quoteQualified } from './quote';

/**
 * How a partition is made. `attach` creates the table on its own and then ATTACHes it, which takes
 * SHARE UPDATE EXCLUSIVE on the parent; `partition-of` is CREATE TABLE … PARTITION OF, which takes
 * ACCESS EXCLUSIVE on the parent. The load test in bench/ chose the default (BENCHMARKS.md).
 */
export type Strategy = 'attach' | 'partition-of';
export const STRATEGIES: readonly Strategy[] = ['attach', 'partition-of'];
export const DEFAULT_STRATEGY: Strategy = 'attach';

/** Per-attempt lock wait: readers and writers stall at most this long behind us (bench/load.ts chose it). */
export const DEFAULT_LOCK_TIMEOUT_MS = 100;

export interface RenderOptions {
  lockTimeoutMs?: number;
  strategy?: Strategy;
}

const REASON_TEXT: Record<PlannedCreate['reason'], string> = {
  gap: 'fills a gap behind the current period',
  current: 'the current period',
  premake: 'ahead of time (premake)',
};

// What CREATE TABLE … PARTITION OF would copy from the parent; ATTACH adds the indexes and
// foreign keys, and marks columns and constraints as inherited, so both end up the same.
const LIKE_OPTIONS =
  'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION';

function boundLiteral(text: string): string {
  return text === 'MINVALUE' || text === 'MAXVALUE' ? text : quoteLiteral(text);
}

function forValues(create: PlannedCreate): string {
  return `FOR VALUES FROM (${boundLiteral(create.from)}) TO (${boundLiteral(create.to)})`;
}

/** A dollar-quoted body whose tag cannot occur inside it. */
function dollarQuoted(body: string): string {
  let tag = '$pk$';
  for (let n = 1; body.includes(tag); n += 1) tag = `$pk${n}$`;
  return `${tag}\n${body}\n${tag}`;
}

const regclass = (relation: QualifiedName): string => `${quoteLiteral(quoteQualified(relation))}::regclass`;

function partitionOf(table: TablePlan, create: PlannedCreate): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteQualified(create)} PARTITION OF ${quoteQualified(table)}\n` +
    `    ${forValues(create)};`
  );
}

/**
 * The table made on its own, then attached: one statement (a DO block, so one transaction) that
 * skips whatever is done already, so the file is safe to run twice and a cut-off run resumes.
 */
function createAndAttach(table: TablePlan, create: PlannedCreate): string {
  const partition = quoteQualified(create);
  return `DO ${dollarQuoted(
    [
      'BEGIN',
      `  IF to_regclass(${quoteLiteral(partition)}) IS NULL THEN`,
      `    CREATE TABLE ${partition} (LIKE ${quoteQualified(table)} ${LIKE_OPTIONS})${tablespaceClause(table)};`,
      '  END IF;',
      `  IF EXISTS (SELECT FROM pg_inherits WHERE inhrelid = ${regclass(create)}) THEN`,
      `    RAISE NOTICE 'partition % already exists, skipping', ${quoteLiteral(partition)};`,
      '  ELSE',
      `    ALTER TABLE ${quoteQualified(table)} ATTACH PARTITION ${partition}`,
      `      ${forValues(create)};`,
      '  END IF;',
      'END',
    ].join('\n'),
  )};`;
}

/** PARTITION OF puts a partition in the parent's tablespace; LIKE does not, so we say it. */
function tablespaceClause(table: TablePlan): string {
  return table.tablespace ? ` TABLESPACE ${quoteIdent(table.tablespace)}` : '';
}

/** Text for a format() template: `%` doubled, so only the placeholders we write are placeholders. */
const inFormat = (sql: string): string => sql.replaceAll('%', '%%');

/**
 * With a DEFAULT partition, rows for the new range may sit in it (and more may arrive until the
 * range exists): in one transaction, lock the parent then DEFAULT (the order ATTACH takes them),
 * move those rows into the new table, attach it, and check the counts; any mismatch rolls back.
 * The parent is locked against writers (SHARE ROW EXCLUSIVE; readers go on): an INSERT routed to
 * DEFAULT by the partitions as they were would otherwise wait for DEFAULT's lock and then fail
 * DEFAULT's narrowed constraint once we commit. Held so, writers wait and then route anew.
 * An adopted (detached) table may hold rows of its own: those are counted first and not compared.
 * The column list is read when the block runs, not when it was rendered: a reviewed file may run
 * after a column was added. The rows move with a DELETE from DEFAULT, which would fire ON DELETE
 * actions of foreign keys referencing the parent (CASCADE would delete the referencing rows) and
 * DELETE triggers: when any exists and rows must move, the block refuses and changes nothing.
 */
function moveFromDefault(table: TablePlan, create: PlannedCreate, def: QualifiedName): string {
  const key = quoteIdent(table.keyColumn ?? '');
  const inRange = [
    create.from === 'MINVALUE' ? '' : `${key} >= ${quoteLiteral(create.from)}`,
    create.to === 'MAXVALUE' ? '' : `${key} < ${quoteLiteral(create.to)}`,
  ]
    .filter(Boolean)
    .join(' AND ');
  const where = inRange === '' ? '' : ` WHERE ${inRange}`;
  const [partition, parent, defaultName] = [
    quoteQualified(create),
    quoteQualified(table),
    quoteQualified(def),
  ];
  const [parentOid, defaultOid] = [regclass(table), regclass(def)];
  const move = quoteLiteral(
    `WITH moved AS (DELETE FROM ${inFormat(defaultName + where)} RETURNING %1$s) ` +
      `INSERT INTO ${inFormat(partition)} (%1$s) SELECT %1$s FROM moved`,
  );
  return `DO ${dollarQuoted(
    [
      'DECLARE',
      '  rows_existing bigint;',
      '  rows_before bigint;',
      '  rows_moved bigint := 0;',
      '  rows_after bigint;',
      '  columns text;',
      '  blockers text;',
      'BEGIN',
      `  IF EXISTS (SELECT FROM pg_inherits WHERE inhrelid = to_regclass(${quoteLiteral(partition)})) THEN`,
      `    RAISE NOTICE 'partition % already exists, skipping', ${quoteLiteral(partition)};`,
      '    RETURN;',
      '  END IF;',
      `  LOCK TABLE ONLY ${parent} IN SHARE ROW EXCLUSIVE MODE;`,
      `  LOCK TABLE ${defaultName} IN ACCESS EXCLUSIVE MODE;`,
      `  CREATE TABLE IF NOT EXISTS ${partition} (LIKE ${parent} ${LIKE_OPTIONS})${tablespaceClause(table)};`,
      `  SELECT count(*) INTO rows_existing FROM ${partition};`,
      `  SELECT count(*) INTO rows_before FROM ${defaultName}${where};`,
      '  IF rows_before > 0 THEN',
      "    SELECT string_agg(what, ', ') INTO blockers FROM (",
      "      SELECT format('foreign key %I of %s', conname, conrelid::regclass) FROM pg_constraint",
      `       WHERE contype = 'f' AND conparentid = 0 AND confrelid IN (${parentOid}, ${defaultOid})`,
      '      UNION ALL',
      "      SELECT format('trigger %I', t.tgname) FROM pg_trigger t",
      '        LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint',
      `       WHERE t.tgrelid = ${defaultOid} AND t.tgenabled <> 'D' AND t.tgtype & 8 <> 0`,
      "         AND c.contype IS DISTINCT FROM 'f'",
      '    ) AS b(what);',
      '    IF blockers IS NOT NULL THEN',
      "      RAISE EXCEPTION 'moving % rows out of % into % would fire the ON DELETE actions of %; nothing was changed: move these rows by hand, then run apply again',",
      `        rows_before, ${quoteLiteral(defaultName)}, ${quoteLiteral(partition)}, blockers;`,
      '    END IF;',
      "    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns FROM pg_attribute",
      `     WHERE attrelid = ${parentOid} AND attnum > 0 AND NOT attisdropped AND attgenerated = '';`,
      `    EXECUTE format(${move}, columns);`,
      '    GET DIAGNOSTICS rows_moved = ROW_COUNT;',
      '  END IF;',
      `  ALTER TABLE ${parent} ATTACH PARTITION ${partition}`,
      `    ${forValues(create)};`,
      `  SELECT count(*) - rows_existing INTO rows_after FROM ${partition};`,
      '  IF rows_moved <> rows_before OR rows_after <> rows_before THEN',
      "    RAISE EXCEPTION 'moving rows out of DEFAULT into %: % before, % moved, % after; rolled back',",
      `      ${quoteLiteral(partition)}, rows_before, rows_moved, rows_after;`,
      '  END IF;',
      "  RAISE NOTICE 'moved % rows from % into % (% before, % after)',",
      `    rows_moved, ${quoteLiteral(defaultName)}, ${quoteLiteral(partition)}, rows_before, rows_after;`,
      'END',
    ].join('\n'),
  )};`;
}

/** The statements that make one planned partition; apply runs each in its own short transaction. */
export function createStatements(
  table: TablePlan,
  create: PlannedCreate,
  strategy: Strategy = DEFAULT_STRATEGY,
): string[] {
  if (table.defaultPartition && table.keyColumn) {
    return [moveFromDefault(table, create, table.defaultPartition)];
  }
  if (strategy === 'attach' || create.adopt) return [createAndAttach(table, create)];
  return [partitionOf(table, create)];
}

export function createComment(table: TablePlan, create: PlannedCreate): string {
  const notes = [
    create.adopt ? 'attaches the existing table' : '',
    create.defaultRows > 0 ? `moves its ${create.defaultRows} rows out of DEFAULT` : '',
  ].filter(Boolean);
  return `-- ${table.name}: ${create.from} to ${create.to}, ${REASON_TEXT[create.reason]}${notes.map((n) => `; ${n}`).join('')}`;
}

/** The executable statements of a plan, in order (the JSON plan's `statements`). */
export function planStatements(plan: Plan, strategy: Strategy = DEFAULT_STRATEGY): string[] {
  return plan.tables.flatMap((table) =>
    table.create.flatMap((create) => createStatements(table, create, strategy)),
  );
}

export function lockTimeoutStatement(ms: number): string {
  return `SET lock_timeout = ${quoteLiteral(`${ms}ms`)};`;
}

/** A SQL file for review: header, lock timeout, then each partition's statements with its reason. */
export function renderPlanSql(plan: Plan, options: RenderOptions = {}): string {
  const creates = plan.tables.reduce((n, t) => n + t.create.length, 0);
  const lines = [
    `-- partition-keeper plan for ${plan.now}: ${creates} partition${creates === 1 ? '' : 's'} to create.`,
    '-- Review, then run with `partition-keeper apply --sql FILE`: it runs each statement under',
    '-- its --lock-timeout and retries on timeouts (the SET below is for running it with psql).',
    '-- Safe to run twice: every step checks first whether it is done.',
    lockTimeoutStatement(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS),
  ];
  for (const table of plan.tables) {
    if (table.create.length === 0) continue;
    lines.push('');
    for (const create of table.create) {
      lines.push(createComment(table, create), ...createStatements(table, create, options.strategy));
    }
  }
  const due = plan.tables.flatMap((table) => table.archive.map((a) => ({ table, a })));
  if (due.length > 0) {
    lines.push('', '-- Due for archival (carried out by the archive step, not by this file):');
    for (const { table, a } of due) {
      const steps = a.steps.length > 0 ? a.steps.join(', ') : 'report only (no archive configured)';
      lines.push(`--   ${quoteQualified(a)} of ${table.table}: ${a.from} to ${a.to}; ${steps}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
