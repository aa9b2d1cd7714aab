// A parent in its own tablespace: PARTITION OF puts new partitions there, so attach must too.
// Server only: PGlite has no tablespaces.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeOnServer } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';

describeOnServer('apply into the parent’s tablespace', (db) => {
  const name = `pk_ts_${process.pid}`;
  let dir = '';

  afterAll(async () => {
    await db().client.query('drop table if exists ts_parent');
    await db().client.query(`drop tablespace if exists ${name}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.for(['attach', 'partition-of'])(
    '%s: the new partitions land in the parent’s tablespace',
    async (strategy, context) => {
      await db().client.query('drop table if exists ts_parent');
      await db().client.query(`drop tablespace if exists ${name}`);
      // Beside the server's data directory, owned by its user: possible only when the server runs
      // on this machine (in CI's service container it does not, and the test says so).
      const { rows } = await db().client.query<{ dir: string }>(
        `select current_setting('data_directory') as dir`,
      );
      if (!existsSync(rows[0]!.dir)) {
        context.skip('the server’s data directory is not on this machine: no tablespace can be made');
      }
      dir = join(dirname(rows[0]!.dir), name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const id = (flag: string): number =>
        Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
      chownSync(dir, id('-u'), id('-g'));
      await db().client.query(`create tablespace ${name} location '${dir}'`);
      await db().client.query(
        `create table ts_parent (k date not null) partition by range (k) tablespace ${name}`,
      );

      const config = writeConfig('tables:\n  - table: ts_parent\n    interval: month\n    premake: 1\n');
      const result = await runCli(
        ['apply', '--config', config, '--now', '2024-02-15', '--strategy', strategy],
        {
          DATABASE_URL: db().url,
        },
      );
      expect(result.code).toBe(0);
      const { rows: placed } = await db().client.query<{ relname: string; spcname: string | null }>(
        `select c.relname, t.spcname from pg_inherits i join pg_class c on c.oid = i.inhrelid
         left join pg_tablespace t on t.oid = c.reltablespace
        where i.inhparent = 'ts_parent'::regclass order by 1`,
      );
      expect(placed).toEqual([
        { relname: 'ts_parent_y2024m02', spcname: name },
        { relname: 'ts_parent_y2024m03', spcname: name },
      ]);
    },
  );
});
