// pg_dump of one table into a file, streamed: the file is written and hashed as pg_dump produces
// it, so memory stays flat whatever the table's size. Connection parameters reach pg_dump and
// pg_restore through their environment (PGHOST, PGPASSWORD, …), never the command line, where
// `ps` would show them. Their stderr is kept for error messages, with any secret masked.
import type pg from 'pg';
import type { ConnInfo, Env } from '../../db/conninfo';
import type { QualifiedName } from '../../types';

/** Where pg_dump and pg_restore connect, and which binaries run. */
export interface DumpTarget {
  /** The database, as parsed from the URL and PG* variables (parseConnInfo). */
  conn: ConnInfo;
  /** The server's version (readServerVersion), checked against pg_dump's before dumping. */
  server: ServerVersion;
  /**
   * Directory holding pg_dump and pg_restore (from PARTITION_KEEPER_PG_BIN); absent: found on PATH.
   * Lets a machine with several client versions pick the one matching the server.
   */
  pgBin?: string;
  /** Environment the tools run in (PATH, HOME, …); its PG* variables are replaced by `conn`'s. */
  env: Env;
}

export interface ServerVersion {
  /** server_version, e.g. "15.10 (Debian 15.10-1.pgdg120+1)". */
  text: string;
  /** server_version_num, e.g. 150010. */
  num: number;
}

/** The name of the variable that chooses the directory of pg_dump and pg_restore. */
export const PG_BIN_VARIABLE = 'PARTITION_KEEPER_PG_BIN';

/** A missing pg_dump/pg_restore, one older than the server, or one that failed: what and what to do. */
export class DumpToolError extends Error {
  override name = 'DumpToolError';
}

export interface DumpResult {
  size: number;
  /** Lower-case hex. */
  sha256: string;
  /** `pg_dump --version`, e.g. "pg_dump (PostgreSQL) 15.10". */
  pgDumpVersion: string;
}

/** The server's version, as a DumpTarget wants it. */
export async function readServerVersion(_client: pg.Client): Promise<ServerVersion> {
  throw new Error('not yet');
}

/** A DumpTarget for `conn`, with the binary directory taken from PARTITION_KEEPER_PG_BIN in `env`. */
export function dumpTarget(_conn: ConnInfo, _server: ServerVersion, _env: Env): DumpTarget {
  throw new Error('not yet');
}

/**
 * `pg_dump -Fc` of exactly `table` (its definition and rows) into `file`, hashed as it is written.
 * Checks first that pg_dump exists and is not older than the server (DumpToolError naming both
 * versions and how to install the right client). A failed dump leaves no file behind.
 */
export async function dumpTable(_target: DumpTarget, _table: QualifiedName, _file: string): Promise<DumpResult> {
  throw new Error('not yet');
}
