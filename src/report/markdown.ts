// Markdown for pull request bodies and job summaries.
import type { Plan, TablePlan } from '../types';
import { renderPlanSql, type RenderOptions } from '../sql/render';
import { describeCoverage } from './text';
import { shortfalls } from './verdict';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function status(t: TablePlan): string {
  if (t.skipped) return t.findings.some((f) => f.level === 'error') ? '❌ cannot manage' : '⏸ skipped';
  return shortfalls(t).length > 0 ? '❌ falls short' : '✅ ok';
}

function tableDetails(t: TablePlan): string[] {
  const lines = [`### \`${t.table}\``, ''];
  if (t.create.length + t.archive.length > 0) {
    lines.push('| action | partition | from | to | why |', '| --- | --- | --- | --- | --- |');
    for (const c of t.create)
      lines.push(`| create | \`${cell(c.name)}\` | ${c.from} | ${c.to} | ${c.reason} |`);
    for (const a of t.archive) {
      lines.push(
        `| archive | \`${cell(a.name)}\` | ${a.from} | ${a.to} | ${a.steps.join(', ') || 'report only'} |`,
      );
    }
    lines.push('');
  }
  for (const f of t.findings) lines.push(`- **${f.level}** \`${f.code}\`: ${cell(f.message)}`);
  if (t.findings.length > 0) lines.push('');
  return lines;
}

export function renderPlanMarkdown(plan: Plan, options: RenderOptions = {}): string {
  const lines = [
    `## partition-keeper plan for ${plan.now}`,
    '',
    '| table | interval | now | after this plan | create | archive | status |',
    '| --- | --- | --- | --- | ---: | ---: | --- |',
    ...plan.tables.map(
      (t) =>
        `| \`${cell(t.table)}\` | ${t.interval} | ${t.skipped ? '—' : describeCoverage(t.coverage)} | ` +
        `${t.skipped ? '—' : describeCoverage(t.coverageAfterPlan)} | ${t.create.length} | ${t.archive.length} | ${status(t)} |`,
    ),
    '',
  ];
  for (const t of plan.tables) {
    if (t.create.length + t.archive.length + t.findings.length > 0) lines.push(...tableDetails(t));
  }
  if (plan.tables.some((t) => t.create.length > 0)) {
    lines.push(
      '<details><summary>SQL</summary>',
      '',
      '```sql',
      renderPlanSql(plan, options).trimEnd(),
      '```',
      '',
      '</details>',
      '',
    );
  }
  return lines.join('\n');
}
