// The database URL through the CLI: a bad one is bad usage (exit 2) naming what is wrong, and
// nothing the driver prints reaches stdout or breaks --log-format json on stderr.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVER_URL, serverAvailable } from '../helpers/backends';
import { runCli, writeConfig } from '../helpers/cli';

const CONFIG = `tables:\n  - table: public.t\n    interval: month\n`;

function cli(args: string[]) {
  const result = spawnSync('npx', ['tsx', 'src/cli.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);

describe('bad database URLs', () => {
  it('npx tsx src/cli.ts check --database-url mysql://x: exit 2 naming the scheme, JSON logs intact', () => {
    const config = writeConfig(CONFIG);
    const text = cli(['check', '--database-url', 'mysql://x', '--config', config]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/unsupported scheme "mysql:\/\/"; use postgres:\/\/ or postgresql:\/\//);
    expect(text.stdout).toBe('');
    const json = cli([
      'check',
      '--database-url',
      'postgres://h/d?sslmode=maybe',
      '--config',
      config,
      '--log-format',
      'json',
    ]);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stderr)).toEqual([
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/sslmode "maybe" is not one of/),
      }),
    ]);
  }, 120_000);

  it.each([
    'mysql://x',
    'postgres://user@[::1',
    'postgres://h/d?sslmode=verify',
    'postgres://h:0/d',
    'postgres://h:70000/d',
    'postgres://h:abc/d',
    'postgres://h/d?sslmode=require&sslmode=disable',
  ])('%s: exit 2 for every command that connects', async (url) => {
    const config = writeConfig(CONFIG);
    for (const command of ['plan', 'check', 'status']) {
      const result = await runCli([command, '--config', config, '--database-url', url], {});
      expect(result.code, command).toBe(2);
      expect(result.stderr, command).toMatch(/database URL: /);
    }
  });
});

(serverAvailable ? describe : describe.skip)(
  `the driver stays quiet${serverAvailable ? '' : ' [skipped: needs the PostgreSQL server]'}`,
  () => {
    it('sslmode=require and prefer on a server without TLS: only our JSON lines on stderr, no driver warning', () => {
      const config = writeConfig(CONFIG);
      for (const [sslmode, code] of [
        ['require', 3],
        ['prefer', 2], // connects; the configured table does not exist
      ] as const) {
        const url = new URL(SERVER_URL);
        url.searchParams.set('sslmode', sslmode);
        const result = cli([
          'check',
          '--config',
          config,
          '--database-url',
          url.toString(),
          '--log-format',
          'json',
        ]);
        expect(result.code, sslmode).toBe(code);
        expect(result.stderr, sslmode).not.toMatch(/SECURITY WARNING|DeprecationWarning|Warning:/);
        expect(() => jsonLines(result.stderr), `${sslmode}: ${result.stderr}`).not.toThrow();
        if (code === 3) expect(result.stdout).toBe('');
      }
    }, 120_000);
  },
);
