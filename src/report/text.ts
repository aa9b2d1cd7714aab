// Human reports for the terminal: `plan` and `check`.
import type { Coverage, Finding, Plan, TablePlan } from '../types';
import { columns, plural } from './units';
import { judge, shortfalls } from './verdict';

export function describeCoverage(coverage: Coverage): string {
  if (coverage.through === null) return 'the current period is not covered';
  if (coverage.aheadPeriods === null) return 'covered without end (through MAXVALUE)';
  return `covered through ${coverage.through} (${plural(coverage.aheadPeriods, 'period')} ahead)`;
}

function findingLine(f: Finding): string {
  return `${f.level.padEnd(7)} ${f.code}: ${f.message}`;
}

function tableHeading(t: TablePlan): string {
  const key = t.keyColumn ? `, key ${t.keyColumn} ${t.keyType}` : '';
  return `${t.table}  (${t.interval}${key})`;
}

function tableSection(t: TablePlan): string[] {
  const lines = [tableHeading(t)];
  if (!t.skipped) {
    lines.push(`  now:        ${describeCoverage(t.coverage)}${t.coverage.ok ? '' : ' — falls short'}`);
    lines.push(`  after plan: ${describeCoverage(t.coverageAfterPlan)}`);
  }
  const rows = [
    ...t.create.map((c) => ['create', c.name, `${c.from} → ${c.to}`, c.reason]),
    ...t.archive.map((a) => ['archive', a.name, `${a.from} → ${a.to}`, a.steps.join(', ') || 'report only']),
  ];
  lines.push(...columns(rows));
  if (rows.length === 0 && !t.skipped) lines.push('  nothing to do');
  lines.push(...t.findings.map((f) => `  ${findingLine(f)}`));
  return lines;
}

export function renderPlanText(plan: Plan): string {
  const creates = plan.tables.reduce((n, t) => n + t.create.length, 0);
  const archives = plan.tables.reduce((n, t) => n + t.archive.length, 0);
  const errors = plan.tables.reduce((n, t) => n + t.findings.filter((f) => f.level === 'error').length, 0);
  const out = [`partition-keeper plan for ${plan.now}`, ''];
  for (const t of plan.tables) out.push(...tableSection(t), '');
  out.push(
    `${plural(creates, 'partition')} to create, ${archives} due for archival, ${plural(errors, 'error')} in ${plural(plan.tables.length, 'table')}.`,
  );
  return `${out.join('\n')}\n`;
}

export function renderCheckText(plan: Plan): string {
  const verdict = judge(plan);
  const out = [`partition-keeper check for ${plan.now}`, ''];
  for (const t of plan.tables) {
    const problems = t.skipped ? t.findings.filter((f) => f.level === 'error') : shortfalls(t);
    if (t.skipped && problems.length === 0) {
      out.push(`skip  ${t.table}: ${t.findings.map((f) => f.message).join('; ') || 'disabled'}`);
    } else if (problems.length === 0) {
      out.push(`ok    ${t.table}: ${describeCoverage(t.coverage)}`);
    } else {
      out.push(`FAIL  ${t.table}:`);
      out.push(...problems.map((f) => `        ${f.code}: ${f.message}`));
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
