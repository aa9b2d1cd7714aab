// pg_dump of one table into a file, streamed: the file is written and hashed as pg_dump produces
// it, so memory stays flat whatever the table's size. Connection parameters reach pg_dump through
// its environment (tools.ts), never the command line.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { ConnInfo, Env } from '../../db/conninfo';
import type { QualifiedName } from '../../types';
import type { DatabaseIdentity } from './manifest';
import {
  DumpToolError,
  PG_BIN_VARIABLE,
  checkToolVersion,
  failure,
  runTool,
  type DumpTarget,
  type RunOptions,
  type ServerVersion,
} from './tools';

export {
  DumpToolError,
  PG_BIN_VARIABLE,
  type DumpTarget,
  type RunOptions,
  type ServerVersion,
} from './tools';

export interface DumpResult {
  size: number;
  /** Lower-case hex. */
  sha256: string;
  /** `pg_dump --version`, e.g. "pg_dump (PostgreSQL) 15.10". */
  pgDumpVersion: string;
}

/**
 * How long pg_dump waits for its ACCESS SHARE lock on the table before giving up. The table is
 * detached (and moved) by then, so nobody else should hold it; never an unbounded wait.
 */
export const DUMP_LOCK_WAIT_MS = 30_000;

/** The server's version, as a DumpTarget wants it. */
export async function readServerVersion(client: pg.Client): Promise<ServerVersion> {
  const { rows } = await client.query<{ text: string; num: string }>(
    "SELECT current_setting('server_version') AS text, current_setting('server_version_num') AS num",
  );
  const row = rows[0];
  if (!row) throw new Error('the server did not say its version');
  return { text: row.text, num: Number(row.num) };
}

/**
 * Which database this session is in, for the manifest: current_database(), and the cluster's system
 * identifier where the role may call pg_control_system() (PostgreSQL 15 lets any role by default;
 * a provider may revoke it, and then the name alone is recorded).
 */
export async function readDatabaseIdentity(client: pg.Client): Promise<DatabaseIdentity> {
  const query = (cluster: string) =>
    client.query<{ name: string; cluster: string | null }>(
      `SELECT current_database() AS name, ${cluster} AS cluster`,
    );
  // A server whose pg_control_system() fails although granted (a managed fork: missing, refused or
  // unsupported) still has a name. Any other failure (a timeout, a lost connection) is an error: the
  // name alone would match a same-named database on another cluster.
  const NO_CLUSTER_ID = new Set(['42883', '42501', '0A000']);
  const { rows } = await query(
    `CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
          THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END`,
  ).catch((error: unknown) => {
    if (NO_CLUSTER_ID.has((error as { code?: string }).code ?? '')) return query('NULL');
    throw error;
  });
  const row = rows[0];
  if (!row) throw new Error('the server did not say which database this is');
  return { name: row.name, ...(row.cluster ? { systemIdentifier: row.cluster } : {}) };
}

/** A DumpTarget for `conn`, with the binary directory taken from PARTITION_KEEPER_PG_BIN in `env`. */
export function dumpTarget(conn: ConnInfo, server: ServerVersion, env: Env): DumpTarget {
  const pgBin = env[PG_BIN_VARIABLE]?.trim();
  return { conn, server, env, ...(pgBin ? { pgBin } : {}) };
}

/**
 * The table as a pg_dump --table pattern that matches it alone: both parts double-quoted, so case,
 * dots, `*`, `?` and regex characters are literal (a `"` is doubled, as in SQL).
 */
export function tablePattern(table: QualifiedName): string {
  const quote = (part: string): string => `"${part.replace(/"/g, '""')}"`;
  return `${quote(table.schema)}.${quote(table.name)}`;
}

/**
 * `pg_dump -Fc` of exactly `table` (its definition and rows) into `file`, hashed as it is written.
 * Checks first that pg_dump exists and is not older than the server (DumpToolError naming both
 * versions and how to install the right client). The dump is written to `<file>.partial` and
 * renamed when complete, so a killed run never leaves a file that looks whole; a failed dump
 * leaves nothing behind. `options.signal` (the run's deadline) stops pg_dump when it aborts.
 */
export async function dumpTable(
  target: DumpTarget,
  table: QualifiedName,
  file: string,
  options: RunOptions = {},
): Promise<DumpResult> {
  const pgDumpVersion = await checkToolVersion(target, 'pg_dump');
  const partial = `${file}.partial`;
  const run = runTool(
    target,
    'pg_dump',
    [
      '--format=custom',
      '--no-password',
      `--lock-wait-timeout=${DUMP_LOCK_WAIT_MS}`,
      '--strict-names',
      `--table=${tablePattern(table)}`,
    ],
    options,
  );
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  let written: Error | undefined;
  try {
    await pipeline(run.child.stdout, count, createWriteStream(partial));
  } catch (error) {
    written = error as Error;
    run.child.kill();
  }
  const result = await run.done;
  const what = `pg_dump of ${tablePattern(table)}`;
  if (result.spawnError || result.code !== 0 || written) {
    await rm(partial, { force: true });
    const reason =
      result.spawnError && result.spawnError.name !== 'AbortError'
        ? result.spawnError.message
        : result.spawnError || result.code !== 0
          ? failure(result)
          : `writing ${partial}: ${written?.message}`;
    throw new DumpToolError(`${what} failed: ${reason}`);
  }
  await rename(partial, file);
  return { size, sha256: hash.digest('hex'), pgDumpVersion };
}
