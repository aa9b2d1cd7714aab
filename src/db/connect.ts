// Opening a connection: the one place that knows the URL, so nothing else can leak it. TLS follows
// libpq's sslmode (node-postgres's own sslmode handling differs and warns on the console, so the
// driver is never given the URL: it gets explicit host, port, user and TLS options).
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { DEFAULTS } from '../settings';
import { quoteLiteral } from '../sql/quote';
import { UsageError } from '../errors';
import {
  describeConnInfo,
  environmentGivesConnection,
  parseConnInfo,
  urlPasswords,
  type ConnInfo,
  type Env,
} from './conninfo';

export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** host:port/database of a URL, never the user's password (for messages). */
export function describeTarget(url: string, env: Env = {}): string {
  try {
    return describeConnInfo(parseConnInfo(url, env, () => 'postgres'));
  } catch {
    return '(unparsable database URL)';
  }
}

/**
 * Removes passwords from URLs in a message, and the configured password wherever it appears: in
 * `url`'s user info or ?password=, or in PGPASSWORD of `env`.
 */
export function redact(text: string, url?: string, env: Env = process.env): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  const secrets = [env.PGPASSWORD ?? ''];
  if (url) {
    secrets.push(...urlPasswords(url));
    try {
      const u = new URL(url);
      secrets.push(decodeURIComponent(u.password), u.searchParams.get('password') ?? '');
    } catch {
      // not a WHATWG URL: our own parser's view above is all there is
    }
  }
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

export interface ConnectOptions {
  /** Where PG* variables come from (libpq reads the process environment). */
  env?: Env;
  /** Seconds to wait for the server, unless the URL's connect_timeout or PGCONNECT_TIMEOUT says. */
  connectTimeoutSeconds?: number;
  /** Our name in pg_stat_activity, unless the URL's application_name or PGAPPNAME says. */
  applicationName?: string;
  /** The session's statement_timeout; 0 for none (apply's DDL and row moves). */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

interface Attempt {
  config: pg.ClientConfig;
  /** Whether a failure of this attempt is worth the next one (libpq's allow/prefer fallbacks). */
  fallBackOn(error: unknown): boolean;
}

function readTlsFile(info: ConnInfo, key: 'sslrootcert' | 'sslcert' | 'sslkey'): string | undefined {
  const path = info[key];
  if (!path || (key === 'sslrootcert' && path === 'system')) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${key} "${path}": ${(error as Error).message}`);
  }
}

/** libpq's sslmode as Node TLS options: what is verified, against which CAs. */
function tlsOptions(info: ConnInfo): ConnectionOptions {
  const [ca, cert, key] = [
    readTlsFile(info, 'sslrootcert'),
    readTlsFile(info, 'sslcert'),
    readTlsFile(info, 'sslkey'),
  ];
  const client = { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  // require verifies the CA when a root certificate is given (libpq's compatibility rule).
  const verifyCa =
    info.sslmode === 'verify-ca' ||
    info.sslmode === 'verify-full' ||
    (info.sslmode === 'require' && info.sslrootcert !== undefined);
  if (!verifyCa) return { ...client, rejectUnauthorized: false };
  return {
    ...client,
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}), // none: Node's bundled and system CAs
    ...(info.sslmode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

const TLS_REFUSED = 'The server does not support SSL connections';
// Errors that mean "the TLS part went wrong": the server has none, the handshake failed, or
// pg_hba.conf has no entry for this kind of connection (SQLSTATE 28000).
function tlsRelated(error: unknown): boolean {
  const e = error as { message?: string; code?: string; library?: string };
  return (
    e.message === TLS_REFUSED ||
    e.message === 'There was an error establishing an SSL connection' ||
    e.library === 'SSL routines' ||
    /^(ERR_SSL|ERR_TLS|EPROTO)/.test(e.code ?? '') ||
    e.code === '28000'
  );
}
const rejectedByHba = (error: unknown): boolean => (error as { code?: string }).code === '28000';

/** The connections to try, in order: libpq's sslmode, with allow/prefer's fallback. */
function attempts(info: ConnInfo, options: ConnectOptions): Attempt[] {
  const seconds =
    info.connectTimeoutSeconds ?? options.connectTimeoutSeconds ?? DEFAULTS.connectTimeoutSeconds;
  const base: pg.ClientConfig = {
    host: info.host,
    port: info.port,
    user: info.user,
    database: info.database,
    // A function, so the driver never falls back to ~/.pgpass (with a console warning) or
    // process.env, and a server asking for a password we lack gets a clear answer.
    password: async () => {
      if (info.password !== undefined) return info.password;
      throw new Error(
        'the server asks for a password and none was given: put it in the URL (postgres://user:password@host/db), as ?password=, or in PGPASSWORD',
      );
    },
    application_name:
      info.applicationName ??
      options.applicationName ??
      info.fallbackApplicationName ??
      DEFAULTS.applicationName,
    connectionTimeoutMillis: seconds * 1000,
    ...(info.options ? { options: info.options } : {}),
    // The driver binds the channel when the server offers SCRAM-SHA-256-PLUS but cannot insist on it:
    // channel_binding=require is honoured as prefer (a known gap, said in the README).
    ...(info.channelBinding && info.channelBinding !== 'disable' ? { enableChannelBinding: true } : {}),
  };
  const plain: pg.ClientConfig = { ...base, ssl: false };
  // libpq never uses TLS on a Unix socket, whatever sslmode says.
  if (info.host.startsWith('/') || info.sslmode === 'disable')
    return [{ config: plain, fallBackOn: () => false }];
  const encrypted: pg.ClientConfig = { ...base, ssl: tlsOptions(info) };
  switch (info.sslmode) {
    case 'allow':
      return [
        { config: plain, fallBackOn: rejectedByHba },
        { config: encrypted, fallBackOn: () => false },
      ];
    case 'prefer':
      return [
        { config: encrypted, fallBackOn: tlsRelated },
        { config: plain, fallBackOn: () => false },
      ];
    default:
      return [{ config: encrypted, fallBackOn: () => false }];
  }
}

async function open(tries: Attempt[]): Promise<pg.Client> {
  for (let i = 0; ; i++) {
    const attempt = tries[i] as Attempt;
    const client = new pg.Client(attempt.config);
    client.on('error', () => {
      // A dropped connection surfaces on the next query; without a listener Node would crash.
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (i + 1 >= tries.length || !attempt.fallBackOn(error)) throw error;
    }
  }
}

/** Why the connection failed, in the user's terms (which sslmode, which certificate, what to do). */
function explain(error: unknown, info: ConnInfo, seconds: number): string {
  const e = error as { message?: string; code?: string };
  const message = String(e.message || error);
  if (message === TLS_REFUSED) {
    return `the server does not offer TLS, and sslmode=${info.sslmode} requires it (sslmode=prefer would connect unencrypted)`;
  }
  if (message === 'timeout expired') return `no answer within ${seconds} s (connect_timeout)`;
  const code = e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    const against = info.sslrootcert
      ? info.sslrootcert === 'system'
        ? "the system's trusted CAs"
        : `sslrootcert "${info.sslrootcert}"`
      : "the system's trusted CAs; for a private or self-signed CA give sslrootcert=/path/to/root.crt (or PGSSLROOTCERT)";
    const host =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? ' (sslmode=verify-ca checks the CA but not the host name)'
        : '';
    return `the server's TLS certificate was refused: ${message}${host}; sslmode=${info.sslmode} checks it against ${against}`;
  }
  return message;
}

function sessionSettings(options: ConnectOptions): string {
  const ms = (value: number, name: string): string => {
    if (!Number.isInteger(value) || value < 0)
      throw new TypeError(`${name} must be a whole number ≥ 0, got ${value}`);
    return quoteLiteral(`${value}ms`);
  };
  const statement = ms(
    options.statementTimeoutMs ?? DEFAULTS.catalogStatementTimeoutMs,
    'statementTimeoutMs',
  );
  const lock = ms(options.lockTimeoutMs ?? DEFAULTS.lockTimeoutMs, 'lockTimeoutMs');
  return [
    "SET datestyle = 'ISO, YMD'",
    "SET intervalstyle = 'postgres'",
    "SET timezone = 'UTC'",
    `SET statement_timeout = ${statement}`,
    `SET lock_timeout = ${lock}`,
  ].join('; ');
}

/**
 * Connects the way libpq would (URL, then PG* variables, then defaults; sslmode with libpq's
 * meaning) and fixes the session settings our parsing relies on (ISO dates, UTC) and the timeouts
 * that bound our waits, in one round trip. Bad input throws UsageError before any network use;
 * a failure to connect throws ConnectionError with host, port, database and the reason.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  const env = options.env ?? process.env;
  if (!url.trim() && !environmentGivesConnection(env)) {
    throw new ConnectionError(
      'no database URL: pass --database-url or set DATABASE_URL (postgres://user@host:5432/db), or the PG* variables (PGHOST, PGDATABASE, PGUSER, …)',
    );
  }
  const info = parseConnInfo(url, env);
  const settings = sessionSettings(options);
  const tries = attempts(info, options);
  const seconds = (tries[0]?.config.connectionTimeoutMillis ?? 0) / 1000;
  const fail = (error: unknown): ConnectionError =>
    new ConnectionError(
      `cannot connect to ${describeConnInfo(info)}: ${redact(explain(error, info, seconds), url, env)}`,
    );
  let client: pg.Client;
  try {
    client = await open(tries);
  } catch (error) {
    throw fail(error);
  }
  try {
    await client.query(settings);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw fail(error);
  }
  return client;
}
