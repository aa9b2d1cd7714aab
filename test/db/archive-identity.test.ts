// A manifest names the database its dump came from. Two databases on the local server archive a
// same-named table (same parent, same bounds, other rows) into one store: the first's dump is
// stored and its table dropped; the second is refused (the dump's name carries no database) and the
// first's dump stays as it was — in a directory and in an S3-compatible server (s3rver).
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, parseManifest, readDatabaseIdentity } from '../../src/run/archive';
import { createTestDatabase, describeOnServer, type TestDatabase } from '../helpers/backends';
import { runCli, scratchDir, writeConfig } from '../helpers/cli';
import { useS3Server } from '../helpers/s3-server';
import { KID_ABSENCES_TABLE as TABLE, kidAbsencesConfig } from '../helpers/kid-absences';

const DUMP = 'archive.kid_absences_2025.pgdump';

const config = (store: string) => writeConfig(kidAbsencesConfig({ dump: store, drop: true }));

describeOnServer('archival: a manifest names its database', (db) => {
  const s3 = useS3Server('identity-archive');
  let other: TestDatabase;
  const dbName = (d: TestDatabase) => new URL(d.url).pathname.slice(1);

  beforeAll(async () => {
    other = await createTestDatabase('postgres');
  }, 60_000);
  afterAll(async () => {
    await other?.close();
  });

  /** The same table in both databases, with other rows: 100 rows 'first' here, 50 'second' there. */
  beforeEach(async () => {
    for (const [d, rows, reason] of [
      [db(), 100, 'first'],
      [other, 50, 'second'],
    ] as const) {
      await d.reset();
      await d.client.query('drop schema if exists archive cascade');
      await d.client.query(TABLE);
      await d.client.query(
        `insert into kid_absences select g, date '2025-01-01' + g, '${reason}' from generate_series(1, ${rows}) g`,
      );
    }
  });

  const apply = (d: TestDatabase, cfg: string) =>
    runCli(['apply', '--config', cfg, '--now', '2027-03-01'], { ...process.env, DATABASE_URL: d.url });
  /** Rows in the archived table, or null when it is gone. */
  const archivedRows = async (d: TestDatabase): Promise<number | null> => {
    const { rows } = await d.client.query(
      "select to_regclass('archive.kid_absences_2025') is not null as here",
    );
    if (!rows[0]?.here) return null;
    return (await d.client.query('select count(*)::int as n from archive.kid_absences_2025')).rows[0]?.n;
  };

  for (const kind of ['directory', 's3'] as const) {
    it(`${kind}: the second database is refused, naming both; the first's dump and manifest stay as they were`, async () => {
      const location =
        kind === 's3' ? `s3://${s3().bucket}/${randomBytes(4).toString('hex')}` : scratchDir('identity-');
      const cfg = config(location);
      const store = openStore(location, process.env);

      const first = await apply(db(), cfg);
      expect(first.stderr).not.toMatch(/^error/m);
      expect(first.code).toBe(0);
      expect(await archivedRows(db())).toBeNull(); // dropped: the store holds its only copy
      const stored = await store.getManifest(DUMP);

      const second = await apply(other, cfg);
      // The first's dump is untouched (same manifest, same bytes), the second's table kept.
      expect(await store.getManifest(DUMP)).toEqual(stored);
      expect(await store.confirm(DUMP, stored!.sha256)).toBe(true);
      expect(await archivedRows(other)).toBe(50);
      const { rows } = await db().client.query<{ id: string }>(
        'select system_identifier::text as id from pg_control_system()',
      );
      expect(stored).toMatchObject({
        version: 2,
        database: { name: dbName(db()), systemIdentifier: rows[0]?.id },
        rows: 100,
      });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `holds ${DUMP} from database "${dbName(db())}" (cluster ${rows[0]?.id}), not from this database "${dbName(other)}"`,
      );
      expect(second.stderr).toContain(
        `it is neither overwritten nor counted as this table's dump; archive this database's tables into another location, e.g. ${location}/${dbName(other)}`,
      );

      // Archived into the prefix it was told of, the second database's dump is stored and dropped.
      const own = await apply(other, config(`${location}/${dbName(other)}`));
      expect(own.code).toBe(0);
      expect(await archivedRows(other)).toBeNull();
      expect(await openStore(`${location}/${dbName(other)}`, process.env).getManifest(DUMP)).toMatchObject({
        database: { name: dbName(other) },
        rows: 50,
      });
    });
  }

  it('a manifest that names no database (version 1) is refused, neither overwritten nor counted as stored', async () => {
    const dir = scratchDir('identity-v1-');
    const first = await apply(db(), config(dir));
    expect(first.code).toBe(0);
    // What an earlier partition-keeper wrote: version 1, no database.
    const path = join(dir, `${DUMP}.manifest.json`);
    const { database: _dropped, ...v1 } = parseManifest(await readFile(path, 'utf8'), path);
    await writeFile(path, `${JSON.stringify({ ...v1, version: 1 }, null, 2)}\n`);
    const before = createHash('sha256')
      .update(await readFile(join(dir, DUMP)))
      .digest('hex');

    const second = await apply(other, config(dir));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `holds ${DUMP} with a manifest that does not say which database it came from (version 1, written before manifests recorded it)`,
    );
    expect(await archivedRows(other)).toBe(50);
    expect(
      createHash('sha256')
        .update(await readFile(join(dir, DUMP)))
        .digest('hex'),
    ).toBe(before);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ ...v1, version: 1 });
  });

  for (const [what, rewrite] of [
    [
      'names another cluster',
      (m: Record<string, unknown>) => ({ ...m, database: { name: 'app', systemIdentifier: '1' } }),
    ],
    [
      'names no database (version 1)',
      ({ database: _gone, ...m }: Record<string, unknown>) => ({ ...m, version: 1 }),
    ],
  ] as const) {
    it(`a manifest that ${what} but whose dump holds exactly this table's rows (the database moved) counts as stored: the table is dropped, the manifest kept`, async () => {
      const dir = scratchDir('identity-moved-');
      const kept = await apply(db(), writeConfig(kidAbsencesConfig({ dump: dir, drop: false })));
      expect(kept.code).toBe(0);
      expect(await archivedRows(db())).toBe(100);
      const path = join(dir, `${DUMP}.manifest.json`);
      const moved = rewrite(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>);
      await writeFile(path, `${JSON.stringify(moved, null, 2)}\n`);

      const dropped = await apply(db(), config(dir));
      expect(dropped.stderr).not.toMatch(/^error/m);
      expect(dropped.code).toBe(0);
      expect(await archivedRows(db())).toBeNull();
      expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(moved);
    });
  }

  describe('reading the identity', () => {
    const role = `pk_ident_${randomBytes(4).toString('hex')}`;
    afterAll(async () => {
      await db().client.query(`drop role if exists ${role}`);
    });

    it('a role that is not superuser reads the cluster system identifier too (PostgreSQL 15 default grants)', async () => {
      await db().client.query(`create role ${role} login nosuperuser`);
      const url = new URL(db().url);
      url.username = role;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const identity = await readDatabaseIdentity(client);
        const { rows } = await db().client.query<{ id: string }>(
          'select system_identifier::text as id from pg_control_system()',
        );
        expect(identity).toEqual({ name: dbName(db()), systemIdentifier: rows[0]?.id });
      } finally {
        await client.end();
      }
    });

    it('a role the provider denies pg_control_system() is identified by the database name alone', async () => {
      await db().client.query(`create role ${role}_denied login nosuperuser`);
      await db().client.query('revoke execute on function pg_catalog.pg_control_system() from public');
      const url = new URL(db().url);
      url.username = `${role}_denied`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        expect(await readDatabaseIdentity(client)).toEqual({ name: dbName(db()) });
      } finally {
        await client.end();
        await db().client.query('grant execute on function pg_catalog.pg_control_system() to public');
        await db().client.query(`drop role if exists ${role}_denied`);
      }
    });
  });
});
