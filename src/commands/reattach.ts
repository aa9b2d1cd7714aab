// `reattach TABLE`: an archived table put back (the seed's rollback) — into its parent's schema,
// attached with the bounds of its origin mark, rows of that range moved out of DEFAULT first.
// `reattach --from-dump FILE|s3://…`: the dump verified against its manifest and restored first.
// Under the run lock, the lock bound and the deadline, like apply.
import { parseOrigin } from '../catalog/origin';
import { connect } from '../db/connect';
import { parseConnInfo } from '../db/conninfo';
import { EXIT, UsageError } from '../errors';
import type { Logger } from '../log';
import type { Settings } from '../settings';
import { parseQualifiedName, quoteQualified } from '../sql/quote';
import { stepStatements } from '../sql/step-sql';
import type { ReattachStep } from '../steps/step';
import { describeStep } from '../steps/describe';
import type { OriginMark, QualifiedName } from '../types';
import {
  DumpToolError,
  DumpVerificationError,
  StoreError,
  dumpTarget,
  readServerVersion,
} from '../run/archive';
import { APPLY_APPLICATION_NAME } from '../run/connections';
import type { StepOutcome } from '../run/execute';
import { acquireRunLock, releaseRunLock } from '../run/lock';
import { RestoreError, restoreFromDump } from '../run/restore';
import { runSteps } from '../run/runner';
import type { CommandResult } from './result';

export class ReattachRefused extends Error {
  override name = 'ReattachRefused';
}

function tableArgument(text: string): QualifiedName {
  try {
    return parseQualifiedName(text);
  } catch (error) {
    throw new UsageError(`reattach: the table ${(error as Error).message}`);
  }
}

export interface ReattachReport {
  step?: ReattachStep;
  outcome?: StepOutcome;
  restored: boolean;
}

export async function reattach(
  settings: Settings,
  logger: Logger,
  env = process.env,
): Promise<ReattachReport> {
  const deadline = Date.now() + settings.deadlineSeconds * 1000;
  const named = settings.reattachTable === undefined ? undefined : tableArgument(settings.reattachTable);
  const client = await connect(settings.databaseUrl, { applicationName: APPLY_APPLICATION_NAME });
  try {
    await acquireRunLock(client, Math.min(settings.lockWaitSeconds, settings.deadlineSeconds));
    try {
      let table = named;
      let restored = false;
      // From a dump, its verified manifest says what the table is (and the restored table carries its mark).
      let fromManifest: OriginMark | undefined;
      if (settings.fromDump !== undefined) {
        const target = dumpTarget(
          parseConnInfo(settings.databaseUrl, env),
          await readServerVersion(client),
          env,
        );
        const fetched = await restoreFromDump(
          client,
          target,
          settings.fromDump,
          env,
          AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        );
        table = fetched.table;
        restored = fetched.restored;
        fromManifest = { parent: fetched.parent, from: fetched.manifest.from, to: fetched.manifest.to };
        logger.log(
          'info',
          restored
            ? `restored ${quoteQualified(table)} from ${settings.fromDump} (${fetched.manifest.rows} rows, verified against its manifest)`
            : `${quoteQualified(table)} is there already: not restored again`,
        );
      }
      if (!table) throw new UsageError('reattach: no table');
      const { rows } = await client.query<{ mark: string | null; found: boolean }>(
        "select to_regclass($1) is not null as found, obj_description(to_regclass($1), 'pg_class') as mark",
        [quoteQualified(table)],
      );
      const origin = fromManifest ?? parseOrigin(rows[0]?.mark);
      if (!rows[0]?.found) {
        throw new ReattachRefused(
          `${quoteQualified(table)} does not exist; if it was dropped, reattach --from-dump its dump`,
        );
      }
      if (!origin || 'problem' in origin) {
        throw new ReattachRefused(
          `${quoteQualified(table)} carries no partition-keeper origin mark${origin ? ` (${origin.problem})` : ''}: ` +
            'reattach puts back only what partition-keeper archived',
        );
      }
      const step: ReattachStep = {
        kind: 'reattach',
        parent: origin.parent,
        partition: table,
        from: origin.from,
        to: origin.to,
      };
      const statements = stepStatements(step, settings.strategy);
      const [outcome] = await runSteps(
        [client],
        [{ step, index: 1, statements }],
        { lockTimeoutMs: settings.lockTimeoutMs, deadline },
        logger,
      );
      return { step, restored, ...(outcome && { outcome }) };
    } finally {
      await releaseRunLock(client).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Refusals and failed verifications: the command's answer (exit 1), not an unexpected failure. */
const expected = (error: unknown): boolean =>
  error instanceof ReattachRefused ||
  error instanceof RestoreError ||
  error instanceof DumpVerificationError ||
  error instanceof DumpToolError ||
  error instanceof StoreError;

export async function reattachCommand(settings: Settings, logger: Logger): Promise<CommandResult> {
  let report: ReattachReport;
  try {
    report = await reattach(settings, logger);
  } catch (error) {
    if (!expected(error)) throw error;
    const output = `reattach: refused, nothing was attached: ${(error as Error).message}\n`;
    return {
      output,
      exitCode: EXIT.failed,
      data: { summary: output.trim(), status: 'refused', restored: false },
    };
  }
  const ok = report.outcome?.status === 'done' || report.outcome?.status === 'already-done';
  const what = report.step ? describeStep(report.step) : 'reattach';
  const output = ok
    ? `reattach: ${report.outcome?.status === 'done' ? 'done' : 'already done'}: ${what}\n`
    : `reattach: failed: ${what}: ${report.outcome?.error ?? 'not run'}\n`;
  return {
    output,
    exitCode: ok ? EXIT.ok : EXIT.failed,
    data: { summary: output.trim(), status: report.outcome?.status ?? 'not-run', restored: report.restored },
  };
}
