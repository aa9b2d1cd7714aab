// Markdown for pull request bodies and job summaries, walking the plan's steps. Every name and
// message is escaped: a backtick, a pipe or `<script>` in a name shows as text, never as markup.
import type { Plan, TablePlan } from '../types';
import type { Step } from '../steps/step';
import { stepsOf } from '../steps/select';
import { describeCoverage, reportedOnly, stepNotes } from './text';
import { shortfalls } from './verdict';

/** Text safe in a Markdown table cell and as HTML: entities for markup, no line breaks. */
export function md(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/`/g, '&#96;')
    .replace(/([\\*_[\]~#])/g, '\\$1')
    .replace(/\r?\n|\r/g, ' ');
}

/** A name shown as code, whatever it holds. */
const code = (text: string): string =>
  `<code>${text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/\r?\n|\r/g, '↵')}</code>`;

/** A fenced block that no run of backticks inside it can close. */
export function fenced(language: string, body: string): string[] {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${language}`, body.trimEnd(), fence];
}

function status(t: TablePlan): string {
  if (t.skipped) return t.findings.some((f) => f.level === 'error') ? '❌ cannot manage' : '⏸ skipped';
  return shortfalls(t).length > 0 ? '❌ falls short' : '✅ ok';
}

function tableDetails(t: TablePlan, steps: readonly Step[]): string[] {
  const lines = [`### ${code(t.table)}`, ''];
  if (steps.length + reportedOnly(t).length > 0) {
    lines.push('| action | partition | from | to | why |', '| --- | --- | --- | --- | --- |');
    for (const s of steps) {
      lines.push(
        `| ${s.kind} | ${code(s.partition.name)} | ${md(s.from)} | ${md(s.to)} | ${md(stepNotes(s))} |`,
      );
    }
    for (const a of reportedOnly(t)) {
      lines.push(
        `| due | ${code(a.name)} | ${md(a.from)} | ${md(a.to)} | report only: no archive: in the config |`,
      );
    }
    lines.push('');
  }
  for (const f of t.findings) lines.push(`- **${f.level}** \`${f.code}\`: ${md(f.message)}`);
  if (t.findings.length > 0) lines.push('');
  return lines;
}

/** `sql`: the reviewed file, shown collapsed when there are steps. */
export function renderPlanMarkdown(plan: Plan, steps: readonly Step[], sql: string): string {
  const lines = [
    `## partition-keeper plan for ${plan.now}`,
    '',
    '| table | interval | now | after this plan | create | archive | status |',
    '| --- | --- | --- | --- | ---: | ---: | --- |',
    ...plan.tables.map((t) => {
      const now = t.skipped ? '—' : md(describeCoverage(t.coverage));
      const after = t.skipped ? '—' : md(describeCoverage(t.coverageAfterPlan));
      return `| ${code(t.table)} | ${t.interval} | ${now} | ${after} | ${stepsOf(steps, t).filter((s) => s.kind === 'create').length} | ${t.archive.length} | ${status(t)} |`;
    }),
    '',
  ];
  for (const t of plan.tables) {
    const own = stepsOf(steps, t);
    if (own.length + t.archive.length + t.findings.length > 0) lines.push(...tableDetails(t, own));
  }
  if (steps.length > 0) {
    lines.push('<details><summary>SQL</summary>', '', ...fenced('sql', sql), '', '</details>', '');
  }
  return lines.join('\n');
}
