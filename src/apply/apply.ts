// `apply`: under the run lock, re-plan from a fresh snapshot and run the plan's SQL (or a reviewed
// file, exactly as written) unit by unit; when something failed, read the catalog again to say what is left.
import { readFileSync } from 'node:fs';
import type { Config, Now, Plan } from '../types';
import { inspectWith } from '../core';
import { connect } from '../db/connect';
import type { Logger } from '../log';
import { createStatements, renderPlanSql, type Strategy } from '../sql/render';
import { splitSql, type SqlUnit } from '../sql/split';
import { UsageError } from '../errors';
import type { UnitOutcome } from './execute';
import { closeAll, openConnections, runSequences } from './run';
import { acquireRunLock, releaseRunLock } from './lock';

/** Two connections: the machines this runs beside have two cores, and most servers more. */
export const DEFAULT_JOBS = 2;

export interface ApplySettings {
  databaseUrl: string;
  now: Now;
  strategy: Strategy;
  lockTimeoutMs: number;
  /** Seconds after which no new attempt starts (lock timeouts are retried until then). */
  deadlineSeconds: number;
  /** Seconds to wait for another run's lock before giving up. */
  lockWaitSeconds: number;
  /** Connections creating partitions of different tables at once. */
  jobs: number;
  /** Either a config to plan from, or a reviewed SQL file to run as written. */
  source: { config: Config } | { sqlFile: string };
}

export interface ApplyReport {
  outcomes: UnitOutcome[];
  /** Units not run because the connection was lost or the run deadline passed. */
  notRun: SqlUnit[];
  /** The plan carried out (absent with --sql). */
  plan?: Plan;
  /**
   * Partitions of the plan still missing after the run (absent with --sql, or when the connection
   * was lost): 0 when every statement succeeded, else counted from a fresh snapshot.
   */
  left?: number;
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

/**
 * The rendered plan, split as `apply --sql` would split the file, grouped by table: each table's
 * statements run in order on one connection, and tables run side by side on up to `jobs`.
 * The SET at the top is left out: every connection sets its own lock timeout.
 */
function planSequences(plan: Plan, settings: ApplySettings): SqlUnit[][] {
  const [, ...units] = splitSql(
    renderPlanSql(plan, { strategy: settings.strategy, lockTimeoutMs: settings.lockTimeoutMs }),
  );
  const owners = plan.tables.flatMap((table, index) =>
    table.create.flatMap((create) => createStatements(table, create, settings.strategy).map(() => index)),
  );
  if (owners.length !== units.length) throw new Error('the rendered plan and its statements disagree');
  const sequences = new Map<number, SqlUnit[]>();
  units.forEach((unit, i) => {
    const owner = owners[i] ?? 0;
    const sequence = sequences.get(owner) ?? [];
    sequence.push(unit);
    sequences.set(owner, sequence);
  });
  return [...sequences.values()];
}

export async function apply(settings: ApplySettings, logger: Logger): Promise<ApplyReport> {
  const started = Date.now();
  const fileUnits = 'sqlFile' in settings.source ? readUnits(settings.source.sqlFile) : undefined;
  // DDL and row moves may run long: their lock waits are bounded by lock_timeout, not a statement timeout.
  const client = await connect(settings.databaseUrl, {
    applicationName: 'partition-keeper apply',
    statementTimeoutMs: 0,
  });
  try {
    await acquireRunLock(client, settings.lockWaitSeconds);
    logger.log('info', 'holding the run lock');
    if (fileUnits) {
      // A reviewed file runs in its order, on this one connection.
      const { outcomes, notRun } = await runSequences([client], [fileUnits], settings, logger);
      return { outcomes, notRun, ms: Date.now() - started };
    }
    const { config } = settings.source as { config: Config };
    // The other connections open while the catalog is read and the plan made (one table's
    // partitions are made on one connection, so more than one per table would idle).
    const tables = config.tables.filter((t) => t.enabled).length;
    const opening = openConnections(settings.databaseUrl, Math.min(settings.jobs, tables) - 1);
    opening.catch(() => undefined); // awaited below, unless planning fails first
    try {
      // Planned under the lock from a fresh snapshot: nothing another run did can be undone or repeated.
      const { plan } = await inspectWith(client, config, settings.now);
      const extra = await opening;
      if (creates(plan) === 0) {
        logger.log('info', 'nothing to do: every planned partition exists');
        return { outcomes: [], notRun: [], plan, left: 0, ms: Date.now() - started };
      }
      const { outcomes, notRun, lost } = await runSequences(
        [client, ...extra],
        planSequences(plan, settings),
        settings,
        logger,
      );
      const report = (left?: number): ApplyReport => ({
        outcomes,
        notRun,
        plan,
        ...(left !== undefined && { left }),
        ms: Date.now() - started,
      });
      // Every statement committed: nothing is left, no need to read the catalog again to know it.
      if (notRun.length === 0 && outcomes.every((o) => o.status !== 'failed')) return report(0);
      if (lost) return report(); // no connection left to count what was made
      return report(creates((await inspectWith(client, config, settings.now)).plan));
    } finally {
      await closeAll(await opening.catch(() => []));
    }
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
  if (report.left === undefined) {
    // The connection was lost, so the catalog could not be read again to count what was made.
    return `apply: connection lost part-way through ${planned} planned partitions; the next run completes what is left (${statements})`;
  }
  return `apply: ${planned - report.left} of ${planned} planned partitions created, ${report.left} still missing (${statements})`;
}
