// sslmode with libpq's meaning on real servers: the local server (ssl = off) and a throwaway
// cluster with its own CA. Also libpq's fallbacks (allow/prefer), PG* variables, passwords,
// application_name and the session timeouts every connection sets.
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ConnectionError, type ConnectOptions } from '../../src/db/connect';
import { DEFAULTS } from '../../src/settings';
import { SERVER_URL, serverAvailable } from '../helpers/backends';
import { describeWithTlsServer } from '../helpers/tls-server';

const open: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});

async function session(url: string, options: ConnectOptions = { env: {} }) {
  const client = await connect(url, options);
  open.push(client);
  const { rows } = await client.query<{
    ssl: boolean;
    app: string;
    lock: string;
    statement: string;
    usr: string;
  }>(
    `select s.ssl, a.application_name as app, current_user as usr,
            current_setting('lock_timeout') as lock, current_setting('statement_timeout') as statement
       from pg_stat_ssl s join pg_stat_activity a using (pid) where pid = pg_backend_pid()`,
  );
  return rows[0]!;
}

async function refusal(url: string, options: ConnectOptions = { env: {} }): Promise<Error> {
  const error = await connect(url, options).then(
    (client) => {
      open.push(client);
      return new Error('connected');
    },
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(ConnectionError);
  return error;
}

const withParams = (url: string, params: Record<string, string>): string => {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
};

(serverAvailable ? describe : describe.skip)(
  `the local server without TLS${serverAvailable ? '' : ' [skipped: needs the PostgreSQL server]'}`,
  () => {
    it('sslmode=prefer (the default) falls back to an unencrypted connection', async () => {
      expect((await session(SERVER_URL)).ssl).toBe(false);
      expect((await session(withParams(SERVER_URL, { sslmode: 'prefer' }))).ssl).toBe(false);
      expect((await session(withParams(SERVER_URL, { sslmode: 'allow' }))).ssl).toBe(false);
    });

    it('sslmode=require is refused, saying the server offers no TLS', async () => {
      const error = await refusal(withParams(SERVER_URL, { sslmode: 'require' }));
      expect(error.message).toMatch(
        /^cannot connect to 127\.0\.0\.1:5432\/postgres: the server does not offer TLS, and sslmode=require requires it/,
      );
    });

    it('every session sets the timeouts, ISO dates and our application_name', async () => {
      const s = await session(SERVER_URL);
      expect(s.app).toBe(DEFAULTS.applicationName);
      expect(s.lock).toBe(`${DEFAULTS.lockTimeoutMs}ms`);
      expect(s.statement).toBe(`${DEFAULTS.catalogStatementTimeoutMs / 1000}s`);
      const custom = await session(SERVER_URL, { env: {}, statementTimeoutMs: 0, lockTimeoutMs: 250 });
      expect([custom.statement, custom.lock]).toEqual(['0', '250ms']);
    });
  },
);

describeWithTlsServer('a TLS server with its own CA', (server) => {
  const url = (params: Record<string, string> = {}, user = 'postgres'): string =>
    withParams(`postgres://${user}@${server().host}:${server().port}/postgres`, params);

  it('started (the time it took is printed)', () => {
    console.info(`TLS cluster: initdb + certificates + start took ${server().startMs} ms`);
    expect(server().startMs).toBeGreaterThan(0);
  });

  it('sslmode=require encrypts without checking the certificate', async () => {
    expect((await session(url({ sslmode: 'require' }))).ssl).toBe(true);
  });

  it('sslmode=prefer (the default) uses TLS when the server has it; disable does not', async () => {
    expect((await session(url())).ssl).toBe(true);
    expect((await session(url({ sslmode: 'disable' }))).ssl).toBe(false);
    expect((await session(url({ sslmode: 'allow' }))).ssl).toBe(false);
  });

  it('sslmode=verify-full without a CA is refused, naming the certificate problem and the fix', async () => {
    const error = await refusal(url({ sslmode: 'verify-full' }));
    // The server sends its own certificate only, so Node cannot chain it to any CA it trusts.
    expect(error.message).toMatch(
      /the server's TLS certificate was refused: unable to verify the first certificate; sslmode=verify-full checks it against the system's trusted CAs; .*give sslrootcert=/,
    );
  });

  it('verify-full and verify-ca connect with sslrootcert naming the CA', async () => {
    expect((await session(url({ sslmode: 'verify-full', sslrootcert: server().caCert }))).ssl).toBe(true);
    expect((await session(url({ sslmode: 'verify-ca', sslrootcert: server().caCert }))).ssl).toBe(true);
  });

  it('verify-ca, and require with a root certificate (libpq’s rule), refuse a certificate of another CA', async () => {
    for (const sslmode of ['verify-ca', 'require']) {
      const error = await refusal(url({ sslmode, sslrootcert: server().otherCaCert }));
      expect(error.message).toMatch(
        new RegExp(`certificate was refused: .*sslmode=${sslmode} checks it against sslrootcert`),
      );
    }
  });

  it('the PG* variables apply when no URL is given', async () => {
    const env = {
      PGHOST: server().host,
      PGPORT: String(server().port),
      PGUSER: 'postgres',
      PGDATABASE: 'postgres',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: server().caCert,
      PGAPPNAME: 'from-env',
    };
    const s = await session('', { env });
    expect([s.ssl, s.app]).toEqual([true, 'from-env']);
    // …and fill in what a URL leaves out, as libpq does: here the CA (the URL's sslmode wins).
    const { PGSSLROOTCERT } = env;
    expect((await session(url({ sslmode: 'verify-ca' }), { env: { PGSSLROOTCERT } })).ssl).toBe(true);
  });

  it('application_name: ours by default, the URL’s when given', async () => {
    expect((await session(url())).app).toBe('partition-keeper');
    expect((await session(url({ application_name: 'nightly-maintenance' }))).app).toBe('nightly-maintenance');
  });

  it('allow retries with TLS when pg_hba.conf demands it; prefer retries without when it forbids it', async () => {
    expect(await session(url({ sslmode: 'allow' }, server().sslOnlyRole))).toMatchObject({ ssl: true });
    expect(await session(url({ sslmode: 'prefer' }, server().plainOnlyRole))).toMatchObject({ ssl: false });
    const error = await refusal(url({ sslmode: 'disable' }, server().sslOnlyRole));
    expect(error.message).toMatch(/pg_hba\.conf rejects connection/);
  });

  it('passwords: from the URL or PGPASSWORD; none or a wrong one is a clear refusal that never shows it', async () => {
    const { user, password } = server().passwordRole;
    const base = url({ sslmode: 'require' }, user);
    const inUrl = new URL(base);
    inUrl.password = password;
    expect((await session(inUrl.toString())).usr).toBe(user);
    expect((await session(base, { env: { PGPASSWORD: password } })).usr).toBe(user);
    expect((await refusal(base)).message).toMatch(/the server asks for a password and none was given/);
    inUrl.password = 'wrong-secret';
    const wrong = await refusal(inUrl.toString());
    expect(wrong.message).toMatch(/password authentication failed for user "pk_password"/);
    expect(wrong.message).not.toContain('wrong-secret');
  });
});
