// `npm run demo`, the README's first command, as a newcomer runs it: embedded PGlite, no server needed.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('npm run demo: status, plan, check falling short, apply moving the DEFAULT rows, check passing', () => {
  const result = spawnSync('npx', ['tsx', 'demo/run.ts'], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '' },
    timeout: 120_000,
  });
  expect(result.stderr).not.toMatch(/unexpected failure/);
  expect(result.status).toBe(0);
  const exits = [...result.stdout.matchAll(/^\(exit code (\d)\)$/gm)].map((m) => m[1]);
  expect(exits).toEqual(['0', '0', '0', '1', '0', '0']);
  // check named the shortfall and the stuck rows; apply moved those rows and made what was missing.
  expect(result.stdout).toMatch(/claim_line_items.*default-rows|default-rows.*claim_line_items/s);
  expect(result.stderr).toMatch(
    /moved 3 rows from public\.claim_line_items_default into public\.claim_line_items_y\d{4}m\d{2} \(3 before, 3 after\)/,
  );
  expect(result.stdout).toMatch(/^apply: (\d+) of \1 planned partitions created, 0 still missing/m);
}, 150_000);
