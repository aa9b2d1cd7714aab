// A table written without a schema resolves as SQL resolves it: through the connection's
// search_path, in the first schema holding a relation of that name; plans show the schema found.
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend, type BackendName } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';

describeEachBackend('bare table names and the search_path', (db, backend: BackendName) => {
  const sql = (text: string): Promise<unknown> => db().client.query(text);

  /**
   * The search_path our connections get. On the server, the database's own setting (new sessions
   * read it); PGlite serves every connection from one session, so there it is that session's.
   */
  async function setSearchPath(value: string): Promise<void> {
    if (backend === 'pglite') {
      await sql(`set search_path = ${value}`);
      return;
    }
    const { rows } = await db().client.query<{ name: string }>('select current_database() as name');
    await sql(`alter database "${rows[0]!.name}" set search_path = ${value}`);
  }

  afterEach(async () => {
    await setSearchPath('"$user", public');
  });

  async function planJson(config: string): Promise<{
    code: number;
    tables: {
      table: string;
      schema: string;
      create: { schema: string; name: string }[];
      findings: { code: string; message: string }[];
    }[];
  }> {
    const result = await runCli([
      'plan',
      '--config',
      config,
      '--now',
      '2024-01-15',
      '--format',
      'json',
      '--database-url',
      db().url,
    ]);
    return { code: result.code, ...JSON.parse(result.stdout) };
  }

  const ORDERS = 'tables:\n  - table: orders\n    interval: month\n    premake: 1\n';

  function orders(schema: string): string {
    return `
      create table ${schema}.orders (id int, placed date not null) partition by range (placed);
      create table ${schema}.orders_y2024m01 partition of ${schema}.orders for values from ('2024-01-01') to ('2024-02-01');`;
  }

  it('search_path app, public with the table in app: app.orders, its partitions planned in app', async () => {
    await db().reset();
    await sql(`create schema app; ${orders('app')}`);
    await setSearchPath('app, public');
    const plan = await planJson(writeConfig(ORDERS));
    expect(plan.code).toBe(0);
    expect(plan.tables[0]).toMatchObject({ table: 'app.orders' });
    expect(plan.tables[0]!.create.map((c) => `${c.schema}.${c.name}`)).toEqual(['app.orders_y2024m02']);
    const check = await runCli([
      'check',
      '--config',
      writeConfig(ORDERS),
      '--now',
      '2024-01-15',
      '--database-url',
      db().url,
    ]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('FAIL  app.orders:');
    const status = await runCli(['status', '--config', writeConfig(ORDERS), '--database-url', db().url]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^app\.orders {2}\(key placed date\)/);
  });

  it('in both app and public: the first schema on the search_path wins, as in psql', async () => {
    await db().reset();
    await sql(`create schema app; ${orders('app')} ${orders('public')}`);
    await setSearchPath('app, public');
    expect((await planJson(writeConfig(ORDERS))).tables[0]).toMatchObject({
      table: 'app.orders',
    });
    await setSearchPath('public, app');
    expect((await planJson(writeConfig(ORDERS))).tables[0]).toMatchObject({
      table: 'public.orders',
    });
    // A schema written out is taken as written, whatever the search_path.
    const written = await planJson(writeConfig(ORDERS.replace('table: orders', 'table: app.orders')));
    expect(written.tables[0]).toMatchObject({ table: 'app.orders' });
  });

  it('in neither: a missing-table error naming the search_path', async () => {
    await db().reset();
    await sql(`create schema app; create schema other; ${orders('other')}`);
    await sql(`create table app.visits (at date not null) partition by range (at)`);
    await setSearchPath('app, public');
    // The missing name is not the first: the search_path still comes with it.
    const plan = await planJson(
      writeConfig(`${ORDERS.replace('tables:\n', 'tables:\n  - table: visits\n    interval: month\n')}`),
    );
    expect(plan.code).toBe(2);
    expect(plan.tables[0]).toMatchObject({ table: 'app.visits' });
    expect(plan.tables[1]!.findings).toEqual([
      {
        level: 'error',
        code: 'missing-table',
        message:
          'orders is written without a schema, and no schema on the search_path (app, public) holds it; ' +
          'write the schema (schema.orders) or set the search_path of the role or database',
      },
    ]);
  });

  it('a bare name and the same table written with its schema are listed twice', async () => {
    await db().reset();
    await sql(`create schema app; ${orders('app')}`);
    await setSearchPath('app, public');
    const config = writeConfig(`${ORDERS}  - table: app.orders\n    interval: month\n`);
    const result = await runCli([
      'check',
      '--config',
      config,
      '--now',
      '2024-01-15',
      '--database-url',
      db().url,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "tables[1] (app.orders) and tables[0] (orders) are both app.orders on this connection's search_path; list each table once",
    );
  });
});
