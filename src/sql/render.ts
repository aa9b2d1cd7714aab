// The SQL for a plan, in the seeds' style: one comment line saying why, then the statement.
// Pure: a Plan in, text out. Every name and bound goes through quote.ts.
import type { Plan, PlannedCreate, TablePlan } from '../types';
import { quoteLiteral, quoteQualified } from './quote';

/** Per-attempt lock wait written at the top of reviewed files; apply retries on timeouts. */
export const DEFAULT_LOCK_TIMEOUT_MS = 200;

export interface RenderOptions {
  lockTimeoutMs?: number;
}

const REASON_TEXT: Record<PlannedCreate['reason'], string> = {
  gap: 'fills a gap behind the current period',
  current: 'the current period',
  premake: 'ahead of time (premake)',
};

function boundLiteral(text: string): string {
  return text === 'MINVALUE' || text === 'MAXVALUE' ? text : quoteLiteral(text);
}

export function createStatement(table: TablePlan, create: PlannedCreate): string {
  const partition = quoteQualified(create);
  const parent = quoteQualified(table);
  return (
    `CREATE TABLE IF NOT EXISTS ${partition} PARTITION OF ${parent}\n` +
    `    FOR VALUES FROM (${boundLiteral(create.from)}) TO (${boundLiteral(create.to)});`
  );
}

export function createComment(table: TablePlan, create: PlannedCreate): string {
  const moved = create.defaultRows > 0 ? `; ${create.defaultRows} rows in DEFAULT must move first` : '';
  return `-- ${table.name}: ${create.from} to ${create.to}, ${REASON_TEXT[create.reason]}${moved}`;
}

/** The executable statements of a plan, in order (the JSON plan's `statements`). */
export function planStatements(plan: Plan): string[] {
  return plan.tables.flatMap((table) => table.create.map((create) => createStatement(table, create)));
}

export function lockTimeoutStatement(ms: number): string {
  return `SET lock_timeout = ${quoteLiteral(`${ms}ms`)};`;
}

/** A SQL file for review: header, lock timeout, then each statement with its reason. */
export function renderPlanSql(plan: Plan, options: RenderOptions = {}): string {
  const creates = plan.tables.reduce((n, t) => n + t.create.length, 0);
  const lines = [
    `-- partition-keeper plan for ${plan.now}: ${creates} partition${creates === 1 ? '' : 's'} to create.`,
    '-- Review, then run with `partition-keeper apply --sql FILE` (it retries on lock timeouts).',
    '-- Safe to run twice: every statement is IF NOT EXISTS.',
    lockTimeoutStatement(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS),
  ];
  for (const table of plan.tables) {
    if (table.create.length === 0) continue;
    lines.push('');
    for (const create of table.create) {
      lines.push(createComment(table, create), createStatement(table, create));
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
