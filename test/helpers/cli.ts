// Runs the CLI in-process (same code path as the bundle) and captures what it prints.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { main } from '../../src/cli';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
  });
  return { code, stdout, stderr };
}

// Every temporary directory of a test file lives under one, removed after the file's tests (this
// module is loaded anew for each test file, during its collection, so the hook is that file's).
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

export function scratchDir(prefix: string): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'pk-test-'));
  return mkdtempSync(join(scratch, prefix));
}

/** Writes a config file into a fresh temporary directory and returns its path. */
export function writeConfig(text: string): string {
  const file = join(scratchDir('config-'), 'partitions.yml');
  writeFileSync(file, text);
  return file;
}

/** The seeds' config (shared/seeds/): claim_line_items monthly, claims_production yearly, kid_absences yearly. */
export const SEEDS_CONFIG = `
tables:
  - table: public.claim_line_items
    interval: month
    naming: "{parent}_y{YYYY}m{MM}"
    premake: 2
    start: 2024-02-01
  - table: public.claims_production
    interval: year
    naming: "{parent}_y{YYYY}"
    premake: 2
  - table: public.kid_absences
    interval: year
    naming: "{parent}_{YYYY}"
    premake: 1
    archive:
      schema: archive
    enabled: \${ENABLE_ABSENCE_PARTITIONS:-true}
`;

/** The seeds' parent tables, without partitions (the demo creates the same ones). */
export const SEEDS_SCHEMA = readFileSync(new URL('../../demo/schema.sql', import.meta.url), 'utf8');
