// Pre-flight against real PostgreSQL: what a role without rights, or a read-only session, would fail
// to do is said by `plan` and `check` before anyone runs `apply`.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readPreflight } from '../../src/catalog/preflight';
import { inspectWith } from '../../src/core';
import { connect } from '../../src/db/connect';
import { relationKey } from '../../src/sql/quote';
import type { TablePlan } from '../../src/types';
import { describeEachBackend, describeOnServer, type TestDatabase } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';
import { specOf } from '../helpers/snapshot';

const PREFLIGHT_CODE = /\b(missing-privilege|not-owner|read-only):/;

/** A role that can log in (the CI role) and the role owning the parent; dropped after the file. */
function rolesFor(db: () => TestDatabase): { ci: string; owner: string } {
  const suffix = randomBytes(4).toString('hex');
  const roles = { ci: `pk_ci_${suffix}`, owner: `pk_owner_${suffix}` };
  beforeAll(async () => {
    await db().client.query(`create role ${roles.ci} login; create role ${roles.owner} nologin`);
  });
  afterAll(async () => {
    // Runs before the database is dropped (after-hooks run last-registered first).
    await db().client.query(`reset role; drop owned by ${roles.ci}, ${roles.owner} cascade`);
    await db().client.query(`drop role ${roles.ci}; drop role ${roles.owner}`);
  });
  return roles;
}

describeEachBackend('pre-flight read as another role', (db) => {
  const roles = rolesFor(db);

  it('reads the role, its rights on schemas and parents, and a read-only session; the plan says so', async () => {
    await db().reset();
    await db().client.query(`
      create schema app;
      create table app.orders (k date not null) partition by range (k);
      alter table app.orders owner to ${roles.owner};`);
    const spec = specOf({ schema: 'app', name: 'orders', archive: { schema: 'arch', drop: false } });
    const client = await connect(db().url);
    try {
      const asSuperuser = await readPreflight(client, [spec]);
      expect(asSuperuser.schemas.get('app')).toEqual({ exists: true, usage: true, create: true });
      expect(asSuperuser.parents.get(relationKey(spec))).toEqual({
        owner: roles.owner,
        ownerRights: true,
        tablespaceCreate: true,
      });
      expect(asSuperuser.canCreateSchemas).toBe(true);

      await client.query(`set role ${roles.ci}`);
      const asCi = await readPreflight(client, [spec]);
      expect(asCi).toMatchObject({
        role: roles.ci,
        readOnly: false,
        inRecovery: false,
        canCreateSchemas: false,
      });
      expect(asCi.schemas.get('app')).toEqual({ exists: true, usage: false, create: false });
      expect(asCi.schemas.get('arch')).toEqual({ exists: false, usage: false, create: false });
      expect(asCi.parents.get(relationKey(spec))).toMatchObject({ owner: roles.owner, ownerRights: false });

      await client.query('set default_transaction_read_only = on');
      const readOnly = await readPreflight(client, [spec]);
      expect(readOnly).toMatchObject({ readOnly: true, readOnlySource: 'session' });

      const { plan } = await inspectWith(client, { file: 'test', tables: [spec] }, { date: '2024-02-15' });
      const [table] = plan.tables as [TablePlan];
      expect(table.create.length).toBeGreaterThan(0);
      expect(table.findings.map((f) => f.code)).toEqual(
        expect.arrayContaining(['shortfall', 'read-only', 'missing-privilege', 'not-owner']),
      );
      expect(table.findings.find((f) => f.code === 'shortfall')?.message).not.toMatch(/this plan fixes it/);
    } finally {
      // PGlite serves every connection from one session: leave it as it was.
      await client.query('reset default_transaction_read_only; reset role');
      await client.end();
    }
  });
});

describeOnServer('check before apply, as a role that cannot apply', (db) => {
  const roles = rolesFor(db);
  const database = (): string => new URL(db().url).pathname.slice(1);
  const asCi = (): NodeJS.ProcessEnv => {
    const url = new URL(db().url);
    url.username = roles.ci;
    return { DATABASE_URL: url.toString() };
  };
  const asAdmin = (): NodeJS.ProcessEnv => ({ DATABASE_URL: db().url });
  const config = (extra = ''): string =>
    writeConfig(`tables:\n  - table: app.orders\n    interval: month\n    premake: 2\n${extra}`);
  const run = (command: string, env: NodeJS.ProcessEnv, now = '2024-02-15', file = config()) =>
    runCli([command, '--config', file, '--now', now], env);
  const partitions = async (): Promise<number> =>
    (await db().client.query(`select from pg_inherits where inhparent = 'app.orders'::regclass`)).rowCount ??
    0;

  beforeAll(async () => {
    await db().client.query(`
      create schema app;
      grant usage on schema app to ${roles.ci};
      create table app.orders (k date not null) partition by range (k);
      alter table app.orders owner to ${roles.owner};`);
  });

  it('without CREATE on the schema: check exits 1 with the GRANT, and apply does fail', async () => {
    const check = await run('check', asCi());
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      `missing-privilege: role ${roles.ci} lacks CREATE on schema app, where the new partitions of app.orders go: GRANT CREATE ON SCHEMA app TO ${roles.ci}.`,
    );
    expect(check.stdout).toMatch(/shortfall: .*this plan would fix it, but apply cannot run it/);
    expect(check.stdout).not.toMatch(/this plan fixes it/);

    // The same database as a superuser: only the shortfall, which this plan fixes.
    const admin = await run('check', asAdmin());
    expect(admin.code).toBe(1);
    expect(admin.stdout).toMatch(/shortfall: .*this plan fixes it\./);
    expect(admin.stdout).not.toMatch(PREFLIGHT_CODE);

    const apply = await run('apply', asCi());
    expect(apply.code).toBe(1);
    expect(await partitions()).toBe(0);
  });

  it('with CREATE but not owning the parent: check exits 1 naming its owner', async () => {
    await db().client.query(`grant create on schema app to ${roles.ci}`);
    const check = await run('check', asCi());
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      `not-owner: role ${roles.ci} neither owns app.orders nor has the rights of its owner ${roles.owner}, which creating its partitions needs: ` +
        `GRANT ${roles.owner} TO ${roles.ci} (or ALTER TABLE app.orders OWNER TO ${roles.ci}).`,
    );
    expect(check.stdout).not.toMatch(/missing-privilege/);
  });

  it('a member of the owner role: the plan fixes it, apply does, and check passes', async () => {
    await db().client.query(`grant ${roles.owner} to ${roles.ci}`);
    const plan = await run('plan', asCi());
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/create\s+orders_y2024m02/);
    expect(plan.stdout).toMatch(/shortfall: .*this plan fixes it\./);
    expect(plan.stdout).not.toMatch(PREFLIGHT_CODE);

    expect((await run('apply', asCi())).code).toBe(0);
    expect(await partitions()).toBe(3);
    const check = await run('check', asCi());
    expect(check.stdout).not.toMatch(PREFLIGHT_CODE);
    expect(check.code).toBe(0);
  });

  it('a read-only database: check exits 1 naming it when there is work, and passes when there is none', async () => {
    await db().client.query(`alter database ${database()} set default_transaction_read_only = on`);
    try {
      // Nothing planned on 2024-02-15 (three months exist): apply would do nothing, so nothing can fail.
      expect((await run('check', asCi())).code).toBe(0);

      const check = await run('check', asCi(), '2024-06-15');
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(
        `read-only: the session is read-only (transaction_read_only is on), so apply cannot write: ` +
          `default_transaction_read_only is on for database ${database()}; ALTER DATABASE ${database()} RESET default_transaction_read_only, then reconnect.`,
      );
      expect((await run('apply', asCi(), '2024-06-15')).code).toBe(1);
      expect(await partitions()).toBe(3);
    } finally {
      // This session opened before the setting, so it can still write.
      await db().client.query(`alter database ${database()} reset default_transaction_read_only`);
    }
  });

  it('an archive schema that does not exist, and no CREATE on the database to make it', async () => {
    const archiving = config('    retention: 1 month\n    archive:\n      schema: arch\n');
    const check = await run('check', asCi(), '2024-04-15', archiving);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      `missing-privilege: schema arch, where archived partitions of app.orders move, does not exist, and role ${roles.ci} may not create it ` +
        `(no CREATE on database ${database()}): CREATE SCHEMA arch AUTHORIZATION ${roles.ci} as its owner or a superuser, ` +
        `or GRANT CREATE ON DATABASE ${database()} TO ${roles.ci}.`,
    );

    await db().client.query(`grant create on database ${database()} to ${roles.ci}`);
    const granted = await run('plan', asCi(), '2024-04-15', archiving);
    expect(granted.stdout).toMatch(
      /detach\s+orders_y2024m02 .*\n\s+move\s+orders_y2024m02 .* to schema arch \(creates it\)/,
    );
    expect(granted.stdout).not.toMatch(PREFLIGHT_CODE);
  });
});
