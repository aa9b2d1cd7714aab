// A throwaway PostgreSQL 15 cluster with TLS on, for the sslmode tests: its own CA and a server
// certificate for localhost / 127.0.0.1, listening on 127.0.0.1 only, on a free port. Started
// before a file's tests and removed after them; skipped, visibly, when the binaries are missing.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe } from 'vitest';

const run = promisify(execFile);
const BIN = process.env.PG15_BIN ?? '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

export interface TlsServer {
  host: '127.0.0.1';
  port: number;
  /** The CA that signed the server's certificate. */
  caCert: string;
  /** A CA that did not (for "wrong CA" refusals). */
  otherCaCert: string;
  /** Roles the pg_hba rules single out: a password, TLS only, plain only. */
  passwordRole: { user: string; password: string };
  sslOnlyRole: string;
  plainOnlyRole: string;
  /** How long initdb + certificates + start took. */
  startMs: number;
}

function missing(): string | undefined {
  for (const tool of [join(BIN, 'initdb'), join(BIN, 'pg_ctl'), join(BIN, 'psql'), '/usr/bin/openssl']) {
    if (!existsSync(tool)) return `${tool} not found`;
  }
  if (isRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return 'runuser not found';
  return undefined;
}

/** Runs a server binary as the postgres OS user when we are root (PostgreSQL refuses to run as root). */
async function asPostgres(tool: string, args: string[]): Promise<void> {
  const [command, all] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args]]
    : [join(BIN, tool), args];
  await run(command, all, { timeout: 60_000 });
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function makeCertificates(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    await openssl(
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=pk-test-${ca}`,
      ],
      dir,
    );
  }
  await openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
}

const HBA = `
local all all trust
host all pk_password 127.0.0.1/32 scram-sha-256
hostnossl all pk_ssl_only 127.0.0.1/32 reject
hostssl all pk_plain_only 127.0.0.1/32 reject
host all all 127.0.0.1/32 trust
`;

async function start(dir: string): Promise<TlsServer> {
  const started = Date.now();
  await makeCertificates(dir);
  const data = join(dir, 'data');
  if (isRoot) {
    chownSync(dir, postgresIds().uid, postgresIds().gid);
    for (const file of ['server.key', 'server.crt'])
      chownSync(join(dir, file), postgresIds().uid, postgresIds().gid);
  }
  chmodSync(join(dir, 'server.key'), 0o600);
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions']);
  writeFileSync(join(data, 'pg_hba.conf'), HBA);
  const port = await freePort();
  const settings = [
    `-c port=${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c ssl=on',
    `-c ssl_cert_file=${join(dir, 'server.crt')}`,
    `-c ssl_key_file=${join(dir, 'server.key')}`,
    '-c fsync=off',
    "-c password_encryption='scram-sha-256'",
  ].join(' ');
  await asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '30',
    '-o',
    settings,
    'start',
  ]);
  const passwordRole = { user: 'pk_password', password: 'tls-test-secret' };
  // Roles through the socket (trust), so the pg_hba rules above are all the tests exercise.
  await run(
    join(BIN, 'psql'),
    [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      `create role pk_password login password '${passwordRole.password}'; create role pk_ssl_only login; create role pk_plain_only login;`,
    ],
    { timeout: 30_000 },
  );
  return {
    host: '127.0.0.1',
    port,
    caCert: join(dir, 'ca.crt'),
    otherCaCert: join(dir, 'other-ca.crt'),
    passwordRole,
    sslOnlyRole: 'pk_ssl_only',
    plainOnlyRole: 'pk_plain_only',
    startMs: Date.now() - started,
  };
}

let ids: { uid: number; gid: number } | undefined;
function postgresIds(): { uid: number; gid: number } {
  if (!ids) {
    // /etc/passwd: name:x:uid:gid:…
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (!line) throw new Error('no postgres OS user');
    const [, , uid, gid] = line.split(':');
    ids = { uid: Number(uid), gid: Number(gid) };
  }
  return ids;
}

/** A suite with its own TLS cluster for the whole file; skipped, saying why, without the binaries. */
export function describeWithTlsServer(title: string, body: (server: () => TlsServer) => void): void {
  const why = missing();
  if (why) {
    describe.skip(`${title} [skipped: needs PostgreSQL 15 server binaries and openssl (${why})]`, () => {
      body(() => {
        throw new Error('no TLS server');
      });
    });
    return;
  }
  describe(title, () => {
    let dir: string | undefined;
    let server: TlsServer | undefined;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pk-tls-'));
      server = await start(dir);
    }, 120_000);
    afterAll(async () => {
      if (!dir) return;
      await asPostgres('pg_ctl', [
        '-D',
        join(dir, 'data'),
        '-m',
        'immediate',
        '-w',
        '-t',
        '30',
        'stop',
      ]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);
    body(() => {
      if (!server) throw new Error('TLS server not ready');
      return server;
    });
  });
}
