// The bundled action (as action.yml runs dist/action) and the bundled CLI, as child processes: both
// built from the current source for this run (test/helpers/build-bundles.ts), not the committed dist/.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { scratchDir, SEEDS_CONFIG, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';

interface Run {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs a node script without blocking this process (PGlite's server lives in it). */
function runNode(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const ACTION_BUNDLE = join(inject('bundleDir'), 'action', 'index.js');
const CLI_BUNDLE = join(inject('bundleDir'), 'cli', 'index.js');

/** Runs the action bundle the way action.yml's step does: inputs as PARTITION_KEEPER_* variables. */
async function runAction(inputs: Record<string, string>): Promise<Run> {
  const dir = scratchDir('action-');
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
  };
  for (const [name, value] of Object.entries(inputs)) env[`PARTITION_KEEPER_${name}`] = value;
  const result = await runNode([ACTION_BUNDLE], env);
  // GITHUB_OUTPUT uses heredoc blocks: name<<DELIMITER, value lines, DELIMITER.
  const outputs: Record<string, string> = {};
  const lines = readFileSync(outputFile, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== m[2]; i += 1) value.push(lines[i] ?? '');
    outputs[m[1] ?? ''] = value.join('\n');
  }
  return {
    code: result.code,
    stdout: result.stdout + result.stderr,
    outputs,
    summary: readFileSync(summaryFile, 'utf8'),
  };
}

describe('action.yml', () => {
  const action = parse(readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    runs: { using: string; steps: { run: string; env: Record<string, string> }[] };
  };

  it('is a composite action running the ncc bundle, with every input passed through', () => {
    expect(action.runs.using).toBe('composite');
    const [step] = action.runs.steps;
    expect(step?.run).toContain('dist/action/index.js');
    for (const input of Object.keys(action.inputs)) {
      const variable = `PARTITION_KEEPER_${input.toUpperCase().replace(/-/g, '_')}`;
      expect(step?.env[variable], input).toBe(`\${{ inputs.${input} }}`);
    }
    for (const output of [
      'plan-json',
      'sql-file',
      'creates',
      'archives',
      'shortfall',
      'pr-number',
      'pr-url',
    ]) {
      expect(action.outputs, output).toHaveProperty(output);
    }
  });
});

describeEachBackend('the bundled action and CLI', (db) => {
  const config = writeConfig(SEEDS_CONFIG);

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
  });

  it('check fails on a shortfall with outputs and a summary, apply fixes it, check passes', async () => {
    const url = new URL(db().url);
    url.password = 'hunter2-secret'; // ignored by trust auth and PGlite; must never be printed
    const inputs = {
      CONFIG: config,
      DATABASE_URL: url.toString(),
      NOW: '2024-02-15',
      TABLES: 'claim_line_items',
    };

    const check = await runAction({ ...inputs, MODE: 'check' });
    expect(check.code).toBe(1);
    expect(check.outputs.shortfall).toBe('true');
    expect(check.outputs.creates).toBe('3');
    const plan = JSON.parse(readFileSync(check.outputs['plan-json'] ?? '', 'utf8')) as {
      tables: { create: unknown[] }[];
    };
    expect(plan.tables[0]?.create).toHaveLength(3);
    expect(readFileSync(check.outputs['sql-file'] ?? '', 'utf8')).toContain('claim_line_items_y2024m04');
    expect(check.summary).toContain('| <code>public.claim_line_items</code> | month |');
    expect(check.stdout).toContain('::error');
    // ::add-mask:: is the runner's own command that hides the value everywhere else; it is never shown.
    const shown = check.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(shown.join('\n') + check.summary).not.toContain('hunter2');

    const applied = await runAction({ ...inputs, MODE: 'apply' });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('3 of 3 planned partitions created');

    const again = await runAction({ ...inputs, MODE: 'check' });
    expect(again.code).toBe(0);
    expect(again.outputs.shortfall).toBe('false');
  });

  it('the CLI bundle plans as the in-process CLI does', async () => {
    const result = await runNode(
      [CLI_BUNDLE, 'plan', '--config', config, '--now', '2024-02-15', '--format', 'json'],
      { PATH: process.env.PATH, DATABASE_URL: db().url },
    );
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { tables: { table: string; create: { name: string }[] }[] };
    expect(plan.tables.map((t) => t.create.length)).toEqual([3, 3, 2]);
  });
});
