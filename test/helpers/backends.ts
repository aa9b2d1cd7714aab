// Real PostgreSQL for the tests: the local server when reachable (or TEST_DATABASE_URL), and always
// the embedded PGlite served over the wire protocol, both reached through the same `pg` driver.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { describe, beforeAll, afterAll } from 'vitest';

export type BackendName = 'postgres' | 'pglite';

export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function serverReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const serverAvailable = await serverReachable();
if (!serverAvailable) {
  console.warn(`PostgreSQL server not reachable: server tests are skipped, PGlite tests still run`);
}

export const availableBackends: BackendName[] = serverAvailable ? ['postgres', 'pglite'] : ['pglite'];

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
 * Runs the same suite once per available backend, each with its own database for the whole file.
 * Tests in a suite share that database: call `db().reset()` (or use distinct schemas) between them.
 */
export function describeEachBackend(
  title: string,
  body: (db: () => TestDatabase, backend: BackendName) => void,
): void {
  for (const backend of availableBackends) describeOn(backend, title, body);
}

/** For tests that need truly concurrent sessions (locks, load): the server only, and says so when skipped. */
export function describeOnServer(title: string, body: (db: () => TestDatabase) => void): void {
  if (serverAvailable) {
    describeOn('postgres', title, body);
  } else {
    describe.skip(`${title} [skipped: needs the PostgreSQL server; PGlite runs one query at a time]`, () => {
      body(() => {
        throw new Error('no server');
      });
    });
  }
}

function describeOn(
  backend: BackendName,
  title: string,
  body: (db: () => TestDatabase, backend: BackendName) => void,
): void {
  describe(`${title} [${backend}]`, () => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await createTestDatabase(backend);
    }, 60_000);
    afterAll(async () => {
      await database?.close();
    }, 60_000);
    body(() => {
      if (!database) throw new Error('test database not ready');
      return database;
    }, backend);
  });
}
