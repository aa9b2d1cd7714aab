// Human reports for the terminal: `plan` and `check`, walking the plan's steps.
import type { Coverage, Finding, Plan, TablePlan } from '../types';
import type { Step } from '../steps/step';
import { stepsByTable } from '../steps/select';
import { escapeForComment } from '../sql/header';
import { columns } from './units';
import { plural } from '../words';
import { judge, shortfalls } from './verdict';

export function describeCoverage(coverage: Coverage): string {
  if (coverage.through === null) return 'the current period is not covered';
  if (coverage.aheadPeriods === null) return 'covered without end (through MAXVALUE)';
  return `covered through ${coverage.through} (${plural(coverage.aheadPeriods, 'period')} ahead)`;
}

/** Names may hold line breaks: a report line never breaks inside one. */
const oneLine = escapeForComment;

function findingLine(f: Finding): string {
  return `${f.level.padEnd(7)} ${f.code}: ${oneLine(f.message)}`;
}

function tableHeading(t: TablePlan): string {
  const key = t.keyColumn ? `, key ${t.keyColumn} ${t.keyType}` : '';
  return oneLine(`${t.table}  (${t.interval}${key})`);
}

/** What the step does beyond its kind, table and bounds, in words. */
export function stepNotes(step: Step): string {
  switch (step.kind) {
    case 'create':
      return [
        step.reason,
        ...(step.adopt ? ['attaches the existing table'] : []),
        ...(step.defaultRows > 0 ? [`moves ${plural(step.defaultRows, 'row')} out of DEFAULT`] : []),
      ].join('; ');
    case 'detach':
      return step.concurrently ? 'DETACH CONCURRENTLY' : 'DETACH in one transaction';
    case 'finalize':
      return 'finishes a pending detach';
    case 'move':
      return `to schema ${oneLine(step.schema)}${step.createSchema ? ' (creates it)' : ''}`;
    case 'reattach':
      return `back into ${oneLine(step.parent.schema)}`;
    default:
      return `store ${oneLine(step.store)}`;
  }
}

/** Due partitions that have no steps: reported only (no `archive:` in the config). */
export const reportedOnly = (t: TablePlan) => t.archive.filter((a) => a.steps.length === 0);

function tableSection(t: TablePlan, steps: readonly Step[]): string[] {
  const lines = [tableHeading(t)];
  if (!t.skipped) {
    lines.push(`  now:        ${describeCoverage(t.coverage)}${t.coverage.ok ? '' : ' — falls short'}`);
    lines.push(`  after plan: ${describeCoverage(t.coverageAfterPlan)}`);
  }
  const rows = [
    ...steps.map((s) => [s.kind, oneLine(s.partition.name), `${s.from} → ${s.to}`, stepNotes(s)]),
    ...reportedOnly(t).map((a) => [
      'due',
      oneLine(a.name),
      `${a.from} → ${a.to}`,
      'report only: no archive: in the config',
    ]),
  ];
  lines.push(...columns(rows));
  if (rows.length === 0 && !t.skipped) lines.push('  nothing to do');
  lines.push(...t.findings.map((f) => `  ${findingLine(f)}`));
  return lines;
}

export function renderPlanText(plan: Plan, steps: readonly Step[]): string {
  const archives = plan.tables.reduce((n, t) => n + t.archive.length, 0);
  const errors = plan.tables.reduce((n, t) => n + t.findings.filter((f) => f.level === 'error').length, 0);
  const out = [`partition-keeper plan for ${plan.now}`, ''];
  const stepsOf = stepsByTable(steps);
  for (const t of plan.tables) out.push(...tableSection(t, stepsOf(t)), '');
  const creates = steps.filter((s) => s.kind === 'create').length;
  out.push(
    `${plural(creates, 'partition')} to create, ${archives} due for archival${steps.length > creates ? ` (${plural(steps.length - creates, 'archival step')})` : ''}, ${plural(errors, 'error')} in ${plural(plan.tables.length, 'table')}.`,
  );
  return `${out.join('\n')}\n`;
}

export function renderCheckText(plan: Plan): string {
  const verdict = judge(plan);
  const out = [`partition-keeper check for ${plan.now}`, ''];
  for (const t of plan.tables) {
    const problems = t.skipped ? t.findings.filter((f) => f.level === 'error') : shortfalls(t);
    const table = oneLine(t.table);
    if (t.skipped && problems.length === 0) {
      out.push(`skip  ${table}: ${oneLine(t.findings.map((f) => f.message).join('; ') || 'disabled')}`);
    } else if (problems.length === 0) {
      out.push(`ok    ${table}: ${describeCoverage(t.coverage)}`);
    } else {
      out.push(`FAIL  ${table}:`);
      out.push(...problems.map((f) => `        ${f.code}: ${oneLine(f.message)}`));
    }
  }
  out.push('');
  if (verdict.configProblems.length > 0) {
    out.push(
      `${plural(verdict.configProblems.length, 'table')} in the config cannot be managed; fix the config.`,
    );
  } else if (verdict.fallingShort.length > 0) {
    out.push(
      `${plural(verdict.fallingShort.length, 'table')} fall${verdict.fallingShort.length === 1 ? 's' : ''} short. Run \`partition-keeper plan\` to see the fix.`,
    );
  } else {
    out.push('All tables are covered.');
  }
  return `${out.join('\n')}\n`;
}
