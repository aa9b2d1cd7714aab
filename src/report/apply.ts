// What `apply` did: the report, its one-line summary, and the job summary's Markdown table.
import type { StepOutcome } from '../run/execute';
import type { Plan } from '../types';
import { describeStep } from '../steps/describe';
import { md } from './markdown';
import { plural } from '../words';

export interface ApplyReport {
  outcomes: StepOutcome[];
  /** The plan carried out (absent with --sql). */
  plan?: Plan;
  /** Partitions due but held back by maxPartitionsPerRun: later runs make them. */
  deferred: number;
  /** Partitions of the plan still missing after the run; absent when it could not be counted. */
  left?: number;
  ms: number;
}

export function applyCounts(report: ApplyReport) {
  const count = (status: StepOutcome['status']): number =>
    report.outcomes.filter((o) => o.status === status).length;
  return {
    steps: report.outcomes.length,
    done: count('done'),
    alreadyDone: count('already-done'),
    failed: count('failed'),
    notRun: count('not-run'),
    retried: report.outcomes.filter((o) => o.attempts > 1).length,
    slowestMs: Math.max(0, ...report.outcomes.map((o) => o.ms)),
    seconds: Math.round(report.ms / 100) / 10,
  };
}

/** Archival in the run: its steps carried out, and due partitions left alone (no `archive:`). */
export function archivalCounts(report: ApplyReport) {
  const archival = report.outcomes.filter((o) => o.step.kind !== 'create');
  return {
    steps: archival.length,
    completed: archival.filter((o) => o.status === 'done' || o.status === 'already-done').length,
    dueUntouched: (report.plan?.tables ?? []).reduce(
      (n, t) => n + t.archive.filter((a) => a.steps.length === 0).length,
      0,
    ),
  };
}

function archivalSummary(report: ApplyReport): string {
  const a = archivalCounts(report);
  const parts = [
    ...(a.steps > 0 ? [`archival: ${a.completed} of ${plural(a.steps, 'step')} completed`] : []),
    ...(a.dueUntouched > 0
      ? [`${plural(a.dueUntouched, 'partition')} due for archival, not touched (no archive: in the config)`]
      : []),
  ];
  return parts.map((p) => `; ${p}`).join('');
}

export function summarize(report: ApplyReport): string {
  const c = applyCounts(report);
  const steps =
    `${plural(c.steps, 'step')}: ${c.done} done, ${c.alreadyDone} already done, ${c.failed} failed, ` +
    `${c.notRun} not run; ${c.retried} retried after lock timeouts; slowest ${c.slowestMs} ms; ${c.seconds.toFixed(1)} s in all`;
  if (!report.plan) return `apply --sql: ${steps}`;
  const planned = report.outcomes.filter((o) => o.step.kind === 'create').length;
  const held =
    report.deferred > 0
      ? `; ${plural(report.deferred, 'more partition')} still due, held back by maxPartitionsPerRun: run apply again`
      : '';
  if (report.left === undefined) {
    return `apply: the catalog could not be read again after a failure; the next run completes what is left${archivalSummary(report)} (${steps})${held}`;
  }
  return `apply: ${planned - report.left} of ${planned} planned partitions created, ${report.left} still missing${archivalSummary(report)} (${steps})${held}`;
}

const STATUS: Record<string, string> = {
  done: '✅ done',
  'already-done': '☑️ already done',
  failed: '❌ failed',
  'not-run': '⏸ not run',
};

export function applySummaryMarkdown(report: ApplyReport): string {
  const lines = ['## partition-keeper apply', '', md(summarize(report)), ''];
  if (report.outcomes.length > 0) {
    lines.push('| step | what | result | ms | attempts | note |', '| ---: | --- | --- | ---: | ---: | --- |');
    for (const o of report.outcomes) {
      const note = [o.error, ...o.notices].filter(Boolean).join('; ');
      lines.push(
        `| ${o.index} | ${md(describeStep(o.step))} | ${STATUS[o.status] ?? o.status} | ${o.ms} | ${o.attempts} | ${md(note)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
