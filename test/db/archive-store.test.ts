// Archival's side effects on the real server (pg_dump needs one) and a real S3-compatible server
// (s3rver on 127.0.0.1) through the real AWS SDK: dump, fingerprint, verify, store, confirm.
import { chmod, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConnInfo } from '../../src/db/conninfo';
import {
  DumpToolError,
  DumpVerificationError,
  PG_BIN_VARIABLE,
  StoreError,
  dumpFileName,
  dumpTable,
  dumpTarget,
  openStore,
  parseManifest,
  readServerVersion,
  serializeManifest,
  tableFingerprint,
  verifyDump,
  type ArchiveStore,
  type DumpTarget,
  type ManifestEntry,
} from '../../src/run/archive';
import { S3_TIMEOUTS, s3ClientConfig } from '../../src/run/archive/store';
import { quoteQualified } from '../../src/sql/quote';
import { describeOnServer } from '../helpers/backends';
import { startS3Server, type S3TestServer } from '../helpers/s3-server';

// A schema and a table whose names hold a quote, a space, a dot and a newline.
const ODD = { schema: 'arch"ive 2025', name: 'kid.absences\n2025' };
const ROWS = 3000;

const ODD_TABLE = `
  CREATE TYPE pair AS (a int, b text);
  CREATE TYPE mood AS ENUM ('sad', 'ok\\t');
  CREATE DOMAIN note AS text;
  CREATE DOMAIN flag AS bool;
  CREATE SCHEMA "arch""ive 2025";
  CREATE TABLE "arch""ive 2025"."kid.absences
2025" (
    id int NOT NULL, "Note ""quoted""" text, present bool, ratio float8, seen timestamptz,
    doc jsonb, tags text[], raw bytea, amount numeric, doubled int GENERATED ALWAYS AS (id * 2) STORED,
    p pair, ip inet, code char(6), label varchar(40), day date, big bigint, span interval, u uuid,
    small int2, o oid, f4 float4, clock time, clock_tz timetz, stamp timestamp, m mood, n note, fl flag);
  ALTER TABLE "arch""ive 2025"."kid.absences
2025" DROP COLUMN amount;
  ALTER TABLE "arch""ive 2025"."kid.absences
2025" ADD COLUMN amount numeric;
  INSERT INTO "arch""ive 2025"."kid.absences
2025" (id, "Note ""quoted""", present, ratio, seen, doc, tags, raw, amount, p, ip,
    code, label, day, big, span, u, small, o, f4, clock, clock_tz, stamp, m, n, fl)
  SELECT i,
         CASE WHEN i % 7 = 0 THEN NULL ELSE E'line\\nbreak\\ttab\\\\back\\r ' || i || E'\\b\\f\\v,"x"' END,
         CASE WHEN i % 11 = 0 THEN NULL ELSE i % 2 = 0 END,
         i / 3.0,
         '2025-01-01 00:00:00+00'::timestamptz + i * interval '17 minutes',
         jsonb_build_object('k', E'v\\n' || i, 'n', i),
         ARRAY['a b', E'c\\td', NULL, E'back\\\\slash'],
         decode('00ff5c0a' || lpad(to_hex(i), 4, '0'), 'hex'),
         CASE WHEN i % 13 = 0 THEN NULL ELSE i * 1.5 END,
         CASE WHEN i % 5 = 0 THEN ROW(NULL, NULL)::pair ELSE ROW(i, 'x,y')::pair END,
         '10.0.0.1',
         CASE WHEN i % 3 = 0 THEN NULL ELSE 'ab' END,
         CASE WHEN i % 4 = 0 THEN NULL ELSE E'v\\t' || i || E'\\\\\\n' END,
         CASE WHEN i % 6 = 0 THEN NULL ELSE DATE '2025-01-01' + i END,
         CASE WHEN i % 8 = 0 THEN NULL ELSE i * 10000000000 END,
         CASE WHEN i % 9 = 0 THEN NULL ELSE i * interval '1 day 3 hours' END,
         CASE WHEN i % 10 = 0 THEN NULL ELSE md5(i::text)::uuid END,
         CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 30000 - 15000)::int2 END,
         CASE WHEN i % 12 = 0 THEN NULL ELSE i::oid END,
         CASE i % 6 WHEN 0 THEN 'NaN'::float4 WHEN 1 THEN '-Infinity'::float4 WHEN 2 THEN '-0'::float4
                    WHEN 3 THEN NULL ELSE i / 7.0::float4 END,
         CASE WHEN i % 13 = 0 THEN NULL ELSE TIME '00:00' + i * interval '7 seconds' END,
         CASE WHEN i % 14 = 0 THEN NULL ELSE ('12:34:56.789+0' || (i % 9) || ':30')::timetz END,
         CASE i % 5 WHEN 0 THEN 'infinity'::timestamp WHEN 1 THEN '-infinity'::timestamp WHEN 2 THEN NULL
                    ELSE TIMESTAMP '0044-03-15 12:00 BC' + i * interval '1 year' END,
         CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 'sad'::mood ELSE 'ok\\t'::mood END,
         CASE WHEN i % 4 = 0 THEN NULL ELSE (E'dom\\\\ain\\n' || i)::note END,
         CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 2 = 0)::flag END
    FROM generate_series(1, ${ROWS}) AS i;`;

describeOnServer('archive store: dump, fingerprint, verify', (db) => {
  let dir: string;
  let target: DumpTarget;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pk-archive-'));
    await db().client.query(ODD_TABLE);
    const server = await readServerVersion(db().client);
    target = dumpTarget(parseConnInfo(db().url, {}), server, { PATH: process.env.PATH });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function freshDump(
    file: string,
  ): Promise<{ rows: number; checksum: string; size: number; sha256: string }> {
    const fingerprint = await tableFingerprint(db().client, ODD);
    const dump = await dumpTable(target, ODD, join(dir, file));
    return { ...fingerprint, size: dump.size, sha256: dump.sha256 };
  }

  it('dumps an oddly named table with NULLs, newlines, tabs and backslashes, and the dump verifies', async () => {
    const file = join(dir, 'odd.pgdump');
    const fingerprint = await tableFingerprint(db().client, ODD);
    expect(fingerprint.rows).toBe(ROWS);
    const dump = await dumpTable(target, ODD, file);
    expect(dump.pgDumpVersion).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
    expect(dump.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).size).toBe(dump.size);
    await expect(stat(`${file}.partial`)).rejects.toThrow();
    await verifyDump(target, file, { ...fingerprint, ...dump });
  });

  it('the checksum of a known table is the one manifests written before the faster fingerprint hold', async () => {
    // Computed by the fingerprint of commit 2724f29 (each row's md5 summed as two bigints the slow
    // way): a manifest written then must still compare equal.
    await db().client.query(`
      CREATE TYPE pin_mood AS ENUM ('sad', 'ok');
      CREATE DOMAIN pin_note AS text;
      CREATE DOMAIN pin_flag AS bool;
      CREATE TABLE public.pin (id int, label text, yes bool, ratio float8, day date, mood pin_mood,
                               n pin_note, f pin_flag);
      INSERT INTO public.pin
      SELECT i, CASE WHEN i % 5 = 0 THEN NULL ELSE E'a\\\\b\\tc ' || i END, i % 2 = 0, i / 7.0,
             DATE '2020-01-01' + i, CASE WHEN i % 3 = 0 THEN 'sad' ELSE 'ok' END::pin_mood, 'n' || i, i % 4 = 0
        FROM generate_series(1, 1000) AS i;`);
    expect(await tableFingerprint(db().client, { schema: 'public', name: 'pin' })).toEqual({
      rows: 1000,
      checksum: 'md5sum:-108335230539065964660:27354364902061311075',
    });
  });

  it('the fingerprint sees any change to the rows, and not their order', async () => {
    const client = db().client;
    await client.query('CREATE TABLE public.fp (id int, t text)');
    await client.query("INSERT INTO public.fp VALUES (1, 'a'), (2, NULL), (3, E'x\\ty')");
    const first = await tableFingerprint(client, { schema: 'public', name: 'fp' });
    await client.query('CREATE TABLE public.fp2 (id int, t text)');
    await client.query("INSERT INTO public.fp2 VALUES (3, E'x\\ty'), (1, 'a'), (2, NULL)");
    expect(await tableFingerprint(client, { schema: 'public', name: 'fp2' })).toEqual(first);
    await client.query("UPDATE public.fp2 SET t = '' WHERE id = 2"); // '' is not NULL
    expect((await tableFingerprint(client, { schema: 'public', name: 'fp2' })).checksum).not.toBe(
      first.checksum,
    );
    await expect(tableFingerprint(client, { schema: 'public', name: 'missing' })).rejects.toThrow(
      /does not exist/,
    );
  });

  it('a truncated dump fails verification, even against its own size and sha256', async () => {
    const expected = await freshDump('truncated.pgdump');
    const file = join(dir, 'truncated.pgdump');
    await truncate(file, Math.floor(expected.size * 0.6));
    await expect(verifyDump(target, file, expected)).rejects.toThrow(/bytes where .* were recorded/);
    const own = { ...expected, size: (await stat(file)).size, sha256: await sha256Of(file) };
    await expect(verifyDump(target, file, own)).rejects.toBeInstanceOf(DumpVerificationError);
  });

  it('a flipped byte fails verification, even against its own size and sha256', async () => {
    const expected = await freshDump('flipped.pgdump');
    const file = join(dir, 'flipped.pgdump');
    const bytes = await readFile(file);
    const at = Math.floor(bytes.length * 0.75);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    await writeFile(file, bytes);
    await expect(verifyDump(target, file, expected)).rejects.toThrow(
      /its sha256 is .* where .* was recorded/,
    );
    const own = { ...expected, sha256: await sha256Of(file) };
    await expect(verifyDump(target, file, own)).rejects.toBeInstanceOf(DumpVerificationError);
  });

  it('a dump whose rows differ from the table (changed after the fingerprint) fails verification', async () => {
    const before = await tableFingerprint(db().client, ODD);
    await db().client.query(`UPDATE ${quoteQualified(ODD)} SET present = NOT present WHERE id = 42`);
    const dump = await dumpTable(target, ODD, join(dir, 'changed.pgdump'));
    await expect(verifyDump(target, join(dir, 'changed.pgdump'), { ...before, ...dump })).rejects.toThrow(
      /rows it gives back differ from the table's/,
    );
    await db().client.query(`DELETE FROM ${quoteQualified(ODD)} WHERE id = 43`);
    const dump2 = await dumpTable(target, ODD, join(dir, 'fewer.pgdump'));
    await expect(verifyDump(target, join(dir, 'fewer.pgdump'), { ...before, ...dump2 })).rejects.toThrow(
      new RegExp(`gives back ${ROWS - 1} rows where the table had ${ROWS}`),
    );
  });

  it('an abort (the run deadline) stops pg_dump and pg_restore, and leaves no dump behind', async () => {
    const file = join(dir, 'aborted.pgdump');
    await expect(dumpTable(target, ODD, file, { signal: AbortSignal.abort() })).rejects.toThrow(
      /failed: stopped: the run deadline passed/,
    );
    await expect(stat(file)).rejects.toThrow();
    await expect(stat(`${file}.partial`)).rejects.toThrow();
    const expected = await freshDump('to-verify.pgdump');
    await expect(
      verifyDump(target, join(dir, 'to-verify.pgdump'), expected, { signal: AbortSignal.abort() }),
    ).rejects.toThrow(/pg_restore --list cannot read it: stopped: the run deadline passed/);
  });

  it('a missing table is an error and leaves no file', async () => {
    const file = join(dir, 'missing.pgdump');
    await expect(dumpTable(target, { schema: 'public', name: 'nope' }, file)).rejects.toThrow(
      /pg_dump of "public"."nope" failed: .*no matching tables/,
    );
    await expect(stat(file)).rejects.toThrow();
    await expect(stat(`${file}.partial`)).rejects.toThrow();
  });

  it('a missing pg_dump is a clear error naming the server version and the client to install', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    const noTools = { ...target, env: { PATH: empty } };
    const error = await dumpTable(noTools, ODD, join(dir, 'none.pgdump')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpToolError);
    const major = Math.floor(target.server.num / 10_000);
    expect(String((error as Error).message)).toMatch(
      new RegExp(`pg_dump not found on PATH; the server is PostgreSQL ${major}\\.`),
    );
    expect((error as Error).message).toContain(`postgresql-client-${major}`);
  });

  it(`an older pg_dump (chosen with ${PG_BIN_VARIABLE}) is a clear error naming both versions`, async () => {
    const bin = await fakeTools(dir, 'old', 'echo "pg_dump (PostgreSQL) 12.0"');
    const old = dumpTarget(target.conn, target.server, { PATH: process.env.PATH, [PG_BIN_VARIABLE]: bin });
    expect(old.pgBin).toBe(bin);
    const error = await dumpTable(old, ODD, join(dir, 'old.pgdump')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DumpToolError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /pg_dump is version 12 \(pg_dump \(PostgreSQL\) 12\.0, in PARTITION_KEEPER_PG_BIN=/,
    );
    expect(message).toContain(`older than the server's PostgreSQL ${target.server.text}`);
    expect(message).toContain("on GitHub's Ubuntu runners: the PGDG `postgresql-client-");
    await expect(stat(join(dir, 'old.pgdump'))).rejects.toThrow();
  });

  it('pg_dump gets the connection, password included, through its environment and never its arguments', async () => {
    const record = join(dir, 'record.txt');
    const bin = await fakeTools(
      dir,
      'recorder',
      `echo "pg_dump (PostgreSQL) 99.0"`,
      `printf '%s\\n' "$@" > '${record}'; env | grep '^PG' | sort >> '${record}'; printf 'PGDMP'`,
    );
    const secret = 'Pw-SECRET-7f3a';
    const conn = parseConnInfo(`postgres://alice:${secret}@db.example:6543/claims?sslmode=require`, {});
    const spy = {
      ...dumpTarget(conn, target.server, { PATH: process.env.PATH, PGSERVICE: 'x' }),
      pgBin: bin,
    };
    const dump = await dumpTable(spy, ODD, join(dir, 'spy.pgdump'));
    expect(dump.size).toBe(5);
    const lines = (await readFile(record, 'utf8')).split('\n');
    const args = lines.filter((l) => !l.startsWith('PG'));
    expect(args.join('\n')).not.toContain(secret);
    expect(args.join('\n')).not.toContain('db.example');
    expect(args).toContain('--table="arch""ive 2025"."kid.absences');
    expect(lines).toEqual(
      expect.arrayContaining([
        `PGPASSWORD=${secret}`,
        'PGHOST=db.example',
        'PGPORT=6543',
        'PGUSER=alice',
        'PGDATABASE=claims',
        'PGSSLMODE=require',
        'PGTZ=UTC',
      ]),
    );
    expect(lines).not.toContain('PGSERVICE=x'); // only the parsed connection reaches the tools
  });

  it("pg_dump's errors never echo the password", async () => {
    const secret = 'Pw-SECRET-91bd';
    const conn = { ...target.conn, password: secret, database: `no_such_db_${secret}` };
    const error = await dumpTable({ ...target, conn }, ODD, join(dir, 'nodb.pgdump')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DumpToolError);
    expect((error as Error).message).toMatch(/failed: .*no_such_db_\*\*\*/);
    expect(inspect(error)).not.toContain(secret);
  });
});

describe('archive store: directory and S3', () => {
  let dir: string;
  let s3: S3TestServer;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pk-store-'));
    s3 = await startS3Server();
    // The SDK reads credentials, region and endpoint from the process environment itself.
    for (const [key, value] of Object.entries(s3.env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const name = dumpFileName(ODD);
  let file: string;
  let sha256: string;
  beforeEach(async () => {
    file = join(dir, 'local.pgdump');
    // Bigger than two multipart parts, so the S3 upload is a real multipart upload.
    const bytes = Buffer.alloc(17 * 1024 * 1024 + 12345);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) & 0xff;
    await writeFile(file, bytes);
    sha256 = await sha256Of(file);
  });

  const manifest = (): ManifestEntry => ({
    version: 1,
    table: quoteQualified(ODD),
    parent: 'public.kid_absences',
    from: '2025-01-01',
    to: '2026-01-01',
    rows: ROWS,
    checksum: 'md5sum:1:2',
    file: name,
    size: 17 * 1024 * 1024 + 12345,
    sha256,
    serverVersion: '15.10',
    pgDumpVersion: 'pg_dump (PostgreSQL) 15.10',
    createdAt: '2026-11-30T12:00:00.000Z',
  });

  async function roundTrip(store: ArchiveStore): Promise<void> {
    expect(await store.confirm(name, sha256)).toBe(false); // not there yet
    expect(await store.getManifest(name)).toBeUndefined();
    await store.put(name, file, sha256);
    expect(await store.confirm(name, sha256)).toBe(true);
    expect(await store.confirm(name, '0'.repeat(64))).toBe(false);
    await store.putManifest(manifest());
    expect(await store.getManifest(name)).toEqual(manifest());
    const back = join(dir, 'back', 'fetched.pgdump');
    await store.download(name, back);
    expect(await sha256Of(back)).toBe(sha256);
    // A wrong sha256 in the manifest: the stored dump does not carry it.
    await store.putManifest({ ...manifest(), sha256: 'f'.repeat(64) });
    const wrong = await store.getManifest(name);
    expect(await store.confirm(name, wrong?.sha256 ?? '')).toBe(false);
  }

  it('directory: put, confirm, download, manifest; a corrupted file no longer confirms', async () => {
    const store = openStore(join(dir, 'dumps'));
    expect(store.label).toBe(join(dir, 'dumps'));
    await roundTrip(store);
    const stored = join(dir, 'dumps', name);
    const bytes = await readFile(stored);
    bytes[1000] = (bytes[1000] as number) ^ 1;
    await writeFile(stored, bytes);
    expect(await store.confirm(name, sha256)).toBe(false);
    await writeFile(join(dir, 'dumps', `${name}.manifest.json`), '{"version":1,"table":"x"}');
    await expect(store.getManifest(name)).rejects.toThrow(/manifest .*: field parent/);
    await expect(store.put('../escape', file, sha256)).rejects.toBeInstanceOf(StoreError);
  });

  it('S3: multipart put, confirm, download, manifest; a corrupted object no longer confirms', async () => {
    const store = openStore(`s3://${s3.bucket}/claims/pg/`);
    expect(store.label).toBe(`s3://${s3.bucket}/claims/pg at ${s3.endpoint}`);
    await roundTrip(store);
    // Overwrite the object through the SDK with other bytes of the same length.
    const client = new S3Client(s3ClientConfig(process.env));
    const other = await readFile(file);
    other[5] = (other[5] as number) ^ 1;
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `claims/pg/${name}`, Body: other }));
    expect(await store.confirm(name, sha256)).toBe(false);
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `claims/pg/${name}.manifest.json`, Body: '[]' }),
    );
    await expect(store.getManifest(name)).rejects.toThrow(StoreError);
    client.destroy();
  });

  it('S3: an aborted upload (the run deadline) is a StoreError, and nothing counts as stored', async () => {
    const store = openStore(`s3://${s3.bucket}/aborted`);
    const error = await store
      .put(name, file, sha256, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(await store.confirm(name, sha256)).toBe(false);
  });

  it('S3: a missing bucket is an error, not "not stored"', async () => {
    const store = openStore('s3://no-such-bucket/x');
    await expect(store.confirm(name, sha256)).rejects.toThrow(/NoSuchBucket/);
    await expect(store.getManifest(name)).rejects.toThrow(/NoSuchBucket/);
  });

  it('S3: a failing upload names the store and the reason, and never the secret key', async () => {
    // s3rver checks the access key id (not v4 signatures): an unknown one makes every request fail.
    const secret = 'SECRET-KEY-do-not-print-4b1c';
    process.env.AWS_SECRET_ACCESS_KEY = secret;
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWN0000000';
    try {
      const errors: unknown[] = [];
      for (const location of [`s3://${s3.bucket}/x`, 's3://no-such-bucket/x']) {
        const store = openStore(location);
        expect(store.label).not.toContain(secret);
        errors.push(await store.put(name, file, sha256).catch((e: unknown) => e));
        errors.push(await store.putManifest(manifest()).catch((e: unknown) => e));
        errors.push(await store.confirm(name, sha256).catch((e: unknown) => e));
        errors.push(await store.download(name, join(dir, 'never.pgdump')).catch((e: unknown) => e));
      }
      for (const error of errors) {
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).toMatch(/in s3:\/\/.* at http:\/\/127\.0\.0\.1:\d+: \w+/);
        expect(inspect(error, { depth: 10 })).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
      }
      expect((errors[0] as Error).message).toMatch(/^cannot upload .*: InvalidAccessKeyId \(HTTP 403\)/);
      expect((errors[4] as Error).message).toMatch(/^cannot upload .*: InvalidAccessKeyId|NoSuchBucket/);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = s3.env.AWS_SECRET_ACCESS_KEY;
      process.env.AWS_ACCESS_KEY_ID = s3.env.AWS_ACCESS_KEY_ID;
    }
  });

  it('manifests: validated field by field; dump names safe as file names and keys, and unambiguous', () => {
    expect(parseManifest(serializeManifest(manifest()), 'm')).toEqual(manifest());
    expect(() => parseManifest('{', 'x.json')).toThrow('manifest x.json is not JSON');
    expect(() => parseManifest(JSON.stringify({ ...manifest(), sha256: 'ABC' }), 'x.json')).toThrow(
      /manifest x.json: field sha256 must be 64 lower-case hex digits/,
    );
    expect(() => parseManifest(JSON.stringify({ ...manifest(), rows: -1 }), 'x.json')).toThrow(/field rows/);
    expect(() => parseManifest(JSON.stringify({ ...manifest(), version: 3 }), 'x.json')).toThrow(
      /field version/,
    );
    // Version 2 names its database; version 1 (written before) does not have to.
    expect(() => parseManifest(JSON.stringify({ ...manifest(), version: 2 }), 'x.json')).toThrow(
      /manifest x.json: field database is required from version 2 on/,
    );
    const v2 = {
      ...manifest(),
      version: 2 as const,
      database: { name: 'app', systemIdentifier: '7713972487180605569' },
    };
    expect(parseManifest(serializeManifest(v2), 'm')).toEqual(v2);
    expect(() =>
      parseManifest(JSON.stringify({ ...v2, database: { name: 'app', systemIdentifier: 'x' } }), 'x.json'),
    ).toThrow(/field database.systemIdentifier/);
    expect(() => parseManifest(JSON.stringify({ ...manifest(), password: 'x' }), 'x.json')).toThrow();
    expect(name).toBe('arch%22ive%202025.kid%2Eabsences%0A2025.pgdump');
    expect(dumpFileName({ schema: 'a.b', name: 'c' })).not.toBe(dumpFileName({ schema: 'a', name: 'b.c' }));
    expect(dumpFileName({ schema: 's', name: '../x/y' })).toBe('s.%2E%2E%2Fx%2Fy.pgdump');
  });

  it('the integrity-header setting follows the SDK variables, and path style only with an endpoint', () => {
    expect(s3ClientConfig({})).toEqual({
      requestHandler: S3_TIMEOUTS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    expect(
      s3ClientConfig({
        AWS_ENDPOINT_URL: 'http://minio:9000',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_SUPPORTED',
      }),
    ).toEqual({ requestHandler: S3_TIMEOUTS, forcePathStyle: true });
  });
});

async function sha256Of(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** A directory with a pg_dump script: `--version` runs `version`, anything else runs `body`. */
async function fakeTools(parent: string, label: string, version: string, body = 'exit 3'): Promise<string> {
  const bin = await mkdtemp(join(parent, `${label}-`));
  const script = join(bin, 'pg_dump');
  await writeFile(script, `#!/bin/sh\nif [ "$1" = "--version" ]; then ${version}; exit 0; fi\n${body}\n`);
  await chmod(script, 0o755);
  return bin;
}
