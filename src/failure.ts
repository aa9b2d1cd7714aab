// What a thrown error means for the user: the exit code, and a message safe to print.
import { RunLockBusy } from './run/lock';
import { CatalogLockTimeout, CatalogReadTimeout } from './catalog/transaction';
import { CatalogChanged } from './catalog/names';
import { ConfigError } from './config/errors';
import { ConnectionError, redact } from './db/connect';
import { EXIT, UsageError } from './errors';

export interface Failure {
  code: number;
  /** The message with the database password removed. */
  message: string;
  /** Not one of ours: a bug or an unexpected server error, worth saying so. */
  unexpected: boolean;
}

export function describeFailure(error: unknown, databaseUrl: string): Failure {
  const message = redact((error as Error)?.message ?? String(error), databaseUrl);
  if (error instanceof ConfigError || error instanceof UsageError) {
    return { code: EXIT.usage, message, unexpected: false };
  }
  if (error instanceof ConnectionError) return { code: EXIT.connection, message, unexpected: false };
  // Another run holds the lock, or another session a table we read: this run did not do its job
  // (exit 1), and the message says why.
  const expected =
    error instanceof RunLockBusy ||
    error instanceof CatalogLockTimeout ||
    error instanceof CatalogReadTimeout ||
    error instanceof CatalogChanged;
  return { code: EXIT.failed, message, unexpected: !expected };
}
