// Bad input through the CLI: a clear message naming the table, host or field, and the documented exit code.
import { beforeEach, describe, expect, it } from 'vitest';
import { describeEachBackend, describeOnServer, SERVER_URL } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';

const oneTable = (table: string): string => `tables:\n  - table: ${table}\n    interval: month\n`;

describeEachBackend('tables the config names but cannot be managed', (db) => {
  const env = (): NodeJS.ProcessEnv => ({ DATABASE_URL: db().url });

  beforeEach(async () => {
    await db().reset();
    await db().client.query(`
      create table plain (k date);
      create table listed (k date) partition by list (k);
      create table good (k date not null) partition by range (k);`);
  });

  it.each([
    ['missing', /public\.missing does not exist/],
    ['plain', /public\.plain is not partitioned/],
    ['listed', /public\.listed .*LIST/i],
  ])('%s: exit 2 with a message naming it, the other tables still planned', async (table, message) => {
    const config = writeConfig(`${oneTable(table)}  - table: good\n    interval: month\n`);
    for (const command of ['plan', 'check', 'status']) {
      const result = await runCli([command, '--config', config, '--now', '2024-02-15'], env());
      expect(result.code, command).toBe(2);
      expect(result.stdout, command).toMatch(message);
      expect(result.stdout, command).toMatch(/good/);
    }
  });
});

describeEachBackend('a config problem found while the catalog query runs', (db) => {
  it('fails with exit 2 and prints no plan', async () => {
    await db().reset();
    await db().client.query('create table events (k date not null) partition by range (k)');
    const config = writeConfig(
      'tables:\n  - table: events\n    interval: day\n    naming: "{parent}_{YYYY}{MM}"\n',
    );
    const result = await runCli(['plan', '--config', config, '--format', 'json'], { DATABASE_URL: db().url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\(events\)\.naming: .* gives two day periods the same name/);
    expect(result.stdout).toBe('');
  });
});

describe('bad usage and config', () => {
  it('an unknown command, format or date: exit 2 with what is allowed', async () => {
    expect((await runCli(['plant'])).stderr).toMatch(/"plant" is not one of plan, apply, check, status/);
    const format = await runCli(['plan', '--format', 'yaml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format: "yaml" is not one of text, sql, json, markdown/);
    const now = await runCli(['plan', '--now', '2024-02-30', '--config', writeConfig(oneTable('t'))], {
      DATABASE_URL: 'postgres://127.0.0.1:1/x',
    });
    expect(now.code).toBe(2);
    expect(now.stderr).toMatch(/--now: "2024-02-30" is not a calendar date/);
  });

  it('a bad config fails with exit 2, outranking an unreachable database', async () => {
    const config = writeConfig('tables:\n  - table: claims_production\n    interval: yearly\n');
    const result = await runCli(['plan', '--config', config], { DATABASE_URL: 'postgres://127.0.0.1:1/x' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${config}: tables[0] (claims_production).interval: "yearly" is not one of day, week, month, quarter, year`,
    );
    expect(result.stderr).not.toMatch(/cannot connect/);
  });

  it.each([
    [
      'an unknown field',
      '  - table: t\n    interval: month\n    premake_ahead: 2\n',
      /tables\[0\] \(t\)\.premake_ahead: unknown field/,
    ],
    [
      'a name over 63 bytes',
      `  - table: ${'x'.repeat(60)}\n    interval: month\n`,
      /tables\[0\] \(x+\)\.naming: .* makes names of 69 bytes/,
    ],
    [
      'retention shorter than one period',
      '  - table: t\n    interval: year\n    retention: 3 months\n',
      /tables\[0\] \(t\)\.retention: /,
    ],
    [
      'the same parent twice',
      '  - table: t\n    interval: month\n  - table: public."t"\n    interval: year\n',
      /tables\[1\] \(public\."t"\)\.table: .*tables\[0\]/,
    ],
  ])('%s: plan, check and apply exit 2 naming the table and field', async (_, tables, message) => {
    const config = writeConfig(`tables:\n${tables}`);
    for (const command of ['plan', 'check', 'apply']) {
      const result = await runCli([command, '--config', config], {
        DATABASE_URL: 'postgres://127.0.0.1:1/x',
      });
      expect(result.code, command).toBe(2);
      expect(result.stderr, command).toMatch(message);
      expect(result.stderr, command).not.toMatch(/cannot connect/);
    }
  });

  // plan sends the catalog query before the slower naming checks; their problems still come first.
  it('a naming problem found by the later checks outranks an unreachable database', async () => {
    const config = writeConfig(
      'tables:\n  - table: events\n    interval: day\n    naming: "{parent}_{YYYY}{MM}"\n',
    );
    const result = await runCli(['plan', '--config', config], { DATABASE_URL: 'postgres://127.0.0.1:1/x' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/tables\[0\] \(events\)\.naming: .* gives two day periods the same name/);
    expect(result.stderr).not.toMatch(/cannot connect/);
  });

  it('a --table the config does not hold outranks an unreachable database', async () => {
    const result = await runCli(['plan', '--config', writeConfig(oneTable('t')), '--table', 'other'], {
      DATABASE_URL: 'postgres://127.0.0.1:1/x',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--table other: not in .*configured tables: public\.t/);
  });

  it('no database URL: exit 3 saying how to give one', async () => {
    const result = await runCli(['plan', '--config', writeConfig(oneTable('t'))], {});
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/--database-url or set DATABASE_URL/);
  });

  it('an unreachable host: exit 3 naming host and port, never the password', async () => {
    const result = await runCli(['check', '--config', writeConfig(oneTable('t'))], {
      DATABASE_URL: 'postgres://keeper:hunter2-secret@127.0.0.1:1/claims',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1\/claims: .*ECONNREFUSED/);
    expect(result.stderr).not.toContain('hunter2');
  });
});

describeOnServer('wrong credentials', () => {
  it('an unknown role: exit 3 with the server’s reason, never the password', async () => {
    const url = new URL(SERVER_URL);
    url.username = 'no_such_role';
    url.password = 'hunter2-secret';
    const result = await runCli(['plan', '--config', writeConfig(oneTable('t'))], {
      DATABASE_URL: url.toString(),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /cannot connect to 127\.0\.0\.1:5432\/.*role "no_such_role" does not exist/,
    );
    expect(result.stderr).not.toContain('hunter2');
  });
});
