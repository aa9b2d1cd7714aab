// Runs SQL units one at a time, each in its own short transaction with a short lock_timeout,
// retrying lock timeouts with backoff and jitter until the run's deadline. A queued lock request
// blocks every query that arrives after it, so we never wait long in the queue: we leave and retry.
import type pg from 'pg';
import { lockTimeoutStatement } from '../sql/render';
import { firstWords, type SqlUnit } from '../sql/split';

export interface ExecuteOptions {
  lockTimeoutMs: number;
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

/** Statements PostgreSQL refuses inside a transaction block. */
const NO_TRANSACTION = /\bconcurrently\b|^\s*(vacuum|create\s+database|drop\s+database|alter\s+system)\b/i;

function wrap(unit: SqlUnit, lockTimeoutMs: number): string {
  if (unit.transaction) {
    // The file's own BEGIN … COMMIT: set the timeout for just that transaction, right after BEGIN
    // (which may follow a comment: without the SET, the block would wait for locks unbounded).
    const body = firstWords(unit.sql);
    const lead = unit.sql.slice(0, unit.sql.length - body.length);
    return `${lead}${body.replace(
      /^(begin|start\s+transaction)\b[^;]*;/i,
      (begin) => `${begin}\nSET LOCAL lock_timeout = '${lockTimeoutMs}ms';`,
    )}`;
  }
  if (/^\s*(set|reset)\b/i.test(unit.sql) || NO_TRANSACTION.test(unit.sql)) {
    return `${lockTimeoutStatement(lockTimeoutMs)}\n${unit.sql}`;
  }
  return `BEGIN;\nSET LOCAL lock_timeout = '${lockTimeoutMs}ms';\n${unit.sql}\nCOMMIT;`;
}

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
        await client.query(wrap(unit, options.lockTimeoutMs));
        const status = notices.length > 0 && notices.every((n) => ALREADY.test(n)) ? 'already-done' : 'done';
        return { unit, status, attempts, ms: Date.now() - started, notices: [...notices] };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
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
