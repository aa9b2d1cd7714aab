// `apply`: under the run lock, re-plan from a fresh snapshot and run the plan's SQL (or a reviewed
// file, exactly as written) unit by unit, then read the catalog again to say what is left.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { Config, Now, Plan } from '../types';
import { inspectWith } from '../core';
import { connect } from '../db/connect';
import type { Logger } from '../log';
import { renderPlanSql, type Strategy } from '../sql/render';
import { splitSql, type SqlUnit } from '../sql/split';
import { UsageError } from '../errors';
import { ALREADY, executeUnit, setLockTimeout, type UnitOutcome } from './execute';
import { acquireRunLock, releaseRunLock } from './lock';

export interface ApplySettings {
  databaseUrl: string;
  now: Now;
  strategy: Strategy;
  lockTimeoutMs: number;
  /** Seconds after which no new attempt starts (lock timeouts are retried until then). */
  deadlineSeconds: number;
  /** Seconds to wait for another run's lock before giving up. */
  lockWaitSeconds: number;
  /** Either a config to plan from, or a reviewed SQL file to run as written. */
  source: { config: Config } | { sqlFile: string };
}

export interface ApplyReport {
  outcomes: UnitOutcome[];
  /** Units not run because the connection was lost or the run deadline passed. */
  notRun: SqlUnit[];
  /** The plan carried out (absent with --sql). */
  plan?: Plan;
  /** A fresh plan after the run: what is still to do (absent with --sql). */
  after?: Plan;
  ms: number;
}

function readUnits(file: string): SqlUnit[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--sql: cannot read ${file}`);
  }
  try {
    return splitSql(text);
  } catch (error) {
    throw new UsageError(`--sql: ${file}: ${(error as Error).message}`);
  }
}

/** What a log line calls a unit: the reason comment before it (or before its step group) and its first line. */
function label(unit: SqlUnit, context: string): string {
  const first = unit.sql.split('\n')[0] ?? '';
  return context ? `${context} — ${first}` : first;
}

function logOutcome(logger: Logger, o: UnitOutcome, context: string): void {
  const fields = { line: o.unit.line, ms: o.ms, attempts: o.attempts };
  if (o.status === 'failed')
    logger.log('error', `failed at line ${o.unit.line}: ${label(o.unit, context)}: ${o.error}`, fields);
  else
    logger.log('info', `${o.status === 'done' ? 'done' : 'already done'}: ${label(o.unit, context)}`, fields);
  for (const notice of o.notices) if (!ALREADY.test(notice)) logger.log('info', `  ${notice}`);
}

/** The server ended the session (admin shutdown, terminated backend) or the socket closed. */
const isConnectionFailure = (o: UnitOutcome): boolean =>
  /^(57P|08)/.test(o.code ?? '') || /connection terminated|not queryable|ECONNRESET/i.test(o.error ?? '');

const TOUCHES_LOCK_TIMEOUT = /^\s*(set\s+(session\s+)?lock_timeout|reset\s+(lock_timeout|all))\b/i;

async function runUnits(client: pg.Client, units: SqlUnit[], settings: ApplySettings, logger: Logger) {
  const deadline = Date.now() + settings.deadlineSeconds * 1000;
  await setLockTimeout(client, settings.lockTimeoutMs);
  const outcomes: UnitOutcome[] = [];
  let lost = false;
  client.once('end', () => (lost = true));
  let context = '';
  for (const [i, unit] of units.entries()) {
    // No new attempt starts after the deadline (executeUnit only checks it between retries).
    if (Date.now() >= deadline) {
      logger.log(
        'error',
        `the run deadline passed; ${units.length - i} statements not run, the next run does them`,
      );
      return { outcomes, notRun: units.slice(i), lost: false };
    }
    // A statement without a comment of its own continues the step group of the one before.
    if (unit.comment) context = /^SET\b/i.test(unit.sql) ? '' : (unit.comment.split('\n').at(-1) ?? '');
    const outcome = await executeUnit(client, unit, { deadline });
    outcomes.push(outcome);
    // Our per-attempt bound stays in force whatever the file sets: a long lock wait stalls production.
    if (TOUCHES_LOCK_TIMEOUT.test(unit.sql)) await setLockTimeout(client, settings.lockTimeoutMs);
    logOutcome(logger, outcome, context);
    if (outcome.status === 'failed' && (lost || isConnectionFailure(outcome))) {
      logger.log('error', 'the connection was lost; the next run completes what is left');
      return { outcomes, notRun: units.slice(i + 1), lost: true };
    }
  }
  return { outcomes, notRun: [], lost: false };
}

export async function apply(settings: ApplySettings, logger: Logger): Promise<ApplyReport> {
  const started = Date.now();
  const fileUnits = 'sqlFile' in settings.source ? readUnits(settings.source.sqlFile) : undefined;
  const client = await connect(settings.databaseUrl, { applicationName: 'partition-keeper apply' });
  try {
    await acquireRunLock(client, settings.lockWaitSeconds);
    logger.log('info', 'holding the run lock');
    if (fileUnits) {
      const { outcomes, notRun } = await runUnits(client, fileUnits, settings, logger);
      return { outcomes, notRun, ms: Date.now() - started };
    }
    const { config } = settings.source as { config: Config };
    // Planned under the lock from a fresh snapshot: nothing another run did can be undone or repeated.
    const { plan } = await inspectWith(client, config, settings.now);
    if (creates(plan) === 0) {
      logger.log('info', 'nothing to do: every planned partition exists');
      return { outcomes: [], notRun: [], plan, after: plan, ms: Date.now() - started };
    }
    const sql = renderPlanSql(plan, { strategy: settings.strategy, lockTimeoutMs: settings.lockTimeoutMs });
    const { outcomes, notRun, lost } = await runUnits(client, splitSql(sql), settings, logger);
    const after = lost ? undefined : (await inspectWith(client, config, settings.now)).plan;
    return { outcomes, notRun, plan, ...(after && { after }), ms: Date.now() - started };
  } finally {
    await releaseRunLock(client).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

const creates = (plan: Plan): number => plan.tables.reduce((n, t) => n + t.create.length, 0);

export function summarize(report: ApplyReport): string {
  const count = (status: UnitOutcome['status']): number =>
    report.outcomes.filter((o) => o.status === status).length;
  const slowest = Math.max(0, ...report.outcomes.map((o) => o.ms));
  const retried = report.outcomes.filter((o) => o.attempts > 1).length;
  const statements =
    `${report.outcomes.length + report.notRun.length} statements: ${count('done')} done, ` +
    `${count('already-done')} already done, ${count('failed')} failed, ${report.notRun.length} not run; ` +
    `${retried} retried after lock timeouts; slowest ${slowest} ms; ${(report.ms / 1000).toFixed(1)} s in all`;
  if (!report.plan) return `apply --sql: ${statements}`;
  const planned = creates(report.plan);
  if (!report.after) {
    // The connection was lost, so the catalog could not be read again to count what was made.
    return `apply: connection lost part-way through ${planned} planned partitions; the next run completes what is left (${statements})`;
  }
  const left = creates(report.after);
  return `apply: ${planned - left} of ${planned} planned partitions created, ${left} still missing (${statements})`;
}
