// A library's process warning (the AWS SDK's about Node versions, say) is logged through our
// logger: with --log-format json, stderr stays one JSON object per line.
import { describe, expect, it } from 'vitest';
import { runCli, writeConfig } from '../helpers/cli';

describe('process warnings during a command', () => {
  it('are logged as JSON lines under --log-format json', async () => {
    const config = writeConfig('tables:\n  - table: orders\n    interval: month\n');
    // Port 1: nothing listens, so the command ends quickly with exit 3.
    const running = runCli(['check', '--config', config, '--log-format', 'json'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    process.emitWarning('a library says something\nover two lines', 'ProbeWarning');
    const result = await running;
    expect(result.code).toBe(3);
    const lines = result.stderr.split('\n').filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line) as { level: string; message: string });
    expect(entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'ProbeWarning: a library says something over two lines',
      }),
    );
  });

  it('are logged as text lines otherwise', async () => {
    const config = writeConfig('tables:\n  - table: orders\n    interval: month\n');
    const running = runCli(['check', '--config', config], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    process.emitWarning('plain', 'ProbeWarning');
    const result = await running;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/ProbeWarning: plain/);
  });

  it("stay silent under NODE_NO_WARNINGS=1, and Node's own printer is back afterwards", async () => {
    const config = writeConfig('tables:\n  - table: orders\n    interval: month\n');
    const before = process.listeners('warning');
    const running = runCli(['check', '--config', config, '--log-format', 'json'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      NODE_NO_WARNINGS: '1',
    });
    process.emitWarning('quiet please', 'ProbeWarning');
    const result = await running;
    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(/ProbeWarning/);
    expect(process.listeners('warning')).toEqual(before);
  });
});
