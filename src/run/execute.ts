// Runs one step on one connection: its statements in order, each its own short transaction under
// the session's lock_timeout, lock timeouts retried with backoff and jitter until the run deadline.
// A queued lock request blocks every query that arrives after it, so we never wait long in the
// queue: we leave it and come back. "Already done" comes from the step itself: the notice it raises
// carries ALREADY_DONE in its detail field.
import type pg from 'pg';
import type { Step } from '../steps/step';
import { ALREADY_DONE } from '../sql/step-sql';
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

/** A unit runs as one query: one statement, or an explicit BEGIN … COMMIT block kept whole. */
export interface Unit {
  sql: string;
  transaction: boolean;
}

export interface RetryOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /** First backoff; doubles per attempt up to maxBackoffMs, each scaled by a random 0.5–1.5. */
  backoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
}

// lock_not_available (lock_timeout), deadlock_detected, serialization_failure: someone else's
// transaction was in the way, so the same statement can simply be tried again.
const RETRYABLE = new Set(['55P03', '40P01', '40001']);

interface Notice {
  message?: string;
  detail?: string;
}

/** Runs `units` in order; the first failure ends the step (a block that fails is rolled back whole). */
export async function executeStep(
  client: pg.Client,
  step: Step,
  index: number,
  units: readonly Unit[],
  options: RetryOptions,
): Promise<StepOutcome> {
  const started = Date.now();
  const random = options.random ?? Math.random;
  const notices: Notice[] = [];
  const onNotice = (notice: Notice): void => void notices.push(notice);
  client.on('notice', onNotice);
  let attempts = 0;
  const outcome = (status: StepStatus, extra: Partial<StepOutcome> = {}): StepOutcome => ({
    step,
    index,
    status,
    attempts,
    ms: Date.now() - started,
    notices: notices.filter((n) => n.detail !== ALREADY_DONE).map((n) => n.message ?? ''),
    ...extra,
  });
  try {
    let already = units.length > 0;
    for (const unit of units) {
      for (;;) {
        attempts += 1;
        const before = notices.length;
        try {
          await client.query(unit.sql);
          already &&= notices.slice(before).some((n) => n.detail === ALREADY_DONE);
          break;
        } catch (error) {
          // An explicit block that failed part-way leaves its transaction open: undo all of it.
          if (unit.transaction) await client.query('ROLLBACK').catch(() => undefined);
          notices.length = before;
          const code = (error as { code?: string }).code ?? '';
          const backoff =
            Math.min(options.maxBackoffMs ?? 5000, (options.backoffMs ?? 100) * 2 ** (attempts - 1)) *
            (0.5 + random());
          if (!RETRYABLE.has(code) || Date.now() + backoff > options.deadline) {
            const gaveUp = RETRYABLE.has(code)
              ? ` (gave up at the run deadline after ${attempts} attempt${attempts === 1 ? '' : 's'})`
              : '';
            return outcome('failed', {
              error: `${(error as Error).message}${gaveUp}`,
              ...(code && { code }),
            });
          }
          await sleep(backoff);
        }
      }
    }
    return outcome(already ? 'already-done' : 'done');
  } finally {
    client.off('notice', onNotice);
  }
}
