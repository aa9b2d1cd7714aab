// Runs steps: each table's steps in order on one connection, different tables side by side on up to
// `jobs` connections (they never wait on each other's locks). One deadline for the whole run. After
// a failed step the rest of that table's steps are not run; other tables go on. A lost connection is
// one table's problem: its step (or BEGIN … COMMIT block) is tried again on a fresh connection
// (steps are safe to run twice).
import type pg from 'pg';
import type { Logger } from '../log';
import { relationKey } from '../sql/quote';
import {
  sessionFunctionExistsSql,
  sessionFunctionSql,
  type SessionCall,
  type Strategy,
} from '../sql/step-sql';
import { describeStep } from '../steps/describe';
import { isEffect } from '../steps/step';
import { executeEffect } from './effect-step';
import type { EffectRun } from './effects';
import { executeBatch, type Batch, type RetryOptions, type RunnableStep, type StepOutcome } from './execute';

export type { RunnableStep } from './execute';

export interface RunSettings {
  lockTimeoutMs: number;
  /** Epoch ms after which no new step or attempt starts. */
  deadline: number;
  /**
   * Opens a fresh connection when one is lost (absent: the table's remaining steps are not run);
   * the caller closes what it opens.
   */
  reconnect?: (lost: pg.Client) => Promise<pg.Client>;
  /** Carries out the steps that are not SQL (dump, verify, upload, drop); absent: they fail. */
  effects?: EffectRun;
}

/** The server ended the session (admin shutdown, terminated backend) or the socket closed. */
const isConnectionLost = (o: StepOutcome): boolean =>
  /^(57P|08)/.test(o.code ?? '') || /connection terminated|not queryable|ECONNRESET/i.test(o.error ?? '');

interface Session {
  client: pg.Client;
  /** Per strategy: whether apply's session function was made on this session (not yet tried: absent). */
  functions: Map<Strategy, boolean>;
  /** The role's or database's own statement_timeout (ms, 0 for none), to say who cancelled a step. */
  ownStatementTimeoutMs: number;
  /** When statement_timeout was last set to the time left (epoch ms). */
  timeoutSetAt: number;
}

/**
 * Bounds every lock wait by lock_timeout, and every statement by the time left to the deadline
 * (or the role's own statement_timeout, when that is shorter: it stays in force and is named when
 * it cancels a step). The time left shrinks: boundByDeadline sets it again before each batch.
 */
async function openSession(client: pg.Client, settings: RunSettings): Promise<Session> {
  const left = Math.max(1, settings.deadline - Date.now());
  const { rows } = await client.query<{ own: string }>(
    `select set_config('lock_timeout', $1, false),
            -- PL/pgSQL then parses each statement of a step once, when it runs it, and never the
            -- branches it skips: 6% fewer server instructions per create step (callgrind,
            -- BENCHMARKS.md, issue 8). Nothing is lost: these sessions run only SQL we generate
            -- (apply --sql refuses a file whose steps differ from it), tested under psql's default.
            set_config('check_function_bodies', 'off', false),
            set_config('statement_timeout',
              case when reset_val::bigint = 0 or reset_val::bigint > $2 then $2::text else reset_val end, false),
            reset_val as own
       from pg_settings where name = 'statement_timeout'`,
    [`${settings.lockTimeoutMs}ms`, left],
  );
  return {
    client,
    functions: new Map(),
    ownStatementTimeoutMs: Number(rows[0]?.own ?? 0),
    timeoutSetAt: Date.now(),
  };
}

/**
 * How far past the deadline a statement may run, at most: statement_timeout is set to the time left
 * again only once this much has passed since it was last set. (Set before every step, its round
 * trips took 70 ms of Node's time in a profile of an apply of 800 partitions.)
 */
const DEADLINE_SLACK_MS = 1000;

/**
 * statement_timeout set to the time left to the deadline now (or the role's own, when shorter),
 * before a batch and before each statement (or BEGIN) it runs, retries included: set once per
 * session, a later statement could run past the deadline by as long as those before it took.
 */
async function boundByDeadline(session: Session, settings: RunSettings): Promise<void> {
  const now = Date.now();
  if (now - session.timeoutSetAt < DEADLINE_SLACK_MS) return;
  const left = Math.max(1, settings.deadline - now);
  const own = session.ownStatementTimeoutMs;
  const ms = own > 0 && own < left ? own : left;
  await session.client.query("select set_config('statement_timeout', $1, false)", [String(ms)]);
  session.timeoutSetAt = now;
}

/** Whether the session function for `strategy` is made on this session (once; a failure is said once). */
async function sessionFunction(session: Session, strategy: Strategy, logger: Logger): Promise<boolean> {
  const known = session.functions.get(strategy);
  if (known !== undefined) return known;
  try {
    await session.client.query(sessionFunctionSql(strategy));
    session.functions.set(strategy, true);
    return true;
  } catch (error) {
    fallBack(session, strategy, logger, (error as Error).message);
    return false;
  }
}

function fallBack(session: Session, strategy: Strategy, logger: Logger, why: string): void {
  logger.log('info', `create steps run as DO blocks on this connection: ${why}`);
  session.functions.set(strategy, false);
}

// undefined_function, invalid_schema_name: the function may be gone (DISCARD TEMP, or a pooler that
// moved us to another backend), or the step's own parent schema (the DO block would say the same).
const MAYBE_GONE = new Set(['42883', '3F000']);

/**
 * A step with a call, run as that call on this session; undefined when its DO block must run
 * instead: a role without TEMP on the database cannot make the function, and a session may lose it.
 */
async function runCall(
  session: Session,
  s: RunnableStep & { call: SessionCall },
  options: RetryOptions,
  logger: Logger,
): Promise<StepOutcome[] | undefined> {
  if (!(await sessionFunction(session, s.call.strategy, logger))) return undefined;
  const outcomes = await executeBatch(
    session.client,
    { steps: [{ ...s, statements: [s.call.sql] }], transaction: false },
    options,
  );
  const code = outcomes[0]?.code ?? '';
  if (!MAYBE_GONE.has(code)) return outcomes;
  const present = await session.client
    .query<{ present: boolean }>(sessionFunctionExistsSql(s.call.strategy))
    .then(
      (r) => r.rows[0]?.present === true,
      () => false,
    );
  if (present) return outcomes;
  fallBack(session, s.call.strategy, logger, outcomes[0]?.error ?? code);
  return undefined;
}

function explainCancel(outcome: StepOutcome, session: Session, settings: RunSettings): StepOutcome {
  if (outcome.code !== '57014') return outcome;
  const own = session.ownStatementTimeoutMs;
  const error =
    own > 0 && Date.now() < settings.deadline
      ? `cancelled by the role's statement_timeout (${own} ms) while it ran; raise it for this role ` +
        "(ALTER ROLE … SET statement_timeout = '…') or run in a quieter hour"
      : 'cancelled: the run deadline (--deadline) passed while it ran';
  return { ...outcome, error };
}

function logOutcome(logger: Logger, o: StepOutcome, total: number): void {
  const what = `step ${o.index}/${total} ${describeStep(o.step)}`;
  const fields = { step: o.index, status: o.status, ms: o.ms, attempts: o.attempts };
  if (o.status === 'failed') logger.log('error', `failed: ${what}: ${o.error}`, fields);
  else if (o.status === 'not-run') logger.log('warn', `not run: ${what}: ${o.error}`, fields);
  else logger.log('info', `${o.status === 'done' ? 'done' : 'already done'}: ${what}`, fields);
  for (const notice of o.notices) logger.log('info', `  ${notice}`, { step: o.index });
}

const notRun = (s: RunnableStep, why: string): StepOutcome => ({
  step: s.step,
  index: s.index,
  status: 'not-run',
  attempts: 0,
  ms: 0,
  notices: [],
  error: why,
});

const notRunEffect = (s: RunnableStep): StepOutcome => ({
  ...notRun(s, `${s.step.kind} is not SQL and nothing here can carry it out`),
  status: 'failed',
});

/**
 * Groups steps by parent, keeping their order (a table's steps run in order on one connection),
 * and each table's steps into batches: a step alone, or the steps of one BEGIN … COMMIT block.
 */
function byTable(steps: readonly RunnableStep[]): Batch[][] {
  const groups = new Map<string, Batch[]>();
  for (const s of steps) {
    const key = relationKey(s.step.parent);
    const batches = groups.get(key) ?? [];
    const last = batches.at(-1);
    if (s.block !== undefined && last?.transaction && last.steps[0]?.block === s.block) last.steps.push(s);
    else batches.push({ steps: [s], transaction: s.block !== undefined });
    groups.set(key, batches);
  }
  return [...groups.values()];
}

export async function runSteps(
  connections: pg.Client[],
  steps: readonly RunnableStep[],
  settings: RunSettings,
  logger: Logger,
): Promise<StepOutcome[]> {
  const total = Math.max(0, ...steps.map((s) => s.index));
  const outcomes: StepOutcome[] = [];
  const record = (o: StepOutcome): void => {
    outcomes.push(o);
    logOutcome(logger, o, total);
  };
  const queue = byTable(steps);
  const stepsOf = (batches: readonly Batch[]): RunnableStep[] => batches.flatMap((b) => b.steps);
  const run = async (session: Session, batch: Batch): Promise<StepOutcome[]> => {
    try {
      await boundByDeadline(session, settings);
    } catch (error) {
      // The session is gone (or broken): the batch fails as a whole, and a lost connection is retried.
      const code = (error as { code?: unknown }).code;
      return batch.steps.map((s) => ({
        ...notRun(s, (error as Error).message),
        status: 'failed' as const,
        ...(typeof code === 'string' && { code }),
      }));
    }
    const [first] = batch.steps;
    if (batch.steps.length === 1 && first && isEffect(first.step)) {
      if (!settings.effects) return [notRunEffect(first)];
      return [
        explainCancel(
          await executeEffect(session.client, first.step, first.index, settings.effects),
          session,
          settings,
        ),
      ];
    }
    const options = { ...settings, beforeStatement: () => boundByDeadline(session, settings) };
    const called =
      !batch.transaction && first?.call
        ? await runCall(session, { ...first, call: first.call }, options, logger)
        : undefined;
    return (called ?? (await executeBatch(session.client, batch, options))).map((o) =>
      explainCancel(o, session, settings),
    );
  };

  async function runTable(session: Session, table: Batch[]): Promise<Session | undefined> {
    for (const [i, batch] of table.entries()) {
      if (Date.now() >= settings.deadline) {
        for (const rest of stepsOf(table.slice(i))) record(notRun(rest, 'the run deadline passed'));
        return session;
      }
      let results = await run(session, batch);
      const lost = results.find((o) => o.status === 'failed' && isConnectionLost(o));
      if (lost) {
        logger.log('warn', `the connection was lost during step ${lost.index}: ${lost.error}; reconnecting`);
        const fresh = await reopen(session);
        if (!fresh) {
          for (const o of results) record(o);
          for (const rest of stepsOf(table.slice(i + 1))) record(notRun(rest, 'the connection was lost'));
          return undefined;
        }
        session = fresh;
        results = await run(session, batch);
      }
      for (const o of results) record(o);
      const failed = results.find((o) => o.status === 'failed');
      if (failed) {
        for (const rest of stepsOf(table.slice(i + 1))) {
          record(notRun(rest, `step ${failed.index} of this table failed`));
        }
        return session;
      }
    }
    return session;
  }

  async function reopen(lost: Session): Promise<Session | undefined> {
    await lost.client.end().catch(() => undefined);
    if (!settings.reconnect || Date.now() >= settings.deadline) return undefined;
    try {
      return await openSession(await settings.reconnect(lost.client), settings);
    } catch (error) {
      logger.log('error', `could not reconnect: ${(error as Error).message}`);
      return undefined;
    }
  }

  await Promise.all(
    connections.slice(0, Math.max(1, queue.length)).map(async (client) => {
      let session: Session | undefined = await openSession(client, settings);
      for (let table = queue.shift(); table; table = queue.shift()) {
        session = await runTable(session, table);
        if (!session) return; // this worker's connection is gone: the others take the queue
      }
    }),
  );
  // Every worker lost its connection: what is left in the queue was never started.
  for (const s of stepsOf(queue.flat())) record(notRun(s, 'no connection left'));
  return outcomes.sort((a, b) => a.index - b.index);
}
