// Where to connect, read the way libpq reads it: a postgres:// URL, with the PG* environment filling
// in whatever the URL leaves out, then libpq's defaults. Pure: no DNS, no files, no sockets; input
// we cannot use is a UsageError (exit 2) saying what is wrong, never echoing a password.
import { isIPv6 } from 'node:net';
import { userInfo } from 'node:os';
import { UsageError } from '../errors';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];
const CHANNEL_BINDINGS = ['disable', 'prefer', 'require'] as const;
export type ChannelBinding = (typeof CHANNEL_BINDINGS)[number];

export type Env = Record<string, string | undefined>;

export interface ConnInfo {
  /** A host name, an IP address, or the directory of the server's Unix socket (starts with '/'). */
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslmode: SslMode;
  /** A file of trusted CA certificates, or 'system' for the system's store. */
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  /** application_name when the URL or PGAPPNAME gives one. */
  applicationName?: string;
  fallbackApplicationName?: string;
  /** Server options sent at startup, e.g. `-c search_path=app`. */
  options?: string;
  connectTimeoutSeconds?: number;
  channelBinding?: ChannelBinding;
}

/** The parameters we understand, and the environment variable libpq reads for each. */
const PARAMETERS = {
  host: 'PGHOST',
  port: 'PGPORT',
  dbname: 'PGDATABASE',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  application_name: 'PGAPPNAME',
  fallback_application_name: undefined,
  options: 'PGOPTIONS',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  channel_binding: 'PGCHANNELBINDING',
} as const;
type Parameter = keyof typeof PARAMETERS;
const isParameter = (name: string): name is Parameter => Object.hasOwn(PARAMETERS, name);

const EXAMPLE = 'postgres://user:password@host:5432/database?sslmode=require';
const badUrl = (what: string): UsageError => new UsageError(`database URL: ${what}`);

/** True when the environment says where or as whom to connect (then libpq's defaults fill the rest). */
export function environmentGivesConnection(env: Env): boolean {
  return ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD'].some((name) => Boolean(env[name]));
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badUrl(`${what} has a malformed %-escape (write a literal "%" as %25)`);
  }
}

/** Splits host[:port] (or [ipv6][:port]) of the URL's authority. */
function parseHostPort(text: string): { host?: string; port?: string } {
  if (text.includes(',')) throw badUrl('several hosts are not supported; give one host');
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw badUrl('an IPv6 address opened with "[" has no closing "]"');
    host = text.slice(1, close);
    if (!isIPv6(host)) throw badUrl(`"[${host}]" is not an IPv6 address`);
    rest = text.slice(close + 1);
    if (rest && !rest.startsWith(':')) throw badUrl('expected ":port" after the IPv6 address');
  } else {
    const colon = text.indexOf(':');
    if (colon !== text.lastIndexOf(':'))
      throw badUrl('an IPv6 address must be written in brackets, e.g. [::1]');
    host = decode(colon === -1 ? text : text.slice(0, colon), 'the host');
    rest = colon === -1 ? '' : text.slice(colon);
  }
  const port = rest.slice(1);
  return { ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

/** The parameters a postgres:// URL gives (query parameters win over the parts before them). */
function parseUrl(url: string): Partial<Record<Parameter, string>> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) {
    if (/^\s*\w+\s*=/.test(url)) {
      throw badUrl(`keyword=value connection strings are not supported; give a URL: ${EXAMPLE}`);
    }
    throw badUrl(`not a URL; expected ${EXAMPLE}`);
  }
  if (!/^postgres(ql)?$/i.test(scheme[1] ?? '')) {
    throw badUrl(`unsupported scheme "${scheme[1]}://"; use postgres:// or postgresql://`);
  }
  if (url.includes('#'))
    throw badUrl('"#" is not allowed; percent-encode it as %23 (in a password, for example)');
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const queryStart = tail.indexOf('?');
  const path = queryStart === -1 ? tail : tail.slice(0, queryStart);
  const query = queryStart === -1 ? '' : tail.slice(queryStart + 1);

  const given: Partial<Record<Parameter, string>> = {};
  // The last "@" ends the user info, so an unescaped "@" in a password still parses.
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const userInfoPart = authority.slice(0, at);
    const colon = userInfoPart.indexOf(':');
    const user = decode(colon === -1 ? userInfoPart : userInfoPart.slice(0, colon), 'the user name');
    if (user) given.user = user;
    if (colon !== -1) given.password = decode(userInfoPart.slice(colon + 1), 'the password');
  }
  const { host, port } = parseHostPort(authority.slice(at + 1));
  if (host) given.host = host;
  if (port) given.port = port;
  const database = decode(path.replace(/^\//, ''), 'the database name');
  if (database) given.dbname = database;

  const seen = new Set<string>();
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq === -1 ? pair : pair.slice(0, eq), 'a parameter name');
    if (eq === -1) throw badUrl(`parameter "${name}" has no value (write ${name}=value)`);
    if (!isParameter(name)) {
      const hint = name === 'ssl' ? '; for TLS write sslmode=require' : '';
      throw badUrl(`unknown parameter "${name}"${hint} (known: ${Object.keys(PARAMETERS).join(', ')})`);
    }
    if (seen.has(name)) throw badUrl(`parameter "${name}" is given twice`);
    seen.add(name);
    given[name] = decode(pair.slice(eq + 1), `parameter "${name}"`);
  }
  return given;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], source: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${source} "${value}" is not one of ${allowed.join(', ')}`);
}

function parsePort(value: string, source: string): number {
  // A port that is not digits may be a password with an unescaped ":" or "/": do not echo it.
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `${source}: the port is not a number (percent-encode any ":", "/" or "@" inside the password)`,
    );
  }
  const port = Number(value);
  if (port < 1 || port > 65535) throw new UsageError(`${source}: port ${value} is out of range (1-65535)`);
  return port;
}

function parseTimeout(value: string, source: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(
      `${source}: connect_timeout "${value}" must be a whole number of seconds, at least 1 (we never wait without a bound)`,
    );
  }
  return Number(value);
}

function isHost(host: string): boolean {
  return host.startsWith('/') || isIPv6(host) || /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(host);
}

function osUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves URL + environment + defaults into one validated ConnInfo, as libpq does: each parameter
 * comes from the URL, else its PG* variable, else libpq's default (host localhost, port 5432,
 * sslmode prefer, user the OS user, database the user name). An empty URL means environment only.
 */
export function parseConnInfo(
  url: string,
  env: Env,
  defaultUser: () => string | undefined = osUser,
): ConnInfo {
  const fromUrl = url.trim() ? parseUrl(url.trim()) : {};
  const value = (name: Parameter): { text: string; source: string } | undefined => {
    const inUrl = fromUrl[name];
    if (inUrl !== undefined) return { text: inUrl, source: 'database URL' };
    const variable = PARAMETERS[name];
    const inEnv = variable ? env[variable] : undefined;
    return inEnv ? { text: inEnv, source: variable as string } : undefined;
  };
  const text = (name: Parameter): string | undefined => value(name)?.text;

  const host = text('host') ?? 'localhost';
  if (!isHost(host)) throw new UsageError(`${value('host')?.source}: "${host}" is not a valid host name`);
  const port = value('port');
  const user = text('user') ?? defaultUser();
  if (!user) throw new UsageError('no user name: give one in the database URL or PGUSER');
  const sslmode = value('sslmode');
  const sslrootcert = text('sslrootcert');
  const info: ConnInfo = {
    host,
    port: port ? parsePort(port.text, port.source) : 5432,
    database: text('dbname') ?? user,
    user,
    // libpq's sslrootcert=system means "the system's CAs", and then only verify-full is allowed.
    sslmode: sslmode
      ? oneOf(sslmode.text, SSL_MODES, `${sslmode.source}: sslmode`)
      : sslrootcert === 'system'
        ? 'verify-full'
        : 'prefer',
  };
  if (sslrootcert === 'system' && info.sslmode !== 'verify-full') {
    throw new UsageError(`sslmode "${info.sslmode}" cannot be used with sslrootcert=system; use verify-full`);
  }
  const timeout = value('connect_timeout');
  const binding = value('channel_binding');
  const optional = {
    password: text('password'),
    sslrootcert,
    sslcert: text('sslcert'),
    sslkey: text('sslkey'),
    applicationName: text('application_name'),
    fallbackApplicationName: text('fallback_application_name'),
    options: text('options'),
    connectTimeoutSeconds: timeout ? parseTimeout(timeout.text, timeout.source) : undefined,
    channelBinding: binding
      ? oneOf(binding.text, CHANNEL_BINDINGS, `${binding.source}: channel_binding`)
      : undefined,
  };
  for (const [key, v] of Object.entries(optional)) {
    if (v !== undefined && v !== '') Object.assign(info, { [key]: v });
  }
  return info;
}

/** host:port/database, for messages (never the user's password). */
export function describeConnInfo(info: ConnInfo): string {
  return `${info.host}:${info.port}/${info.database}`;
}

/** The passwords a URL carries (user info and ?password=), for masking; none when unparsable. */
export function urlPasswords(url: string): string[] {
  try {
    const given = parseUrl(url.trim());
    return [given.password ?? ''].filter(Boolean);
  } catch {
    return [];
  }
}
