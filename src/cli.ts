#!/usr/bin/env node
// partition-keeper <plan|apply|check|status|reattach> [options] — parses, calls a command, prints, exits.
import './node20';
import './bundle-dirname';
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError } from './errors';
import { describeFailure } from './failure';
import { createLogger, type Logger } from './log';
import { DEFAULTS, resolveSettings, type Settings } from './settings';
import type { CommandResult } from './commands/result';
import { planCommand } from './commands/plan';
import { checkCommand } from './commands/check';

export const USAGE = `Usage: partition-keeper <plan|apply|check|status|reattach> [options]

Commands:
  plan      show what is missing, what is due for archival and the steps that fix it (changes nothing)
  apply     carry out the plan's steps under a run lock, retrying lock timeouts
            apply --sql FILE runs the steps of a reviewed file (plan --format sql) exactly as written
  check     exit 1 when any table falls short (coverage ahead, gaps, rows in DEFAULT), saying why
  status    each table's partitions with bounds, sizes, estimated rows and DEFAULT-partition rows
  reattach TABLE
            put an archived table back: into its parent's schema, attached with the bounds of its
            origin mark (rows of that range in DEFAULT move into it first)
  reattach --from-dump FILE|s3://bucket/prefix/name.pgdump
            restore a dropped one from its dump (verified against its manifest), then attach it

Options:
  --config FILE          config file (default ${DEFAULTS.configFile})
  --database-url URL     connection URL (default $DATABASE_URL)
  --now YYYY-MM-DD       plan as of this date (default today)
  --table NAME           only this table (repeatable), written as in SQL
  --format FORMAT        plan output: text, sql (the reviewed file), json or markdown (default text);
                         check and status: text or json
  --log-format FORMAT    text or json: with json, every line on stdout and stderr is a JSON object
  --strategy NAME        attach (default: SHARE UPDATE EXCLUSIVE on the parent) or partition-of
  --lock-timeout MS      longest wait for a lock per attempt (default ${DEFAULTS.lockTimeoutMs})
  --deadline SECONDS     apply: no step or retry starts after this, planning included (default ${DEFAULTS.deadlineSeconds})
  --lock-wait SECONDS    apply: wait this long for another run to finish (default ${DEFAULTS.lockWaitSeconds})
  --catalog-lock-wait SECONDS
                         longest wait for a lock on a parent or DEFAULT partition while reading the
                         catalog (plan, check, status; apply within its deadline) (default ${DEFAULTS.catalogLockWaitSeconds})
  --jobs N               apply: connections running different tables' steps at once (default ${DEFAULTS.jobs})
  --sql FILE             apply: run this reviewed file instead of planning
  --from-dump LOCATION   reattach: restore the table from this dump first
  -h, --help             this help

Exit codes: 0 fine, 1 check fell short or a step failed, 2 bad usage or config, 3 no connection.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const OPTION_NAMES = {
  command: 'command',
  configFile: '--config',
  databaseUrl: '--database-url',
  now: '--now',
  tables: '--table',
  format: '--format',
  logFormat: '--log-format',
  strategy: '--strategy',
  lockTimeoutMs: '--lock-timeout',
  deadlineSeconds: '--deadline',
  lockWaitSeconds: '--lock-wait',
  catalogLockWaitSeconds: '--catalog-lock-wait',
  jobs: '--jobs',
  sqlFile: '--sql',
  reattachTable: 'TABLE',
  fromDump: '--from-dump',
} as const;

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): Settings | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'database-url': { type: 'string' },
        now: { type: 'string', multiple: true },
        table: { type: 'string', multiple: true, default: [] },
        format: { type: 'string' },
        'log-format': { type: 'string' },
        strategy: { type: 'string' },
        'lock-timeout': { type: 'string' },
        deadline: { type: 'string' },
        'lock-wait': { type: 'string' },
        'catalog-lock-wait': { type: 'string' },
        jobs: { type: 'string' },
        sql: { type: 'string' },
        'from-dump': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return 'help';
  const [command, ...rest] = positionals;
  // reattach names its table as an argument; no other command takes one
  const reattachTable = command === 'reattach' ? rest.shift() : undefined;
  if (rest.length > 0) throw new UsageError(`${command}: unexpected argument "${rest[0]}"`);
  if ((values.now?.length ?? 0) > 1)
    throw new UsageError(
      `--now is given ${values.now?.length} times (${values.now?.join(', ')}); give it once`,
    );
  return resolveSettings(
    {
      command: command ?? '',
      configFile: values.config,
      databaseUrl: values['database-url'] ?? env.DATABASE_URL ?? '',
      now: values.now?.[0],
      tables: values.table,
      format: values.format,
      logFormat: values['log-format'],
      strategy: values.strategy,
      lockTimeoutMs: values['lock-timeout'],
      deadlineSeconds: values.deadline,
      lockWaitSeconds: values['lock-wait'],
      catalogLockWaitSeconds: values['catalog-lock-wait'],
      jobs: values.jobs,
      sqlFile: values.sql,
      reattachTable,
      fromDump: values['from-dump'],
    },
    OPTION_NAMES,
  );
}

function runCommand(settings: Settings, logger: Logger): Promise<CommandResult> {
  switch (settings.command) {
    // apply, status and reattach are loaded when run: check, which CI runs most, starts without them
    case 'apply':
      return import('./commands/apply').then(({ applyCommand }) => applyCommand(settings, logger));
    case 'status':
      return import('./commands/status').then(({ statusCommand }) => statusCommand(settings));
    case 'check':
      return checkCommand(settings);
    case 'reattach':
      return import('./commands/reattach').then(({ reattachCommand }) => reattachCommand(settings, logger));
    default:
      return planCommand(settings);
  }
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const jsonLogs = argv.includes('--log-format=json') || argv.join(' ').includes('--log-format json');
  let settings: Settings | 'help';
  try {
    settings = parseCli(argv, io.env);
  } catch (error) {
    const message = `partition-keeper: ${(error as Error).message}`;
    if (jsonLogs) createLogger('json', io.stderr).log('error', message);
    else io.stderr(`${message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (settings === 'help') {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const logger = createLogger(settings.logFormat, io.stderr, settings.databaseUrl);
  // While the command runs, a library's process warning (the AWS SDK warns about Node versions) is
  // logged like ours instead of printed by Node, so that --log-format json keeps stderr one JSON
  // object per line; NODE_NO_WARNINGS=1 and --no-warnings still silence it. Node's printer is put
  // back afterwards.
  const printers = process.listeners('warning');
  const silenced =
    io.env.NODE_NO_WARNINGS === '1' ||
    [...process.execArgv, ...(io.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--no-warnings');
  const onWarning = (warning: Error): void => {
    if (!silenced) logger.log('warn', `${warning.name}: ${warning.message.replace(/\s+/g, ' ').trim()}`);
  };
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  try {
    const result = await runCommand(settings, logger);
    if (settings.logFormat === 'json') {
      // One JSON object per line on stdout too: the report as data.
      io.stdout(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'info', command: settings.command, ...(result.data as object) })}\n`,
      );
    } else {
      io.stdout(result.output);
    }
    return result.exitCode;
  } catch (error) {
    const failure = describeFailure(error, settings.databaseUrl);
    logger.log('error', failure.unexpected ? `unexpected failure: ${failure.message}` : failure.message);
    return failure.code;
  } finally {
    process.off('warning', onWarning);
    for (const printer of printers) process.on('warning', printer);
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
