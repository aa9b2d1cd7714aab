// Runs sequences of SQL units: each sequence in order on one connection, several sequences at once
// on up to `jobs` connections (different tables never wait on each other's locks). One deadline
// for the whole run; a lost connection stops every sequence, and what was not run is reported.
import type pg from 'pg';
import { connect } from '../db/connect';
import type { Logger } from '../log';
import type { SqlUnit } from '../sql/split';
import { ALREADY, executeUnit, setLockTimeout, type UnitOutcome } from './execute';

export interface RunSettings {
  lockTimeoutMs: number;
  deadlineSeconds: number;
}

export interface RunResult {
  outcomes: UnitOutcome[];
  /** Units not run because the connection was lost or the run deadline passed. */
  notRun: SqlUnit[];
  lost: boolean;
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

// Anything that may change the session's lock_timeout: SET / RESET of it, SET LOCAL inside a
// BEGIN … COMMIT block (in force for that block only), set_config(), RESET ALL.
const TOUCHES_LOCK_TIMEOUT = /\block_timeout\b|\bset_config\s*\(|\breset\s+all\b/i;

interface RunState extends RunResult {
  deadline: number;
}

async function runSequence(
  client: pg.Client,
  units: SqlUnit[],
  settings: RunSettings,
  logger: Logger,
  state: RunState,
): Promise<void> {
  let context = '';
  for (const [i, unit] of units.entries()) {
    // No new attempt starts after the deadline (executeUnit only checks it between retries).
    if (state.lost || Date.now() >= state.deadline) {
      state.notRun.push(...units.slice(i));
      return;
    }
    // A statement without a comment of its own continues the step group of the one before.
    if (unit.comment) context = /^SET\b/i.test(unit.sql) ? '' : (unit.comment.split('\n').at(-1) ?? '');
    const outcome = await executeUnit(client, unit, { deadline: state.deadline });
    state.outcomes.push(outcome);
    // Our per-attempt bound stays in force whatever the file sets: a long lock wait stalls production.
    if (TOUCHES_LOCK_TIMEOUT.test(unit.sql)) await setLockTimeout(client, settings.lockTimeoutMs);
    logOutcome(logger, outcome, context);
    if (outcome.status === 'failed' && isConnectionFailure(outcome)) {
      if (!state.lost) logger.log('error', 'the connection was lost; the next run completes what is left');
      state.lost = true;
      state.notRun.push(...units.slice(i + 1));
      return;
    }
  }
}

/**
 * Opens `count` more connections at once (tables run side by side on them). All or none: when one
 * fails, the others are closed and the failure is thrown.
 */
export async function openConnections(databaseUrl: string, count: number): Promise<pg.Client[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(0, count) }, () =>
      connect(databaseUrl, { applicationName: 'partition-keeper apply', statementTimeoutMs: 0 }),
    ),
  );
  const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await closeAll(opened);
    throw failed.reason;
  }
  return opened;
}

export async function closeAll(connections: pg.Client[]): Promise<void> {
  await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
}

/** Runs the sequences, each whole on one connection, on as many of `connections` as there are sequences. */
export async function runSequences(
  connections: pg.Client[],
  sequences: SqlUnit[][],
  settings: RunSettings,
  logger: Logger,
): Promise<RunResult> {
  const state: RunState = {
    outcomes: [],
    notRun: [],
    lost: false,
    deadline: Date.now() + settings.deadlineSeconds * 1000,
  };
  const queue = [...sequences];
  await Promise.all(
    connections.slice(0, Math.max(1, sequences.length)).map(async (connection) => {
      await setLockTimeout(connection, settings.lockTimeoutMs);
      for (let next = queue.shift(); next; next = queue.shift()) {
        await runSequence(connection, next, settings, logger, state);
      }
    }),
  );
  if (state.notRun.length > 0 && !state.lost) {
    logger.log(
      'error',
      `the run deadline passed; ${state.notRun.length} statements not run, the next run does them`,
    );
  }
  return { outcomes: state.outcomes, notRun: state.notRun, lost: state.lost };
}
