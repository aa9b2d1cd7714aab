// Real PostgreSQL for the tests: the PostgreSQL server, and always the embedded PGlite served over
// the wire protocol, both reached through the same `pg` driver.
//
// Which server, and whether it must be there:
//   TEST_DATABASE_URL   the server to test against; giving it makes the server required.
//   CI                  any non-empty value makes the server required (at TEST_DATABASE_URL or the default).
//   PK_TEST_SERVER_URL  a server to use when reachable, without requiring it (e.g. a closed port, to
//                       see the run without a server); default postgres://postgres@127.0.0.1:5432/postgres.
// A required server that cannot be reached fails every server test, with the URL (no password) and
// the reason. Otherwise its suites are still registered but skipped, so each of their tests is
// counted as skipped in the run's closing line instead of vanishing.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { describe, beforeAll, afterAll } from 'vitest';

export type BackendName = 'postgres' | 'pglite';

const given = (name: string): string | undefined => process.env[name] || undefined;

export const SERVER_URL =
  given('TEST_DATABASE_URL') ?? given('PK_TEST_SERVER_URL') ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const requiredBecause = given('CI')
  ? 'CI is set'
  : given('TEST_DATABASE_URL')
    ? 'TEST_DATABASE_URL is given'
    : undefined;

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(a URL that does not parse)';
  }
}

/** Why the server cannot be used, or undefined when it answers. */
async function serverProblem(): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: SERVER_URL,
    connectionTimeoutMillis: 2000,
    query_timeout: 5000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return `PostgreSQL server ${withoutPassword(SERVER_URL)} not reachable (${reason})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await serverProblem();
/** For suites that use the server without a database of their own (skipped, and counted, when it is away). */
export const serverAvailable = unreachable === undefined;
if (unreachable) {
  console.warn(
    requiredBecause
      ? `${unreachable}: server tests fail, as it is required because ${requiredBecause}`
      : `${unreachable}: server tests are skipped (set CI or TEST_DATABASE_URL to require it), PGlite tests still run`,
  );
}

/** A database of its own for one test file, on one backend. */
export interface TestDatabase {
  backend: BackendName;
  /** Connection URL for this database (give it to the CLI / the core). */
  url: string;
  /** An open admin connection to this database. */
  client: pg.Client;
  /** Drops every schema the tests made and recreates an empty `public`. */
  reset(): Promise<void>;
  /** Runs SQL on a fresh connection (handy for concurrent sessions). */
  connect(): Promise<pg.Client>;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function openClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function resetSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ nspname: string }>(
    `select nspname from pg_namespace
      where nspname not like 'pg\\_%' and nspname not in ('information_schema')`,
  );
  for (const { nspname } of rows) {
    await client.query(`drop schema ${pg.escapeIdentifier(nspname)} cascade`);
  }
  await client.query('create schema public');
}

async function createServerDatabase(): Promise<TestDatabase> {
  const name = `pk_test_${randomBytes(6).toString('hex')}`;
  const admin = await openClient(SERVER_URL);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(SERVER_URL, name);
  const client = await openClient(url);
  return {
    backend: 'postgres',
    url,
    client,
    reset: () => resetSchemas(client),
    connect: () => openClient(url),
    async close() {
      await client.end().catch(() => undefined);
      const again = await openClient(SERVER_URL);
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  const client = await openClient(url);
  return {
    backend: 'pglite',
    url,
    client,
    reset: () => resetSchemas(client),
    connect: () => openClient(url),
    async close() {
      await client.end().catch(() => undefined);
      await server.stop();
      await db.close();
    },
  };
}

export function createTestDatabase(backend: BackendName): Promise<TestDatabase> {
  return backend === 'postgres' ? createServerDatabase() : createPgliteDatabase();
}

/**
 * Runs the same suite once per backend, each with its own database for the whole file.
 * Tests in a suite share that database: call `db().reset()` (or use distinct schemas) between them.
 */
export function describeEachBackend(
  title: string,
  body: (db: () => TestDatabase, backend: BackendName) => void,
): void {
  describeOn('postgres', title, body);
  describeOn('pglite', title, body);
}

/** For tests that need truly concurrent sessions (locks, load): the server only (PGlite runs one query at a time). */
export function describeOnServer(title: string, body: (db: () => TestDatabase) => void): void {
  describeOn('postgres', title, body);
}

function describeOn(
  backend: BackendName,
  title: string,
  body: (db: () => TestDatabase, backend: BackendName) => void,
): void {
  const problem = backend === 'postgres' ? unreachable : undefined;
  if (problem && !requiredBecause) {
    // Registered, so every test shows up as skipped; the body only declares tests and hooks.
    describe.skip(`${title} [${backend}] [skipped: ${problem}]`, () => {
      body(() => {
        throw new Error(problem);
      }, backend);
    });
    return;
  }
  // A required server that is not there: the suite's setup fails, and with it each of its tests.
  const missing = problem && `${problem}; it is required because ${requiredBecause}`;
  describe(`${title} [${backend}]`, () => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      if (missing) throw new Error(missing);
      database = await createTestDatabase(backend);
    }, 60_000);
    afterAll(async () => {
      await database?.close();
    }, 60_000);
    body(() => {
      if (!database) throw new Error(missing || 'test database not ready');
      return database;
    }, backend);
  });
}
