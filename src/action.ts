// The GitHub Action's entry: inputs → settings → the core → outputs, summary and annotations.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import { describeFailure } from './failure';
import { EXIT, UsageError } from './errors';
import { parseNow } from './now';
import { inspect, readConfig } from './core';
import { apply, DEFAULT_JOBS, summarize } from './apply/apply';
import { createLogger } from './log';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STRATEGY, renderPlanSql } from './sql/render';
import { renderPlanJson } from './report/json';
import { renderPlanMarkdown } from './report/markdown';
import { renderCheckText } from './report/text';
import { judge } from './report/verdict';

const MODES = ['plan', 'apply', 'check'] as const;
type Mode = (typeof MODES)[number];

export interface ActionSettings {
  mode: Mode;
  configFile: string;
  databaseUrl: string;
  nowText?: string;
  tables: string[];
  sqlFile?: string;
  outputDir: string;
}

/** The composite action passes its inputs as PARTITION_KEEPER_* variables (see action.yml). */
export function readActionSettings(env: NodeJS.ProcessEnv): ActionSettings {
  const input = (name: string): string => (env[`PARTITION_KEEPER_${name}`] ?? '').trim();
  const mode = input('MODE') || 'plan';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(
      `mode: "${mode}" is not one of ${MODES.join(', ')} (apply and pr come in later releases)`,
    );
  }
  return {
    mode: mode as Mode,
    configFile: input('CONFIG') || 'partitions.yml',
    databaseUrl: input('DATABASE_URL') || env.DATABASE_URL || '',
    nowText: input('NOW') || undefined,
    tables: input('TABLES')
      .split(/[\n,]/)
      .map((t) => t.trim())
      .filter(Boolean),
    ...(input('SQL_FILE') && { sqlFile: input('SQL_FILE') }),
    outputDir: env.RUNNER_TEMP
      ? mkdtempSync(join(env.RUNNER_TEMP, 'partition-keeper-'))
      : mkdtempSync(join(tmpdir(), 'partition-keeper-')),
  };
}

/** apply mode: the plan (or the reviewed sql-file) carried out, one log line per step. */
async function runApplyMode(settings: ActionSettings): Promise<number> {
  const logger = createLogger('text', (line) => core.info(line.trimEnd()), settings.databaseUrl);
  const now = parseNow(settings.nowText);
  const source = settings.sqlFile ? { sqlFile: settings.sqlFile } : { config: readConfig(settings) };
  const report = await apply(
    {
      databaseUrl: settings.databaseUrl,
      now,
      source,
      strategy: DEFAULT_STRATEGY,
      lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
      deadlineSeconds: 300,
      lockWaitSeconds: 60,
      jobs: DEFAULT_JOBS,
    },
    logger,
  );
  const summary = summarize(report);
  core.info(summary);
  await core.summary.addHeading('partition-keeper apply', 2).addRaw(summary).write();
  const failed = report.notRun.length > 0 || report.outcomes.some((o) => o.status === 'failed');
  return failed ? EXIT.failed : EXIT.ok;
}

export async function runAction(settings: ActionSettings): Promise<number> {
  if (settings.databaseUrl) {
    core.setSecret(settings.databaseUrl);
    const password = URL.canParse(settings.databaseUrl) ? new URL(settings.databaseUrl).password : '';
    if (password) core.setSecret(decodeURIComponent(password));
  }
  if (settings.mode === 'apply') return runApplyMode(settings);
  const { plan } = await inspect({ ...settings, now: parseNow(settings.nowText) });
  const verdict = judge(plan);

  const planJson = join(settings.outputDir, 'plan.json');
  const sqlFile = join(settings.outputDir, 'plan.sql');
  writeFileSync(planJson, renderPlanJson(plan));
  writeFileSync(sqlFile, renderPlanSql(plan));
  core.setOutput('plan-json', planJson);
  core.setOutput('sql-file', sqlFile);
  core.setOutput(
    'creates',
    plan.tables.reduce((n, t) => n + t.create.length, 0),
  );
  core.setOutput(
    'archives',
    plan.tables.reduce((n, t) => n + t.archive.length, 0),
  );
  core.setOutput('shortfall', verdict.fallingShort.length > 0 || verdict.configProblems.length > 0);

  for (const table of plan.tables) {
    for (const f of table.findings) {
      const annotate = f.level === 'error' ? core.error : f.level === 'warning' ? core.warning : core.notice;
      annotate(`${table.table}: ${f.code}: ${f.message}`, {
        title: 'partition-keeper',
        file: settings.configFile,
      });
    }
  }
  await core.summary.addRaw(renderPlanMarkdown(plan)).write();
  core.info(settings.mode === 'check' ? renderCheckText(plan) : renderPlanSql(plan));

  if (verdict.configProblems.length > 0) return EXIT.usage;
  if (settings.mode === 'check' && verdict.fallingShort.length > 0) return EXIT.failed;
  return EXIT.ok;
}

async function main(): Promise<void> {
  let databaseUrl = '';
  try {
    const settings = readActionSettings(process.env);
    databaseUrl = settings.databaseUrl;
    process.exitCode = await runAction(settings);
    if (process.exitCode !== 0)
      core.setFailed(
        'partition-keeper: coverage falls short, a step failed, or the config names tables it cannot manage (see the summary)',
      );
  } catch (error) {
    const failure = describeFailure(error, databaseUrl);
    core.setFailed(failure.message);
    process.exitCode = failure.code;
  }
}

if (process.env.GITHUB_ACTIONS === 'true' || process.env.PARTITION_KEEPER_MODE !== undefined) {
  await main();
}
