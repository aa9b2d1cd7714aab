// Reading where to connect, as libpq does: URL first, then the PG* variables, then defaults; bad
// input is a UsageError (exit 2) naming what is wrong, found before any lookup or connection.
import { describe, expect, it } from 'vitest';
import { connect, ConnectionError, describeTarget, redact } from '../../src/db/connect';
import { parseConnInfo } from '../../src/db/conninfo';
import { UsageError } from '../../src/errors';

const parse = (url: string, env: Record<string, string> = {}) => parseConnInfo(url, env, () => 'osuser');

function usageError(url: string, env: Record<string, string> = {}): string {
  try {
    parse(url, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${url} parsed`);
}

describe('parseConnInfo: good URLs', () => {
  it('reads every part, decoding %-escapes, and libpq defaults fill the rest', () => {
    expect(
      parse('postgres://keeper:p%40ss%2Fw%3Ard@db.example:6543/claims%20db?sslmode=verify-full'),
    ).toEqual({
      host: 'db.example',
      port: 6543,
      database: 'claims db',
      user: 'keeper',
      password: 'p@ss/w:rd',
      sslmode: 'verify-full',
    });
    expect(parse('postgresql://db.example')).toEqual({
      host: 'db.example',
      port: 5432,
      database: 'osuser',
      user: 'osuser',
      sslmode: 'prefer',
    });
    expect(parse('POSTGRES://[::1]:5433/d')).toMatchObject({ host: '::1', port: 5433, database: 'd' });
  });

  it('keeps a "+" and an unescaped "@" in a password (libpq does not turn "+" into a space)', () => {
    expect(parse('postgres://u:a+b@c@h/d').password).toBe('a+b@c');
    expect(parse('postgres://u@h/d?password=a+b').password).toBe('a+b');
  });

  it('takes the query parameters over the parts before them, and a Unix socket directory as host', () => {
    expect(parse('postgres:///claims?host=/var/run/postgresql&port=5433&user=k')).toMatchObject({
      host: '/var/run/postgresql',
      port: 5433,
      user: 'k',
      database: 'claims',
    });
    expect(parse('postgres://%2Fcloudsql%2Fproj/claims').host).toBe('/cloudsql/proj');
  });

  it('reads the TLS, application and timeout parameters', () => {
    const info = parse(
      'postgres://h/d?sslmode=verify-ca&sslrootcert=/ca.crt&sslcert=/c.crt&sslkey=/c.key&application_name=cron&options=-c%20search_path%3Dapp&connect_timeout=3&channel_binding=prefer',
    );
    expect(info).toMatchObject({
      sslmode: 'verify-ca',
      sslrootcert: '/ca.crt',
      sslcert: '/c.crt',
      sslkey: '/c.key',
      applicationName: 'cron',
      options: '-c search_path=app',
      connectTimeoutSeconds: 3,
      channelBinding: 'prefer',
    });
  });

  it('sslrootcert=system means verify-full, like libpq', () => {
    expect(parse('postgres://h/d?sslrootcert=system').sslmode).toBe('verify-full');
    expect(usageError('postgres://h/d?sslrootcert=system&sslmode=require')).toMatch(
      /sslmode "require" cannot be used with sslrootcert=system; use verify-full/,
    );
  });
});

describe('parseConnInfo: the PG* environment', () => {
  const env = {
    PGHOST: 'env.example',
    PGPORT: '6000',
    PGDATABASE: 'envdb',
    PGUSER: 'envuser',
    PGPASSWORD: 'envpw',
    PGSSLMODE: 'require',
    PGSSLROOTCERT: '/env/ca.crt',
  };

  it('applies with no URL', () => {
    expect(parse('', env)).toEqual({
      host: 'env.example',
      port: 6000,
      database: 'envdb',
      user: 'envuser',
      password: 'envpw',
      sslmode: 'require',
      sslrootcert: '/env/ca.crt',
    });
  });

  it('fills in only what the URL leaves out', () => {
    expect(parse('postgres://u@h/d?sslmode=disable', env)).toEqual({
      host: 'h',
      port: 6000,
      database: 'd',
      user: 'u',
      password: 'envpw',
      sslmode: 'disable',
      sslrootcert: '/env/ca.crt',
    });
  });

  it('bad values name the variable', () => {
    expect(usageError('', { PGSSLMODE: 'no-verify' })).toBe(
      'PGSSLMODE: sslmode "no-verify" is not one of disable, allow, prefer, require, verify-ca, verify-full',
    );
    expect(usageError('', { PGPORT: '99999' })).toBe('PGPORT: port 99999 is out of range (1-65535)');
    expect(usageError('', { PGCONNECT_TIMEOUT: '0' })).toMatch(
      /^PGCONNECT_TIMEOUT: connect_timeout "0" must be/,
    );
  });
});

describe('parseConnInfo: bad URLs are usage errors saying what is wrong', () => {
  it.each([
    ['mysql://x', 'database URL: unsupported scheme "mysql://"; use postgres:// or postgresql://'],
    ['http://h/d', 'database URL: unsupported scheme "http://"; use postgres:// or postgresql://'],
    ['postgres://user@[::1', 'database URL: an IPv6 address opened with "[" has no closing "]"'],
    ['postgres://[zz]/d', 'database URL: "[zz]" is not an IPv6 address'],
    ['postgres://::1/d', 'database URL: an IPv6 address must be written in brackets, e.g. [::1]'],
    ['postgres://h:0/d', 'database URL: port 0 is out of range (1-65535)'],
    ['postgres://h:70000/d', 'database URL: port 70000 is out of range (1-65535)'],
    ['postgres://h/d?port=70000', 'database URL: port 70000 is out of range (1-65535)'],
    [
      'postgres://h:abc/d',
      'database URL: the port is not a number (percent-encode any ":", "/" or "@" inside the password)',
    ],
    [
      'postgres://h/d?sslmode=verify',
      'database URL: sslmode "verify" is not one of disable, allow, prefer, require, verify-ca, verify-full',
    ],
    ['postgres://h/d?sslmode=require&sslmode=disable', 'database URL: parameter "sslmode" is given twice'],
    ['postgres://h/d?sslmode', 'database URL: parameter "sslmode" has no value (write sslmode=value)'],
    [
      'postgres://h/d?ssl=true',
      /^database URL: unknown parameter "ssl"; for TLS write sslmode=require \(known: host, /,
    ],
    [
      'postgres://h/d?channel_binding=maybe',
      /channel_binding "maybe" is not one of disable, prefer, require/,
    ],
    ['postgres://h/d?connect_timeout=1.5', /connect_timeout "1.5" must be a whole number of seconds/],
    ['postgres://h1,h2/d', 'database URL: several hosts are not supported; give one host'],
    ['postgres://ho st/d', 'database URL: "ho st" is not a valid host name'],
    [
      'postgres://u:100%@h/d',
      'database URL: the password has a malformed %-escape (write a literal "%" as %25)',
    ],
    ['postgres://u:a#b@h/d', /^database URL: "#" is not allowed; percent-encode it as %23/],
    [
      'host=h dbname=d',
      /^database URL: keyword=value connection strings are not supported; give a URL: postgres:\/\//,
    ],
    ['db.example:5432/claims', /^database URL: not a URL; expected postgres:\/\//],
  ])('%s', (url, message) => {
    if (typeof message === 'string') expect(usageError(url)).toBe(message);
    else expect(usageError(url)).toMatch(message);
  });

  it('never echoes a password, even one that breaks the URL', () => {
    for (const url of ['postgres://u:s3cr/et@h/d', 'postgres://u:s3cr?et@h/d', 'postgres://u:s3cr%zz@h/d']) {
      expect(usageError(url)).not.toContain('s3cr');
    }
  });

  it('connect() refuses a made-up host with a bad sslmode at once, without a lookup or a connection', async () => {
    // A lookup of the .invalid name would end in ENOTFOUND, a ConnectionError (exit 3), not this.
    const started = Date.now();
    await expect(connect('postgres://pk-made-up.invalid/d?sslmode=bogus', { env: {} })).rejects.toThrow(
      UsageError,
    );
    await expect(connect('mysql://pk-made-up.invalid/d', { env: {} })).rejects.toThrow(/unsupported scheme/);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('connect() with no URL and nothing about where to connect says how to give one (exit 3, no attempt)', async () => {
    for (const env of [{}, { PGCONNECT_TIMEOUT: '5', PGAPPNAME: 'x' }]) {
      await expect(connect('  ', { env })).rejects.toThrow(
        new ConnectionError(
          'no database URL: pass --database-url or set DATABASE_URL (postgres://user@host:5432/db), or the PG* variables (PGHOST, PGDATABASE, PGUSER, …)',
        ),
      );
    }
  });

  it('connect() names an unreadable certificate file as bad usage', async () => {
    await expect(
      connect('postgres://127.0.0.1:1/d?sslmode=verify-full&sslrootcert=/no/such/ca.crt', { env: {} }),
    ).rejects.toThrow(
      new UsageError(
        'cannot read sslrootcert "/no/such/ca.crt": ENOENT: no such file or directory, open \'/no/such/ca.crt\'',
      ),
    );
  });
});

describe('describeTarget and redact for the new shapes', () => {
  it('describes a socket, an IPv6 host and the environment', () => {
    expect(describeTarget('postgres:///claims?host=/run/pg')).toBe('/run/pg:5432/claims');
    expect(describeTarget('postgres://u:pw@[::1]:6543/claims')).toBe('::1:6543/claims');
    expect(describeTarget('', { PGHOST: 'env.example', PGDATABASE: 'envdb' })).toBe('env.example:5432/envdb');
  });

  it('masks PGPASSWORD and a password our parser finds but WHATWG URL cannot', () => {
    expect(redact('auth failed for env-secret', '', { PGPASSWORD: 'env-secret' })).toBe(
      'auth failed for ***',
    );
    expect(redact('bad pass a+b@c here', 'postgres://u:a+b@c@h/d', {})).toBe('bad pass *** here');
  });
});
