// One settings object for the CLI and the action, read once; every default is defined here.
import { MAX_LOCK_TIMEOUT_MS } from './sql/reviewed-file';
import { UsageError } from './errors';
import type { LogFormat } from './log';
import { parseNow } from './now';
import { STRATEGIES, type Strategy } from './sql/step-sql';
import type { Now } from './types';

export const COMMANDS = ['plan', 'apply', 'check', 'status', 'reattach'] as const;
export type Command = (typeof COMMANDS)[number];
export const FORMATS = ['text', 'sql', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export const DEFAULTS = {
  configFile: 'partitions.yml',
  format: 'text' as Format,
  logFormat: 'text' as LogFormat,
  /** `attach` never stalls readers or writers of the parent (bench/load.ts, BENCHMARKS.md). */
  strategy: 'attach' as Strategy,
  /** Per-attempt lock wait: readers and writers stall at most this long behind us (bench/load.ts chose it). */
  lockTimeoutMs: 100,
  /** Seconds after the start of a run when no new step or retry starts. */
  deadlineSeconds: 300,
  /** Seconds to wait for another run's lock. */
  lockWaitSeconds: 60,
  /** Connections for different tables at once: the machines this runs beside have two cores. */
  jobs: 2,
  /** libpq's connect_timeout: seconds to wait for the server to answer (per attempt). */
  connectTimeoutSeconds: 10,
  /**
   * statement_timeout of every session's catalog reads: they take milliseconds, sizes for thousands
   * of partitions seconds; anything longer is a stuck server. Apply's steps run under the run
   * deadline instead (src/run/runner.ts).
   */
  catalogStatementTimeoutMs: 30_000,
  /**
   * Seconds plan, check and status (and apply's planning, within its deadline) wait for a lock
   * while reading the catalog: a parent or DEFAULT partition held in ACCESS EXCLUSIVE by another
   * session (a migration, a VACUUM FULL) makes them give up after this, naming the holder.
   */
  catalogLockWaitSeconds: 5,
  /** What DBAs see in pg_stat_activity unless the URL says otherwise. */
  applicationName: 'partition-keeper',
} as const;

export interface Settings {
  command: Command;
  configFile: string;
  databaseUrl: string;
  now: Now;
  /** --table filters, written as in SQL; empty: every table. */
  tables: string[];
  format: Format;
  logFormat: LogFormat;
  strategy: Strategy;
  lockTimeoutMs: number;
  deadlineSeconds: number;
  lockWaitSeconds: number;
  catalogLockWaitSeconds: number;
  jobs: number;
  /** apply: run this reviewed file instead of planning. */
  sqlFile?: string;
  /** reattach: the archived table to put back, written as in SQL. */
  reattachTable?: string;
  /** reattach: restore from this dump (a file, or s3://bucket/prefix/name) first. */
  fromDump?: string;
}

/** Settings as text, as the command line or the action's inputs give them; absent: the default. */
export interface RawSettings {
  command: string;
  configFile?: string;
  databaseUrl?: string;
  now?: string;
  tables?: string[];
  format?: string;
  logFormat?: string;
  strategy?: string;
  lockTimeoutMs?: string;
  deadlineSeconds?: string;
  lockWaitSeconds?: string;
  catalogLockWaitSeconds?: string;
  jobs?: string;
  sqlFile?: string;
  reattachTable?: string;
  fromDump?: string;
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${option}: "${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function number(
  option: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${option}: "${value}" is not a number from ${min} to ${max}`);
  }
  return n;
}

/** Validates raw settings into Settings; bad values are UsageError (exit 2) naming the option. */
export function resolveSettings(raw: RawSettings, names: Record<keyof RawSettings, string>): Settings {
  const command = oneOf(names.command, raw.command, COMMANDS);
  const format = oneOf(names.format, raw.format || DEFAULTS.format, FORMATS);
  if (command === 'status' && format !== 'text' && format !== 'json') {
    throw new UsageError(`${names.format}: status shows text or json, not ${format}`);
  }
  if (raw.sqlFile && command !== 'apply') throw new UsageError(`${names.sqlFile} goes with apply`);
  if (raw.fromDump && command !== 'reattach') throw new UsageError(`${names.fromDump} goes with reattach`);
  if (command === 'reattach' && !raw.reattachTable === !raw.fromDump) {
    throw new UsageError(`reattach takes a TABLE or ${names.fromDump} FILE|s3://…, one of them`);
  }
  const jobs = number(names.jobs, raw.jobs, DEFAULTS.jobs, 1, 16);
  if (!Number.isInteger(jobs)) throw new UsageError(`${names.jobs}: "${raw.jobs}" is not a whole number`);
  return {
    command,
    configFile: raw.configFile || DEFAULTS.configFile,
    databaseUrl: raw.databaseUrl ?? '',
    now: parseNow(raw.now),
    tables: raw.tables ?? [],
    format,
    logFormat: oneOf(names.logFormat, raw.logFormat || DEFAULTS.logFormat, ['text', 'json'] as const),
    strategy: oneOf(names.strategy, raw.strategy || DEFAULTS.strategy, STRATEGIES),
    lockTimeoutMs: number(
      names.lockTimeoutMs,
      raw.lockTimeoutMs,
      DEFAULTS.lockTimeoutMs,
      1,
      MAX_LOCK_TIMEOUT_MS,
    ),
    deadlineSeconds: number(names.deadlineSeconds, raw.deadlineSeconds, DEFAULTS.deadlineSeconds, 1, 86_400),
    lockWaitSeconds: number(names.lockWaitSeconds, raw.lockWaitSeconds, DEFAULTS.lockWaitSeconds, 0, 86_400),
    catalogLockWaitSeconds: number(
      names.catalogLockWaitSeconds,
      raw.catalogLockWaitSeconds,
      DEFAULTS.catalogLockWaitSeconds,
      0.001,
      3600,
    ),
    jobs,
    ...(raw.sqlFile && { sqlFile: raw.sqlFile }),
    ...(raw.reattachTable && { reattachTable: raw.reattachTable }),
    ...(raw.fromDump && { fromDump: raw.fromDump }),
  };
}
