// `apply`: under the run lock, plan again from a fresh snapshot and run its steps; or, with --sql,
// run the steps of a reviewed file exactly as written (a file that is not what it says is refused
// before anything runs). One deadline covers the whole run, planning included.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { catalogBoundsBy, inspectWith, readConfig } from '../core';
import { connect } from '../db/connect';
import { EXIT, UsageError } from '../errors';
import type { Logger } from '../log';
import type { Settings } from '../settings';
import { readReviewedFile, ReviewedFileError } from '../sql/reviewed-file';
import { quoteQualified } from '../sql/quote';
import { sessionCall, stepStatements } from '../sql/step-sql';
import { buildSteps } from '../steps/build';
import { APPLY_APPLICATION_NAME, closeAll, openConnections } from '../run/connections';
import type { StepOutcome } from '../run/execute';
import { applyCounts, archivalCounts, summarize, type ApplyReport } from '../report/apply';
import { EffectRun } from '../run/effects';
import { acquireRunLock, releaseRunLock } from '../run/lock';
import { runSteps, type RunnableStep } from '../run/runner';
import { judge } from '../report/verdict';
import type { CommandResult } from './result';

async function readFileSteps(file: string): Promise<RunnableStep[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--sql: cannot read ${file}`);
  }
  try {
    const reviewed = await readReviewedFile(text);
    return reviewed.steps.map(({ step, strategy, index, block }) => ({
      step,
      index,
      statements: stepStatements(step, strategy),
      ...(block !== undefined && { block }),
    }));
  } catch (error) {
    if (error instanceof ReviewedFileError) {
      throw new UsageError(`--sql ${file}: refused, nothing was run: ${error.message}`);
    }
    throw error;
  }
}

const tablesIn = (steps: readonly RunnableStep[]): number =>
  new Set(steps.map((s) => quoteQualified(s.step.parent))).size;

export async function apply(settings: Settings, logger: Logger): Promise<ApplyReport> {
  const started = Date.now();
  const deadline = started + settings.deadlineSeconds * 1000;
  // A reviewed file is read, and refused if it must be, before any connection is made.
  const fileSteps = settings.sqlFile === undefined ? undefined : await readFileSteps(settings.sqlFile);
  const config = fileSteps ? undefined : readConfig(settings);
  const client = await connect(settings.databaseUrl, { applicationName: APPLY_APPLICATION_NAME });
  const opened: pg.Client[] = [];
  // The session holding the run lock; when it is the one lost, the lock went with it.
  let lockHolder = client;
  const reconnect = async (lost: pg.Client): Promise<pg.Client> => {
    const fresh = await connect(settings.databaseUrl, { applicationName: APPLY_APPLICATION_NAME });
    opened.push(fresh);
    if (lost === lockHolder) {
      await acquireRunLock(fresh, 0); // throws RunLockBusy when another run took it meanwhile
      lockHolder = fresh;
      logger.log('info', 'holding the run lock again, on a fresh connection');
    }
    return fresh;
  };
  // Dumps, verification, storage and drops (archival steps that are not SQL), with their local files.
  const effects = new EffectRun(settings.databaseUrl, deadline);
  const run = (steps: RunnableStep[], connections: pg.Client[]): Promise<StepOutcome[]> =>
    runSteps(
      connections,
      steps,
      { lockTimeoutMs: settings.lockTimeoutMs, deadline, reconnect, effects },
      logger,
    );
  try {
    const lockWait = Math.min(settings.lockWaitSeconds, Math.max(0, (deadline - Date.now()) / 1000));
    await acquireRunLock(client, lockWait);
    logger.log('info', 'holding the run lock');
    if (fileSteps) {
      opened.push(
        ...(await openConnections(settings.databaseUrl, Math.min(settings.jobs, tablesIn(fileSteps)) - 1)),
      );
      const outcomes = await run(fileSteps, [client, ...opened]);
      return { outcomes, deferred: 0, ms: Date.now() - started };
    }
    const tables = (config?.tables ?? []).filter((t) => t.enabled).length;
    // The other connections open while the catalog is read and the plan made.
    const opening = openConnections(settings.databaseUrl, Math.min(settings.jobs, tables) - 1);
    opening.catch(() => undefined); // awaited below, unless planning fails first
    try {
      // Planned under the lock from a fresh snapshot: nothing another run did is undone or repeated.
      const { plan } = await inspectWith(
        client,
        config!,
        settings.now,
        catalogBoundsBy(settings.catalogLockWaitSeconds, deadline),
      );
      opened.push(...(await opening));
      const deferred = plan.tables.reduce((n, t) => n + t.deferred, 0);
      const steps = buildSteps(plan);
      if (steps.length === 0)
        logger.log('info', 'nothing to do: every planned partition exists, nothing to archive');
      const outcomes = await run(
        steps.map((step, i) => {
          const call = sessionCall(step, settings.strategy);
          return {
            step,
            index: i + 1,
            statements: stepStatements(step, settings.strategy),
            ...(call && { call }),
          };
        }),
        [client, ...opened],
      );
      const report = { outcomes, plan, deferred, ms: 0 };
      const allDone = outcomes.every((o) => o.status === 'done' || o.status === 'already-done');
      if (allDone) return { ...report, left: 0, ms: Date.now() - started };
      // Something failed: read the catalog again to say what is left (when we still can).
      const again = await inspectWith(client, config!, settings.now).catch(() => undefined);
      const left = again?.plan.tables.reduce((n, t) => n + t.create.length, 0);
      // left counts partitions still to create; archival left undone shows in the step counts
      return { ...report, ...(left !== undefined && { left }), ms: Date.now() - started };
    } finally {
      await opening.catch(() => undefined);
    }
  } finally {
    await releaseRunLock(lockHolder).catch(() => undefined);
    await closeAll([client, ...opened]);
    await effects.close();
  }
}

export function applyExitCode(report: ApplyReport): number {
  const c = applyCounts(report);
  if (c.failed > 0 || c.notRun > 0 || report.deferred > 0) return EXIT.failed;
  if (report.plan && judge(report.plan).configProblems.length > 0) return EXIT.usage;
  return EXIT.ok;
}

export async function applyCommand(
  settings: Settings,
  logger: Logger,
): Promise<CommandResult & { report: ApplyReport }> {
  const report = await apply(settings, logger);
  const output = `${summarize(report)}\n`;
  const data = {
    summary: summarize(report),
    ...applyCounts(report),
    ...(report.plan && {
      planned: report.outcomes.filter((o) => o.step.kind === 'create').length,
      left: report.left ?? null,
      archival: archivalCounts(report),
    }),
    deferred: report.deferred,
  };
  return { output, exitCode: applyExitCode(report), data, report };
}
