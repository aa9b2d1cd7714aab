// Global setup of the e2e tests: the CLI and action bundles built from the current source, once per
// run, with `npm run build`'s own ncc commands but into a temporary directory. Never into dist/: the
// committed dist/ is what action.yml runs, and .ci/run checks it against a fresh build.
// `--transpile-only` skips ncc's type check (npm run typecheck does that) and gives the same bytes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Holds cli/index.js and action/index.js, built for this run. */
    bundleDir: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The arguments of each `ncc …` command in package.json's build script, writing under `out`. */
function nccCommands(out: string): string[][] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { build: string };
  };
  const commands = scripts.build.split('&&').filter((c) => !c.includes('scripts/copy-wasm.mjs'));
  return commands.map((command) => {
    const [tool, ...args] = command.trim().split(/\s+/);
    if (tool !== 'ncc' || !args.some((arg) => arg.startsWith('dist/'))) {
      throw new Error(
        `test/helpers/build-bundles.ts expects package.json's build script to be "ncc build <entry> -o dist/<name> …" ` +
          `commands joined by &&, got "${command.trim()}"; update it to match`,
      );
    }
    const into = args.map((arg) => (arg.startsWith('dist/') ? join(out, arg.slice('dist/'.length)) : arg));
    return [...into, '--transpile-only', '--quiet'];
  });
}

export default async function setup(project: TestProject): Promise<() => void> {
  const out = mkdtempSync(join(tmpdir(), 'pk-bundles-'));
  const started = performance.now();
  const ncc = join(ROOT, 'node_modules', '.bin', 'ncc');
  await Promise.all(
    nccCommands(out).map((args) => promisify(execFile)(ncc, args, { cwd: ROOT, timeout: 300_000 })),
  );
  // As the build does: libpg-query's WebAssembly file beside each bundle.
  const dirs = readdirSync(out).map((name) => join(out, name));
  await promisify(execFile)('node', [join(ROOT, 'scripts/copy-wasm.mjs'), ...dirs], { cwd: ROOT });
  console.log(`e2e: bundles built from src/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  project.provide('bundleDir', out);
  return () => rmSync(out, { recursive: true, force: true });
}
