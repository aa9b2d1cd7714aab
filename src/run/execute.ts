// Runs steps on one connection. A step on its own runs each statement as its own short transaction
// under the session's lock_timeout; steps a reviewer wrapped in BEGIN … COMMIT run in one
// transaction, kept whole: if any statement fails, all of the block is rolled back. Lock timeouts
// are retried (the statement, or the whole block) with backoff and jitter until the run deadline.
// A queued lock request blocks every query that arrives after it, so we never wait long in the
// queue: we leave it and come back. "Already done" comes from the step itself: the notice it raises
// carries ALREADY_DONE in its detail field.
import type pg from 'pg';
import type { Step } from '../steps/step';
import { ALREADY_DONE, STEP_COMPLETE, type SessionCall } from '../sql/step-sql';
import { plural } from '../words';
import { sleep } from './sleep';

export type StepStatus = 'done' | 'already-done' | 'failed' | 'not-run';

export interface StepOutcome {
  step: Step;
  /** The step's number (in a reviewed file, the one its header gives it). */
  index: number;
  status: StepStatus;
  attempts: number;
  ms: number;
  /** Notices the step raised (moved rows …), its "already done" notice left out. */
  notices: string[];
  error?: string;
  /** SQLSTATE of the error, when the server sent one. */
  code?: string;
}

export interface RunnableStep {
  step: Step;
  /** Its number: position in the plan, or the number its header gives it in a reviewed file. */
  index: number;
  statements: string[];
  /**
   * The same step as a call of apply's session function (step-sql.ts), run instead of `statements`
   * where the function could be made. Planned steps only: a reviewed file runs as written.
   */
  call?: SessionCall;
  /** Steps sharing a block number run in one transaction (a reviewer's BEGIN … COMMIT). */
  block?: number;
}

/** What runs as one piece: one step, or the steps of one BEGIN … COMMIT block. */
export interface Batch {
  steps: RunnableStep[];
  transaction: boolean;
}

export interface RetryOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /** First backoff; doubles per attempt up to maxBackoffMs, each scaled by a random 0.5–1.5. */
  backoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  /**
   * Runs before each statement outside a BEGIN … COMMIT block, and before each BEGIN: the runner
   * bounds the statement by the time left to the deadline (a retry near it gets what is left).
   */
  beforeStatement?: () => Promise<void>;
}

// lock_not_available (lock_timeout), deadlock_detected, serialization_failure: someone else's
// transaction was in the way, so the same statement can simply be tried again.
const RETRYABLE = new Set(['55P03', '40P01', '40001']);

/** Whether the statement failed only because someone else's transaction was in the way. */
export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as { code?: string }).code ?? '');
}

/**
 * The wait before trying again after `attempts` attempts (backoff with jitter), or undefined when the
 * next attempt would start after the deadline.
 */
export function retryDelay(attempts: number, options: RetryOptions): number | undefined {
  const random = options.random ?? Math.random;
  const wait =
    Math.min(options.maxBackoffMs ?? 5000, (options.backoffMs ?? 100) * 2 ** (attempts - 1)) *
    (0.5 + random());
  return Date.now() + wait <= options.deadline ? wait : undefined;
}

interface Notice {
  message?: string;
  detail?: string;
}

interface Failure {
  /** Position in the batch of the step that failed. */
  at: number;
  error: unknown;
}

/** Runs a batch; one outcome per step, in order. The first failure ends the batch. */
export async function executeBatch(
  client: pg.Client,
  batch: Batch,
  options: RetryOptions,
): Promise<StepOutcome[]> {
  const started = Date.now();
  // Notices per step of the batch, for the attempt under way.
  let notices: Notice[][] = batch.steps.map(() => []);
  let current = 0;
  const onNotice = (notice: Notice): void => void notices[current]?.push(notice);
  client.on('notice', onNotice);
  let attempts = 0;

  const outcome = (i: number, status: StepStatus, extra: Partial<StepOutcome> = {}): StepOutcome => {
    const s = batch.steps[i]!;
    const own = notices[i] ?? [];
    return {
      step: s.step,
      index: s.index,
      status,
      attempts,
      ms: Date.now() - started,
      notices: own.filter((n) => n.detail !== ALREADY_DONE).map((n) => n.message ?? ''),
      ...extra,
    };
  };
  /** Whether every statement of step i said it found its work already done. */
  const alreadyDone = (i: number, statements: number): boolean =>
    statements > 0 && (notices[i] ?? []).filter((n) => n.detail === ALREADY_DONE).length >= statements;

  /** One attempt at the whole block, in one transaction: the failure, if any (all rolled back). */
  async function attemptBlock(): Promise<Failure | undefined> {
    try {
      await options.beforeStatement?.();
      await client.query('BEGIN');
    } catch (error) {
      return { at: 0, error };
    }
    for (const [i, s] of batch.steps.entries()) {
      current = i;
      for (const sql of s.statements) {
        try {
          await client.query(sql);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          return { at: i, error };
        }
      }
    }
    try {
      await client.query('COMMIT');
      return undefined;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return { at: batch.steps.length - 1, error };
    }
  }

  try {
    if (!batch.transaction) {
      // One step, each statement its own transaction: a lock timeout retries just that statement.
      return [await runAlone()];
    }
    for (;;) {
      attempts += 1;
      notices = batch.steps.map(() => []);
      const failure = await attemptBlock();
      if (!failure) {
        return batch.steps.map((s, i) =>
          outcome(i, alreadyDone(i, s.statements.length) ? 'already-done' : 'done'),
        );
      }
      const retryIn = backoff(failure.error);
      if (retryIn === undefined) {
        const failed = outcome(failure.at, 'failed', failedWith(failure.error));
        const failedStep = batch.steps[failure.at]!.index;
        return batch.steps.map((_, i) =>
          i === failure.at
            ? failed
            : outcome(i, 'not-run', {
                error:
                  i < failure.at
                    ? `rolled back: step ${failedStep} of its BEGIN … COMMIT block failed`
                    : `step ${failedStep} of its BEGIN … COMMIT block failed`,
              }),
        );
      }
      await sleep(retryIn);
    }
  } finally {
    client.off('notice', onNotice);
  }

  /**
   * A step of several statements (a DETACH … CONCURRENTLY between its checks) starts over from its
   * first statement after a lock timeout, since that one checks where things stand (a detach cut off
   * half-way is left pending, and the check finalizes it). Its first statement may find the whole
   * step done (ALREADY_DONE), and any statement may finish it (STEP_COMPLETE): the rest is skipped.
   */
  async function runAlone(): Promise<StepOutcome> {
    const s = batch.steps[0]!;
    current = 0;
    for (let n = 0; n < s.statements.length;) {
      attempts += 1;
      const before = notices[0]!.length;
      try {
        await options.beforeStatement?.();
        await client.query(s.statements[n]!);
      } catch (error) {
        notices[0]!.length = before;
        const retryIn = backoff(error);
        if (retryIn === undefined) return outcome(0, 'failed', failedWith(error));
        await sleep(retryIn);
        n = 0;
        continue;
      }
      const said = notices[0]!.slice(before).map((notice) => notice.detail);
      if (said.includes(STEP_COMPLETE)) return outcome(0, 'done');
      if (n === 0 && s.statements.length > 1 && said.includes(ALREADY_DONE))
        return outcome(0, 'already-done');
      n += 1;
    }
    return outcome(0, alreadyDone(0, s.statements.length) ? 'already-done' : 'done');
  }

  /** How long to wait before trying again, or undefined when the error is final. */
  function backoff(error: unknown): number | undefined {
    return isRetryable(error) ? retryDelay(attempts, options) : undefined;
  }

  function failedWith(error: unknown): Partial<StepOutcome> {
    const code = (error as { code?: string }).code ?? '';
    const gaveUp = RETRYABLE.has(code)
      ? ` (gave up at the run deadline after ${plural(attempts, 'attempt')})`
      : '';
    return { error: `${(error as Error).message}${gaveUp}`, ...(code && { code }) };
  }
}
