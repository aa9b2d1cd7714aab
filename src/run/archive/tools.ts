// Running pg_dump and pg_restore: which binary, in which environment, and what they said on stderr.
// The connection reaches them through PG* variables only (never argv, which `ps` shows to everyone).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { ConnInfo, Env } from '../../db/conninfo';
import { redact } from '../../db/connect';
import { DEFAULTS } from '../../settings';

/** Where pg_dump and pg_restore connect, and which binaries run. */
export interface DumpTarget {
  /** The database, as parsed from the URL and PG* variables (parseConnInfo). */
  conn: ConnInfo;
  /** The server's version (readServerVersion), checked against pg_dump's before dumping. */
  server: ServerVersion;
  /**
   * Directory holding pg_dump and pg_restore (PARTITION_KEEPER_PG_BIN); absent: found on PATH.
   * For a machine with several client versions, to pick one at least as new as the server.
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

/** The variable that chooses the directory of pg_dump and pg_restore. */
export const PG_BIN_VARIABLE = 'PARTITION_KEEPER_PG_BIN';

/** A missing pg_dump/pg_restore, one older than the server, or one that failed: what and what to do. */
export class DumpToolError extends Error {
  override name = 'DumpToolError';
}

export type Tool = 'pg_dump' | 'pg_restore';

/** The program to run: in the chosen directory, or the bare name looked up on PATH. */
export function toolPath(target: DumpTarget, tool: Tool): string {
  return target.pgBin ? join(target.pgBin, tool) : tool;
}

/** Where we looked for a tool, for messages. */
export function toolPlace(target: DumpTarget): string {
  return target.pgBin ? `in ${PG_BIN_VARIABLE}=${target.pgBin}` : 'on PATH';
}

/**
 * The tools' environment: `env` without any PG* variable, plus exactly the parameters of `conn`.
 * PGTZ=UTC makes pg_dump write timestamptz values as our fingerprint reads them (src/db/connect.ts
 * sets the same zone).
 */
export function toolEnv(target: DumpTarget): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(target.env)) {
    if (!key.startsWith('PG') && value !== undefined) out[key] = value;
  }
  const c = target.conn;
  const set = (key: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== '') out[key] = String(value);
  };
  set('PGHOST', c.host);
  set('PGPORT', c.port);
  set('PGUSER', c.user);
  set('PGDATABASE', c.database);
  set('PGPASSWORD', c.password);
  set('PGSSLMODE', c.sslmode);
  set('PGSSLROOTCERT', c.sslrootcert);
  set('PGSSLCERT', c.sslcert);
  set('PGSSLKEY', c.sslkey);
  set('PGAPPNAME', c.applicationName ?? c.fallbackApplicationName ?? DEFAULTS.applicationName);
  set('PGOPTIONS', c.options);
  set('PGCONNECT_TIMEOUT', c.connectTimeoutSeconds ?? DEFAULTS.connectTimeoutSeconds);
  set('PGCHANNELBINDING', c.channelBinding);
  set('PGTZ', 'UTC');
  return out;
}

/** Masks the password of `target` wherever a tool's output repeats it. */
export function mask(target: DumpTarget, text: string): string {
  return redact(text, undefined, { PGPASSWORD: target.conn.password });
}

const STDERR_LIMIT = 16 * 1024;

export interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the process ends (never rejects): exit code (null when killed), stderr kept. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; spawnError?: Error }>;
}

/** Bounds a long-running call: when `signal` aborts (the run's deadline), the tool is stopped. */
export interface RunOptions {
  signal?: AbortSignal;
}

/**
 * Starts `tool` with `args` in the tools' environment, keeping the first 16 kB of its stderr; an
 * abort of `signal` ends it (SIGTERM) and shows as its spawnError.
 */
export function runTool(target: DumpTarget, tool: Tool, args: string[], options: RunOptions = {}): Running {
  const child = spawn(toolPath(target, tool), args, {
    env: toolEnv(target),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.signal ? { signal: options.signal } : {}),
  }) as unknown as ChildProcessWithoutNullStreams;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text.slice(0, STDERR_LIMIT - stderr.length);
  });
  const done = new Promise<Awaited<Running['done']>>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) =>
      resolve({ code, signal, stderr: mask(target, stderr.trim()), spawnError }),
    );
  });
  return { child, done };
}

/** What a failed run said: stopped by an abort, its stderr, else its exit status. */
export function failure(result: Awaited<Running['done']>): string {
  if (result.spawnError?.name === 'AbortError') return 'stopped: the run deadline passed (aborted)';
  if (result.stderr) return result.stderr;
  return result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
}

/** The major version of a `pg_dump --version` line ("pg_dump (PostgreSQL) 15.10 …" → 15; 9.6.24 → 9.6). */
export function clientMajor(versionLine: string): number | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionLine);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first >= 10 ? first : Number(`${first}.${match[2] ?? 0}`);
}

/** The major version of server_version_num (150010 → 15; 90624 → 9.6). */
export function serverMajor(num: number): number {
  return num >= 100_000 ? Math.floor(num / 10_000) : Math.floor(num / 100) / 100;
}

/** How to get a client of the server's major version, for messages. */
export function installHint(major: number): string {
  return (
    `install a PostgreSQL ${major} (or newer) client and put its bin directory on PATH or in ${PG_BIN_VARIABLE}; ` +
    `on GitHub's Ubuntu runners: the PGDG \`postgresql-client-${major}\` package ` +
    `(sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y && sudo apt-get install -y postgresql-client-${major}), ` +
    `then ${PG_BIN_VARIABLE}=/usr/lib/postgresql/${major}/bin`
  );
}

/**
 * `tool --version`, checked against the server: a tool that is missing or older than the server
 * is a DumpToolError naming both versions and how to install the right client.
 */
export async function checkToolVersion(target: DumpTarget, tool: Tool): Promise<string> {
  const wanted = serverMajor(target.server.num);
  // `--version` answers at once; a tool that hangs (a broken wrapper) is stopped after 30 s.
  const run = runTool(target, tool, ['--version'], { signal: AbortSignal.timeout(30_000) });
  let out = '';
  run.child.stdout.setEncoding('utf8');
  run.child.stdout.on('data', (text: string) => {
    out += text;
  });
  const result = await run.done;
  if (result.spawnError) {
    const missing = (result.spawnError as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DumpToolError(
      `${tool} ${missing ? 'not found' : `cannot run (${result.spawnError.message})`} ${toolPlace(target)}; ` +
        `the server is PostgreSQL ${target.server.text}: ${installHint(Math.ceil(wanted))}`,
    );
  }
  const line = out.trim().split('\n')[0] ?? '';
  const major = clientMajor(line);
  if (result.code !== 0 || major === undefined) {
    throw new DumpToolError(
      `${toolPath(target, tool)} --version did not say its version (${result.code !== 0 ? failure(result) : JSON.stringify(line)}); ${installHint(Math.ceil(wanted))}`,
    );
  }
  if (major < wanted) {
    throw new DumpToolError(
      `${tool} is version ${major} (${line}, ${toolPlace(target)}), older than the server's PostgreSQL ${target.server.text}; ` +
        `${tool} must be at least as new as the server: ${installHint(Math.ceil(wanted))}`,
    );
  }
  return line;
}
