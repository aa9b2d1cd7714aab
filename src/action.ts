// The GitHub Action's entry: inputs → settings → a command → outputs, job summary and annotations.
// Node's version is checked first, before any dependency loads (src/node-version.ts).
import './node-version';
import './node20';
import './bundle-dirname';
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { describeFailure } from './failure';
import { EXIT } from './errors';
import { createLogger } from './log';
import { describeTarget, redact } from './db/connect';
import type { Settings } from './settings';
import { applyCommand } from './commands/apply';
import { planCommand, reviewedFile } from './commands/plan';
import { planToJson } from './report/json';
import { fenced } from './report/markdown';
import { jobSummary, pullRequestBody } from './report/summary';
import { renderCheckText } from './report/text';
import { shortfalls, judge } from './report/verdict';
import { summarize } from './report/apply';
import { annotationsFor, failedStepAnnotations, type Annotation } from './github/annotations';
import {
  inputVariable,
  readInputs,
  secretsToMask,
  type ActionInputs,
  type PullRequestInputs,
} from './github/inputs';
import { planOutputs, setOutputs, writePlanFiles, type ActionOutputs } from './github/outputs';
import { pullRequestFileHeader, pullRequestFilePath, pullRequestTitle } from './github/pr-file';
import { syncPullRequest, type PullRequestResult } from './github/pull-request';
import { escapeForComment } from './sql/header';
import type { Step } from './steps/step';
import type { Plan } from './types';

function annotate(annotations: readonly Annotation[], file: string): void {
  for (const a of annotations) {
    const write = a.level === 'error' ? core.error : a.level === 'warning' ? core.warning : core.notice;
    write(a.message, { title: a.title, file });
  }
}

async function writeSummary(markdown: string, env: NodeJS.ProcessEnv): Promise<void> {
  // Outside a runner (no GITHUB_STEP_SUMMARY) there is nowhere to write it.
  if (env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
}

/** One line per problem, naming the table and what is wrong (the findings name the ranges); names may hold line breaks. */
function problemLines(plan: Plan): string[] {
  const verdict = judge(plan);
  const tables = [...verdict.configProblems, ...verdict.fallingShort];
  return tables.flatMap((t) =>
    (t.skipped ? t.findings.filter((f) => f.level === 'error') : shortfalls(t)).map((f) =>
      escapeForComment(`${t.table}: ${f.code}: ${f.message}`),
    ),
  );
}

/** GitHub refuses a step's job summary over 1 MiB; characters may take up to 3 bytes. */
const SUMMARY_LIMIT = 340_000;

interface ModeResult {
  exitCode: number;
  outputs: ActionOutputs;
  summary: string;
  annotations: Annotation[];
  /** The step's failure message, when it fails. */
  failure?: string;
}

async function applyMode(settings: Settings): Promise<ModeResult> {
  const logger = createLogger('text', (line) => core.info(line.trimEnd()), settings.databaseUrl);
  const { exitCode, report } = await applyCommand(settings, logger);
  const summary = summarize(report);
  core.info(summary);
  const created = report.outcomes.filter((o) => o.step.kind === 'create' && o.status === 'done').length;
  const failing = exitCode !== EXIT.ok;
  return {
    exitCode,
    outputs: {
      creates: created,
      ...(report.plan && { archives: planOutputs(report.plan).archives }),
    },
    summary: jobSummary({
      mode: 'apply',
      ...(report.plan && { plan: report.plan }),
      steps: report.outcomes.map((o) => o.step),
      applyReport: report,
      maxChars: SUMMARY_LIMIT,
    }),
    annotations: failedStepAnnotations(report, { error: failing ? 1 : 0 }),
    ...(failing && { failure: summary }),
  };
}

async function pullRequest(
  pr: PullRequestInputs,
  plan: Plan,
  steps: readonly Step[],
  file: string,
  body: string,
  label: string,
): Promise<PullRequestResult> {
  const path = pullRequestFilePath(pr.sqlDir, plan.now);
  const result = await syncPullRequest(
    {
      // Every GitHub request is bounded: a stalled API fails the step instead of hanging it.
      octokit: getOctokit(pr.token, { baseUrl: pr.apiUrl, request: { timeout: 30_000 } }),
      owner: pr.owner,
      repo: pr.repo,
      branch: pr.branch,
      ...(pr.base && { base: pr.base }),
      path,
      content: steps.length === 0 ? undefined : file,
      title: pullRequestTitle(plan, label),
      body,
      commitMessage: `${pullRequestTitle(plan, label)}\n\nThe reviewed SQL file ${path}, written by the partition-keeper action.`,
      labels: pr.labels,
    },
    (line) => core.info(line),
  );
  core.info(
    result.number === undefined
      ? `pull request: ${result.operation}`
      : `pull request #${result.number} ${result.operation}: ${result.url ?? ''}`,
  );
  return result;
}

/** plan, check and pr: one plan, its files, outputs and findings; pr also syncs the pull request. */
async function planMode(inputs: ActionInputs, env: NodeJS.ProcessEnv): Promise<ModeResult> {
  const { settings, mode } = inputs;
  const { plan, steps, output } = await planCommand({ ...settings, format: 'text' });
  const verdict = judge(plan);
  const sql = reviewedFile(plan, steps, settings);
  // The database by host, port and name (the URL may carry a password), with PG* filling in as libpq does.
  const label = describeTarget(settings.databaseUrl, env);
  const file = inputs.pr
    ? `${pullRequestFileHeader(plan, {
        label,
        configFile: settings.configFile,
      }).join('\n')}\n${sql}`
    : sql;
  core.info((mode === 'check' ? renderCheckText(plan) : output).trimEnd());

  const problems = problemLines(plan);
  const exitCode =
    verdict.configProblems.length > 0
      ? EXIT.usage
      : mode === 'check' && verdict.fallingShort.length > 0
        ? EXIT.failed
        : EXIT.ok;
  const failing = exitCode !== EXIT.ok;
  let outputs: ActionOutputs = {
    ...writePlanFiles(env, planToJson(plan, steps, settings.strategy), file),
    ...planOutputs(plan),
  };
  const sqlPath = inputs.pr ? pullRequestFilePath(inputs.pr.sqlDir, plan.now) : outputs['sql-file'];
  let pullRequestResult: PullRequestResult | undefined;
  // A config naming tables it cannot manage fails before any pull request is touched.
  if (inputs.pr && !failing) {
    const body = pullRequestBody({ plan, steps, sql: file, ...(sqlPath && { sqlPath }) });
    try {
      pullRequestResult = await pullRequest(inputs.pr, plan, steps, file, body, label);
    } catch (error) {
      // The plan and its files are there: a later step (`if: always()`) still finds them.
      setOutputs(outputs);
      throw error;
    }
    outputs = {
      ...outputs,
      'pr-operation': pullRequestResult.operation,
      ...(pullRequestResult.number !== undefined && { 'pr-number': pullRequestResult.number }),
      ...(pullRequestResult.url !== undefined && { 'pr-url': pullRequestResult.url }),
    };
  }
  const summary = jobSummary({
    mode,
    plan,
    steps,
    sql: file,
    ...(sqlPath && { sqlPath }),
    ...(pullRequestResult && { pullRequest: pullRequestResult }),
    maxChars: SUMMARY_LIMIT,
  });
  return {
    exitCode,
    outputs,
    summary,
    annotations: annotationsFor(plan, { error: failing ? 1 : 0 }),
    ...(failing && {
      failure:
        verdict.configProblems.length > 0
          ? `partition-keeper: the config names tables it cannot manage:\n${problems.join('\n')}`
          : `partition-keeper check: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.join('\n')}`,
    }),
  };
}

/** Runs the mode and reports it; returns the exit code. Secrets must be masked before this. */
export async function runAction(inputs: ActionInputs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const result = inputs.mode === 'apply' ? await applyMode(inputs.settings) : await planMode(inputs, env);
  setOutputs(result.outputs);
  annotate(result.annotations, inputs.settings.configFile);
  await writeSummary(result.summary, env);
  if (result.failure) core.setFailed(redact(result.failure, inputs.settings.databaseUrl));
  return result.exitCode;
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  // Before anything is printed: nothing printed after this can show them.
  for (const secret of secretsToMask(env)) core.setSecret(secret);
  let databaseUrl = '';
  let mode = 'partition-keeper';
  try {
    const inputs = readInputs(env);
    databaseUrl = inputs.settings.databaseUrl;
    mode = `partition-keeper ${inputs.mode}`;
    process.exitCode = await runAction(inputs, env);
  } catch (error) {
    const failure = describeFailure(error, databaseUrl);
    core.setFailed(failure.message);
    const summary = [`## ${mode} failed`, '', ...fenced('text', failure.message), ''].join('\n');
    await writeSummary(summary, env).catch(() => undefined);
    process.exitCode = failure.code;
  }
}

if (process.env.GITHUB_ACTIONS === 'true' || process.env[inputVariable('mode')] !== undefined) {
  await main(process.env);
}
