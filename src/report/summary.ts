// The job summary of every action mode and the pull request body: per table coverage, what is
// created and archived, findings, the timeline and the reviewed SQL (collapsed). Walks the plan
// and its steps; every name goes through code() or md() (report/markdown.ts).
import type { Plan, TablePlan } from '../types';
import type { Step } from '../steps/step';
import { stepsByTable, type StepsOf } from '../steps/select';
import { applySummaryMarkdown, type ApplyReport } from './apply';
import { code, fenced, md } from './markdown';
import { describeCoverage, stepNotes } from './text';
import { timelineMarkdown, type TimelineOptions } from './timeline';
import { plural } from '../words';
import { judge, shortfalls } from './verdict';

export type SummaryMode = 'plan' | 'check' | 'apply' | 'pr';

export interface PullRequestResult {
  operation: 'created' | 'updated' | 'closed' | 'none';
  number?: number;
  url?: string;
  /** Why, in words (an empty plan closed the PR, nothing to do …). */
  reason?: string;
}

export interface JobSummaryInput {
  mode: SummaryMode;
  /** Absent when apply ran a reviewed file (sql-file): that run has no plan. */
  plan?: Plan;
  /** The plan's steps (or the reviewed file's). */
  steps: readonly Step[];
  /** The reviewed SQL file, shown collapsed. */
  sql?: string;
  /** Where that file is (the path in the pull request, or on the runner), named above the SQL. */
  sqlPath?: string;
  /** apply: what ran. */
  applyReport?: ApplyReport;
  /** pr: what happened to the pull request. */
  pullRequest?: PullRequestResult;
  /**
   * The text must fit in this many characters (a PR body holds 65,536): the SQL gives way first,
   * then the per-table details, then rows of the coverage table; blocks are never cut open.
   */
  maxChars?: number;
  timeline?: TimelineOptions;
}

/** GitHub's limit on a pull request body. */
export const PR_BODY_LIMIT = 65_536;

function tableStatus(t: TablePlan): string {
  if (t.skipped) return t.findings.some((f) => f.level === 'error') ? '❌ cannot manage' : '⏸ skipped';
  return shortfalls(t).length > 0 ? '❌ falls short' : '✅ ok';
}

function coverageRow(t: TablePlan, stepsOf: StepsOf): string {
  const now = t.skipped ? '—' : md(describeCoverage(t.coverage));
  const after = t.skipped ? '—' : md(describeCoverage(t.coverageAfterPlan));
  const creates = stepsOf(t).filter((s) => s.kind === 'create').length;
  return `| ${code(t.table)} | ${t.interval} | ${now} | ${after} | ${creates} | ${t.archive.length} | ${tableStatus(t)} |`;
}

const COVERAGE_HEAD = [
  '| table | interval | now | after this plan | create | archive | status |',
  '| --- | --- | --- | --- | ---: | ---: | --- |',
];

const REPORTED_ONLY = 'reported only (the table has no `archive:` in the config)';

/**
 * A table's steps (creates, and archival steps where the plan has them), its due partitions that
 * no step carries (with the steps the config asks for, or reported only) and its findings.
 */
function tableDetails(t: TablePlan, stepsOf: StepsOf): string[] {
  const own = stepsOf(t);
  const carried = new Set(own.filter((s) => s.kind !== 'create').map((s) => s.partition.name));
  const due = t.archive.filter((a) => !carried.has(a.name));
  if (own.length + due.length + t.findings.length === 0) return [];
  const lines = [`### ${code(t.table)}`, ''];
  if (own.length + due.length > 0) {
    lines.push('| action | partition | from | to | why |', '| --- | --- | --- | --- | --- |');
    for (const s of own) {
      lines.push(
        `| ${s.kind} | ${code(s.partition.name)} | ${md(s.from)} | ${md(s.to)} | ${md(stepNotes(s))} |`,
      );
    }
    for (const a of due) {
      const target = a.targetSchema !== a.schema ? ` (to ${code(a.targetSchema)})` : '';
      const how = a.steps.length > 0 ? `${md(a.steps.join(', '))}${target}` : REPORTED_ONLY;
      lines.push(`| archive | ${code(a.name)} | ${md(a.from)} | ${md(a.to)} | ${how} |`);
    }
    lines.push('');
  }
  for (const f of t.findings) lines.push(`- **${f.level}** \`${f.code}\`: ${md(f.message)}`);
  if (t.findings.length > 0) lines.push('');
  return lines;
}

function counts(plan: Plan, steps: readonly Step[]): string {
  const creates = steps.filter((s) => s.kind === 'create').length;
  const archivalSteps = steps.length - creates;
  const due = plan.tables.reduce((n, t) => n + t.archive.length, 0);
  const archives = `${due} due for archival${archivalSteps > 0 ? ` (${plural(archivalSteps, 'archival step')})` : ''}`;
  const errors = plan.tables.reduce((n, t) => n + t.findings.filter((f) => f.level === 'error').length, 0);
  return (
    `${plural(creates, 'partition')} to create, ${archives}, ` +
    `${plural(errors, 'error')} in ${plural(plan.tables.length, 'table')}.`
  );
}

/** check: the verdict, one line per problem naming the table (the messages name the ranges). */
function checkVerdict(plan: Plan): string[] {
  const verdict = judge(plan);
  const failing = [...verdict.configProblems, ...verdict.fallingShort];
  if (failing.length === 0) return [`✅ All ${plural(plan.tables.length, 'table')} are covered.`, ''];
  const lines = [
    `❌ ${plural(failing.length, 'table')} of ${plan.tables.length} ${failing.length === 1 ? 'fails' : 'fail'} the check:`,
    '',
  ];
  for (const t of failing) {
    const problems = t.findings.filter((f) => f.level === 'error');
    for (const f of problems) lines.push(`- ${code(t.table)} \`${f.code}\`: ${md(f.message)}`);
  }
  lines.push('');
  return lines;
}

function pullRequestLine(pr: PullRequestResult): string {
  const link =
    pr.number === undefined
      ? 'the pull request'
      : pr.url
        ? `[pull request #${pr.number}](${encodeURI(pr.url).replace(/[()]/g, (c) => encodeURIComponent(c))})`
        : `pull request #${pr.number}`;
  const why = pr.reason ? `: ${md(pr.reason)}` : '';
  switch (pr.operation) {
    case 'created':
      return `Opened ${link}${why}.`;
    case 'updated':
      return `Updated ${link}${why}.`;
    case 'closed':
      return `Closed ${link}${why}.`;
    case 'none':
      return `No pull request${why || ': the plan is empty'}.`;
  }
}

function heading(input: JobSummaryInput): string {
  const now = input.plan?.now ?? '';
  switch (input.mode) {
    case 'check':
      return `## partition-keeper check for ${now}`;
    case 'pr':
      return `## partition-keeper pull request for ${now}`;
    default:
      return `## partition-keeper plan for ${now}`;
  }
}

function sqlBlock(input: JobSummaryInput): string[] {
  if (input.sql === undefined || input.steps.length === 0) return [];
  const where = input.sqlPath ? ` ${code(input.sqlPath)}` : '';
  return [
    `<details><summary>Reviewed SQL${where}: ${plural(input.steps.length, 'step')}</summary>`,
    '',
    ...fenced('sql', input.sql),
    '',
    '</details>',
    '',
  ];
}

/** The parts of a summary, so that a length limit can drop the least needed first. */
interface Parts {
  head: string[];
  coverage: string[];
  timeline: string[];
  details: string[][];
  sql: string[];
}

function parts(input: JobSummaryInput): Parts {
  const { plan, steps } = input;
  const head: string[] = [];
  if (input.mode === 'apply' && input.applyReport) head.push(applySummaryMarkdown(input.applyReport));
  else head.push(heading(input), '');
  if (input.pullRequest) head.push(pullRequestLine(input.pullRequest), '');
  if (!plan) return { head, coverage: [], timeline: [], details: [], sql: sqlBlock(input) };

  if (input.mode === 'check') head.push(...checkVerdict(plan));
  head.push(counts(plan, steps), '');
  const stepsOf = stepsByTable(steps);
  return {
    head,
    coverage: [...COVERAGE_HEAD, ...plan.tables.map((t) => coverageRow(t, stepsOf)), ''],
    timeline: ['### Timeline', '', ...timelineMarkdown(plan, input.timeline), ''],
    details: plan.tables.map((t) => tableDetails(t, stepsOf)).filter((d) => d.length > 0),
    sql: sqlBlock(input),
  };
}

const joined = (p: Parts, notes: string[] = []): string =>
  [...p.head, ...p.coverage, ...p.timeline, ...p.details.flat(), ...p.sql, ...notes].join('\n');

/** Drops what matters least until the text fits: the SQL, then table details, then coverage rows. */
function fit(p: Parts, maxChars: number, sqlPath: string | undefined): string {
  const full = joined(p);
  if (full.length <= maxChars) return full;
  const where = sqlPath ? ` in ${code(sqlPath)}` : ' in the reviewed file';
  const sqlNote = p.sql.length > 0 ? [`The SQL is too long to show here; it is${where}.`, ''] : [];
  const leftOut = (n: number, what: string): string[] =>
    n > 0 ? [`${what} of ${plural(n, 'more table')} left out for length.`, ''] : [];
  const rows = p.coverage.slice(COVERAGE_HEAD.length, -1);
  let details = p.details.length;
  let kept = rows.length;
  const build = (): string =>
    joined(
      {
        ...p,
        sql: [],
        details: p.details.slice(0, details),
        coverage:
          rows.length === 0
            ? []
            : [...COVERAGE_HEAD, ...rows.slice(0, kept), '', ...leftOut(rows.length - kept, 'Coverage')],
      },
      [...leftOut(p.details.length - details, 'Details'), ...sqlNote],
    );
  let text = build();
  while (text.length > maxChars && details > 0) {
    details -= 1;
    text = build();
  }
  while (text.length > maxChars && kept > 0) {
    kept -= 1;
    text = build();
  }
  // The head and the timeline are bounded; only a limit far below any real one gets here.
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}

/** The job summary of one run, for every mode. */
export function jobSummary(input: JobSummaryInput): string {
  const p = parts(input);
  const text = input.maxChars === undefined ? joined(p) : fit(p, input.maxChars - 1, input.sqlPath);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The pull request body: the plan's summary, timeline and findings, within GitHub's limit. */
export function pullRequestBody(
  input: Omit<JobSummaryInput, 'mode' | 'maxChars' | 'applyReport'>,
  maxChars = PR_BODY_LIMIT,
): string {
  return jobSummary({ ...input, mode: 'pr', maxChars });
}

/** `plan --format markdown`: the plan's summary with its SQL. */
export function renderPlanMarkdown(plan: Plan, steps: readonly Step[], sql: string): string {
  return jobSummary({ mode: 'plan', plan, steps, sql });
}
