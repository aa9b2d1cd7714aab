// Runs SQL units one at a time, each its own short transaction under the session's short
// lock_timeout, retrying lock timeouts with backoff and jitter until the run's deadline. A queued
// lock request blocks every query that arrives after it, so we never wait long in the queue: we
// leave it and come back.
import type pg from 'pg';
import { lockTimeoutStatement } from '../sql/render';
import type { SqlUnit } from '../sql/split';

/** Sets the per-attempt lock wait for the session; every unit after it runs under it. */
export async function setLockTimeout(client: pg.Client, ms: number): Promise<void> {
  await client.query(lockTimeoutStatement(ms));
}

export interface ExecuteOptions {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  /** First backoff; doubles per attempt up to maxBackoffMs, each scaled by a random 0.5–1.5. */
  backoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
}

export type UnitStatus = 'done' | 'already-done' | 'failed';

export interface UnitOutcome {
  unit: SqlUnit;
  status: UnitStatus;
  attempts: number;
  ms: number;
  notices: string[];
  error?: string;
  /** SQLSTATE of the error, when the server sent one. */
  code?: string;
}

// lock_not_available (lock_timeout), deadlock_detected, serialization_failure: someone else's
// transaction was in the way, so the same statement can simply be tried again.
const RETRYABLE = new Set(['55P03', '40P01', '40001']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The notices of a step with nothing left to do (CREATE … IF NOT EXISTS, and our DO blocks). */
export const ALREADY = /already exists, skipping/;

export async function executeUnit(
  client: pg.Client,
  unit: SqlUnit,
  options: ExecuteOptions,
): Promise<UnitOutcome> {
  const started = Date.now();
  const random = options.random ?? Math.random;
  const notices: string[] = [];
  const onNotice = (notice: { message?: string }): void => void notices.push(notice.message ?? '');
  client.on('notice', onNotice);
  let attempts = 0;
  try {
    for (;;) {
      attempts += 1;
      notices.length = 0;
      try {
        // Run as written: a single statement is its own transaction, a BEGIN … COMMIT block one
        // transaction; the session's lock_timeout (set once by the caller) bounds every lock wait.
        await client.query(unit.sql);
        const status = notices.length > 0 && notices.every((n) => ALREADY.test(n)) ? 'already-done' : 'done';
        return { unit, status, attempts, ms: Date.now() - started, notices: [...notices] };
      } catch (error) {
        if (unit.transaction) await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code ?? '';
        const backoff =
          Math.min(options.maxBackoffMs ?? 5000, (options.backoffMs ?? 100) * 2 ** (attempts - 1)) *
          (0.5 + random());
        if (!RETRYABLE.has(code) || Date.now() + backoff > options.deadline) {
          const gaveUp = RETRYABLE.has(code)
            ? ` (gave up at the run deadline after ${attempts} attempts)`
            : '';
          return {
            unit,
            status: 'failed',
            attempts,
            ms: Date.now() - started,
            notices: [...notices],
            error: `${(error as Error).message}${gaveUp}`,
            ...(code && { code }),
          };
        }
        await sleep(backoff);
      }
    }
  } finally {
    client.off('notice', onNotice);
  }
}
