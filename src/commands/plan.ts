// `plan`: what is missing and due, as text, the reviewed SQL file, JSON or Markdown. Changes nothing.
import { EXIT } from '../errors';
import { inspect } from '../core';
import type { Settings } from '../settings';
import { buildSteps } from '../steps/build';
import type { Step } from '../steps/step';
import { writeReviewedFile } from '../sql/reviewed-file';
import { quoteQualified } from '../sql/quote';
import { planJsonText, planToJson } from '../report/json';
import { renderPlanMarkdown } from '../report/summary';
import { renderPlanText } from '../report/text';
import { judge } from '../report/verdict';
import type { Plan } from '../types';
import type { CommandResult } from './result';

type RenderSettings = Pick<Settings, 'lockTimeoutMs' | 'strategy'>;

/** Partitions due for archival that have no steps (their table has no `archive:` in the config). */
function archivalNotes(plan: Plan): string[] {
  const due = plan.tables.flatMap((t) =>
    t.archive.filter((a) => a.steps.length === 0).map((a) => ({ t, a })),
  );
  if (due.length === 0) return [];
  return [
    'Due for archival, reported only (no archive: in the config; not carried out by this file):',
    ...due.map(({ t, a }) => `  ${quoteQualified(a)} of ${t.table}: ${a.from} to ${a.to}`),
  ];
}

/** The reviewed file for a plan (what `plan --format sql` prints and a pull request carries). */
export function reviewedFile(plan: Plan, steps: readonly Step[], settings: RenderSettings): string {
  return writeReviewedFile(steps, {
    now: plan.now,
    lockTimeoutMs: settings.lockTimeoutMs,
    strategy: settings.strategy,
    notes: archivalNotes(plan),
  });
}

/** The plan in a text format (JSON is built once, in planCommand, as data and text). */
function renderPlan(plan: Plan, steps: readonly Step[], settings: Settings): string {
  switch (settings.format) {
    case 'sql':
      return reviewedFile(plan, steps, settings);
    case 'markdown':
      return renderPlanMarkdown(plan, steps, reviewedFile(plan, steps, settings));
    default:
      return renderPlanText(plan, steps);
  }
}

export async function planCommand(
  settings: Settings,
): Promise<CommandResult & { plan: Plan; steps: Step[] }> {
  const { plan } = await inspect(settings);
  const steps = buildSteps(plan);
  const exitCode = judge(plan).configProblems.length > 0 ? EXIT.usage : EXIT.ok;
  if (settings.format === 'json') {
    const data = planToJson(plan, steps, settings.strategy);
    return { output: planJsonText(data), exitCode, data, plan, steps };
  }
  const output = renderPlan(plan, steps, settings);
  const data = { report: output };
  return { output, exitCode, data, plan, steps };
}
