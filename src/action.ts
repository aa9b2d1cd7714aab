// The GitHub Action's entry: inputs → settings → a command → outputs, summary and annotations.
import './bundle-dirname';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { describeFailure } from './failure';
import { EXIT, UsageError } from './errors';
import { createLogger } from './log';
import { resolveSettings, type Settings } from './settings';
import { applyCommand } from './commands/apply';
import { planCommand, reviewedFile } from './commands/plan';
import { planToJson } from './report/json';
import { renderPlanMarkdown } from './report/markdown';
import { renderCheckText } from './report/text';
import { judge } from './report/verdict';
import { applySummaryMarkdown } from './report/apply';

const MODES = ['plan', 'apply', 'check'] as const;

/** The composite action passes its inputs as PARTITION_KEEPER_* variables (see action.yml). */
export function readActionSettings(env: NodeJS.ProcessEnv): Settings {
  const input = (name: string): string => (env[`PARTITION_KEEPER_${name}`] ?? '').trim();
  const mode = input('MODE') || 'plan';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`mode: "${mode}" is not one of ${MODES.join(', ')}`);
  }
  return resolveSettings(
    {
      command: mode,
      configFile: input('CONFIG'),
      databaseUrl: input('DATABASE_URL') || env.DATABASE_URL || '',
      now: input('NOW'),
      tables: input('TABLES')
        .split(/[\n,]/)
        .map((t) => t.trim())
        .filter(Boolean),
      sqlFile: input('SQL_FILE'),
      lockTimeoutMs: input('LOCK_TIMEOUT'),
      deadlineSeconds: input('DEADLINE'),
    },
    {
      command: 'mode',
      configFile: 'config',
      databaseUrl: 'database-url',
      now: 'now',
      tables: 'tables',
      format: 'format',
      logFormat: 'log-format',
      strategy: 'strategy',
      lockTimeoutMs: 'lock-timeout',
      deadlineSeconds: 'deadline',
      lockWaitSeconds: 'lock-wait',
      jobs: 'jobs',
      sqlFile: 'sql-file',
      reattachTable: 'table',
      fromDump: 'from-dump',
    },
  );
}

function maskSecrets(databaseUrl: string): void {
  if (!databaseUrl) return;
  core.setSecret(databaseUrl);
  const password = URL.canParse(databaseUrl) ? new URL(databaseUrl).password : '';
  if (password) core.setSecret(decodeURIComponent(password));
}

const outputDir = (env: NodeJS.ProcessEnv): string =>
  mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), 'partition-keeper-'));

/** apply mode: the plan (or the reviewed sql-file) carried out, one log line per step. */
async function runApplyMode(settings: Settings): Promise<number> {
  const logger = createLogger('text', (line) => core.info(line.trimEnd()), settings.databaseUrl);
  const { output, exitCode, report } = await applyCommand(settings, logger);
  core.info(output.trimEnd());
  await core.summary.addRaw(applySummaryMarkdown(report)).write();
  return exitCode;
}

export async function runAction(settings: Settings, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  maskSecrets(settings.databaseUrl);
  if (settings.command === 'apply') return runApplyMode(settings);
  const { plan, steps } = await planCommand({ ...settings, format: 'text' });
  const verdict = judge(plan);

  const dir = outputDir(env);
  const planJson = join(dir, 'plan.json');
  const sqlFile = join(dir, 'plan.sql');
  const sql = reviewedFile(plan, steps, settings);
  writeFileSync(planJson, `${JSON.stringify(planToJson(plan, steps, settings.strategy), null, 2)}\n`);
  writeFileSync(sqlFile, sql);
  core.setOutput('plan-json', planJson);
  core.setOutput('sql-file', sqlFile);
  core.setOutput('creates', steps.length);
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
  await core.summary.addRaw(renderPlanMarkdown(plan, steps, sql)).write();
  core.info(settings.command === 'check' ? renderCheckText(plan) : sql);

  if (verdict.configProblems.length > 0) return EXIT.usage;
  if (settings.command === 'check' && verdict.fallingShort.length > 0) return EXIT.failed;
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
