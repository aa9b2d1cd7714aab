#!/usr/bin/env node
// partition-keeper <plan|apply|check|status> [options] — a thin shell over the core.
import './node20';
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError } from './errors';
import { describeFailure } from './failure';
import { createLogger, type LogFormat, type Logger } from './log';
import type { Now, Plan } from './types';
import { apply, DEFAULT_JOBS, summarize } from './apply/apply';
import { parseNow } from './now';
import { inspect, readConfig, readStatus } from './core';
import {
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_STRATEGY,
  renderPlanSql,
  STRATEGIES,
  type Strategy,
} from './sql/render';
import { renderPlanJson } from './report/json';
import { renderPlanMarkdown } from './report/markdown';
import { renderCheckText, renderPlanText } from './report/text';
import { renderStatusText, tableStatuses } from './report/status';
import { judge } from './report/verdict';

const COMMANDS = ['plan', 'apply', 'check', 'status'] as const;
type Command = (typeof COMMANDS)[number];
const FORMATS = ['text', 'sql', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

export const USAGE = `Usage: partition-keeper <plan|apply|check|status> [options]

Commands:
  plan      show what is missing, what is due for archival and the SQL that fixes it (changes nothing)
  apply     carry out the plan under a run lock, statement by statement, retrying lock timeouts
            apply --sql FILE runs a reviewed SQL file exactly as written
  check     exit 1 when any table falls short (coverage ahead, gaps, rows in DEFAULT), saying why
  status    each table's partitions with bounds, sizes, estimated rows and DEFAULT-partition rows

Options:
  --config FILE          config file (default partitions.yml)
  --database-url URL     connection URL (default $DATABASE_URL)
  --now YYYY-MM-DD       plan as of this date (default today)
  --table NAME           only this table (repeatable), written as in SQL
  --format FORMAT        plan output: text, sql, json or markdown (default text); status: text or json
  --log-format FORMAT    text or json (default text)
  --strategy NAME        attach (default: SHARE UPDATE EXCLUSIVE on the parent) or partition-of
  --lock-timeout MS      longest wait for a lock per attempt (default ${DEFAULT_LOCK_TIMEOUT_MS})
  --deadline SECONDS     apply: keep retrying lock timeouts until then (default 300)
  --lock-wait SECONDS    apply: wait this long for another run to finish (default 60)
  --jobs N               apply: connections creating different tables' partitions at once (default ${DEFAULT_JOBS})
  --sql FILE             apply: run this reviewed file instead of planning
  -h, --help             this help

Exit codes: 0 fine, 1 check fell short or a step failed, 2 bad usage or config, 3 no connection.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

interface CliSettings {
  command: Command;
  strategy: Strategy;
  lockTimeoutMs: number;
  deadlineSeconds: number;
  lockWaitSeconds: number;
  jobs: number;
  sqlFile?: string;
  configFile: string;
  databaseUrl: string;
  nowText?: string;
  tables: string[];
  format: Format;
  logFormat: LogFormat;
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${option}: "${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function positiveNumber(option: string, value: string, zeroAllowed = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed)) {
    throw new UsageError(
      `${option}: "${value}" is not a ${zeroAllowed ? 'non-negative' : 'positive'} number`,
    );
  }
  return n;
}

function wholeNumber(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new UsageError(`${option}: "${value}" is not a whole number from 1 to 16`);
  return n;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliSettings | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', default: 'partitions.yml' },
        'database-url': { type: 'string' },
        now: { type: 'string', multiple: true }, // multiple only to refuse a second one
        table: { type: 'string', multiple: true, default: [] },
        format: { type: 'string', default: 'text' },
        'log-format': { type: 'string', default: 'text' },
        strategy: { type: 'string', default: DEFAULT_STRATEGY },
        'lock-timeout': { type: 'string', default: String(DEFAULT_LOCK_TIMEOUT_MS) },
        deadline: { type: 'string', default: '300' },
        'lock-wait': { type: 'string', default: '60' },
        jobs: { type: 'string', default: String(DEFAULT_JOBS) },
        sql: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return 'help';
  const [commandText, ...rest] = positionals;
  const command = oneOf('command', commandText ?? '', COMMANDS);
  if (rest.length > 0) throw new UsageError(`${command}: unexpected argument "${rest[0]}"`);
  const format = oneOf('--format', values.format, FORMATS);
  if (command === 'status' && format !== 'text' && format !== 'json') {
    throw new UsageError(`--format: status shows text or json, not ${format}`);
  }
  if (values.sql !== undefined && command !== 'apply') throw new UsageError('--sql goes with apply');
  if ((values.now?.length ?? 0) > 1)
    throw new UsageError(
      `--now is given ${values.now?.length} times (${values.now?.join(', ')}); give it once`,
    );
  return {
    command,
    strategy: oneOf('--strategy', values.strategy, STRATEGIES),
    lockTimeoutMs: positiveNumber('--lock-timeout', values['lock-timeout']),
    deadlineSeconds: positiveNumber('--deadline', values.deadline),
    lockWaitSeconds: positiveNumber('--lock-wait', values['lock-wait'], true),
    jobs: wholeNumber('--jobs', values.jobs),
    ...(values.sql !== undefined && { sqlFile: values.sql }),
    configFile: values.config,
    databaseUrl: values['database-url'] ?? env.DATABASE_URL ?? '',
    nowText: values.now?.[0],
    tables: values.table,
    format,
    logFormat: oneOf('--log-format', values['log-format'], ['text', 'json'] as const),
  };
}

function renderPlan(plan: Plan, settings: CliSettings): string {
  const options = { strategy: settings.strategy, lockTimeoutMs: settings.lockTimeoutMs };
  if (settings.format === 'sql') return renderPlanSql(plan, options);
  if (settings.format === 'json') return renderPlanJson(plan, options.strategy);
  return settings.format === 'markdown' ? renderPlanMarkdown(plan, options) : renderPlanText(plan);
}

async function runApply(settings: CliSettings, now: Now, io: CliIo, logger: Logger): Promise<number> {
  const config = settings.sqlFile === undefined ? readConfig(settings) : undefined;
  const report = await apply(
    { ...settings, now, source: config ? { config } : { sqlFile: settings.sqlFile ?? '' } },
    logger,
  );
  io.stdout(`${summarize(report)}\n`);
  const failed = report.notRun.length > 0 || report.outcomes.some((o) => o.status === 'failed');
  if (failed) return EXIT.failed;
  if (report.plan && judge(report.plan).configProblems.length > 0) return EXIT.usage;
  return EXIT.ok;
}

async function runCommand(settings: CliSettings, io: CliIo, logger: Logger): Promise<number> {
  const now = parseNow(settings.nowText);
  if (settings.command === 'apply') return runApply(settings, now, io, logger);
  if (settings.command === 'status') {
    const { config, snapshot } = await readStatus(settings);
    const statuses = tableStatuses(config.tables, snapshot);
    io.stdout(
      settings.format === 'json' ? `${JSON.stringify(statuses, null, 2)}\n` : renderStatusText(statuses),
    );
    return statuses.some((s) => s.problem) ? EXIT.usage : EXIT.ok;
  }
  const { plan } = await inspect({ ...settings, now });
  const verdict = judge(plan);
  if (settings.command === 'plan') {
    io.stdout(renderPlan(plan, settings));
    return verdict.configProblems.length > 0 ? EXIT.usage : EXIT.ok;
  }
  io.stdout(settings.format === 'json' ? renderPlanJson(plan) : renderCheckText(plan));
  if (verdict.configProblems.length > 0) return EXIT.usage;
  return verdict.fallingShort.length > 0 ? EXIT.failed : EXIT.ok;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let settings: CliSettings | 'help';
  try {
    settings = parseCli(argv, io.env);
  } catch (error) {
    io.stderr(`partition-keeper: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (settings === 'help') {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const logger = createLogger(settings.logFormat, io.stderr, settings.databaseUrl);
  try {
    return await runCommand(settings, io, logger);
  } catch (error) {
    const failure = describeFailure(error, settings.databaseUrl);
    logger.log('error', failure.unexpected ? `unexpected failure: ${failure.message}` : failure.message);
    return failure.code;
  }
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
