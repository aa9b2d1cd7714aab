// Runs action.yml the way the GitHub runner runs a composite action, so the tests exercise the
// action as users get it, not the bundle alone:
// - each input is the value given, else its `default:` (itself evaluated: `${{ github.token }}`);
//   an input that is not declared is refused, as the runner warns about it;
// - each step's `if:` and `env:`/`with:` are evaluated from those inputs and `github.token` only:
//   any other expression, or one naming an undeclared input, fails the run (the runner would give
//   an empty string, and a test would pass by accident);
// - a `run:` script must hold no `${{ … }}` (injection); it runs with `bash --noprofile --norc -eo
//   pipefail` as `shell: bash` does, with no INPUT_* variables (a composite step gets none), and with
//   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_REPOSITORY and
//   GITHUB_API_URL set;
// - a `uses:` step is not run (no network here): the run records whether it would, and its `with:`;
// - step outputs are read from GITHUB_OUTPUT (name=value and the name<<DELIMITER heredoc form) and
//   mapped to the action's outputs through their `value:` expressions.
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ActionYml {
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
  branding?: { icon?: string; color?: string };
}

export interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}

export function readActionYml(file = join(ROOT, 'action.yml')): ActionYml {
  return parse(readFileSync(file, 'utf8')) as ActionYml;
}

export class HarnessError extends Error {
  override name = 'HarnessError';
}

export interface Context {
  inputs: Record<string, string>;
  githubToken: string;
  steps?: Record<string, { outputs: Record<string, string> }>;
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

/** The value of one expression: inputs.<name>, github.token or steps.<id>.outputs.<name>. */
function valueOf(expression: string, action: ActionYml, context: Context): string {
  const input = /^inputs\.([A-Za-z0-9_-]+)$/.exec(expression);
  if (input) {
    const name = input[1] ?? '';
    if (!Object.hasOwn(action.inputs, name)) {
      throw new HarnessError(`\${{ ${expression} }} names an input action.yml does not declare`);
    }
    return context.inputs[name] ?? '';
  }
  if (expression === 'github.token') return context.githubToken;
  const output = /^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$/.exec(expression);
  if (output && context.steps) {
    const step = context.steps[output[1] ?? ''];
    if (!step) throw new HarnessError(`\${{ ${expression} }} names a step with no such id`);
    return step.outputs[output[2] ?? ''] ?? '';
  }
  throw new HarnessError(
    `\${{ ${expression} }}: the harness evaluates inputs.*, github.token and step outputs only`,
  );
}

/** A string with `${{ … }}` parts replaced by their values. */
export function evaluate(text: string, action: ActionYml, context: Context): string {
  return String(text).replace(EXPRESSION, (_, expression: string) => valueOf(expression, action, context));
}

/** An `if:` condition of the form `<operand> == <operand>` or `!=`, operands inputs.x or 'literal'. */
export function condition(text: string | undefined, action: ActionYml, context: Context): boolean {
  if (text === undefined) return true;
  const bare = text.trim().replace(/^\$\{\{\s*(.*?)\s*\}\}$/, '$1');
  const m = /^(\S+)\s*(==|!=)\s*(\S+)$/.exec(bare);
  if (!m) throw new HarnessError(`if: "${text}": the harness evaluates "a == b" and "a != b" only`);
  const operand = (o: string): string =>
    /^'.*'$/.test(o) ? o.slice(1, -1).replace(/''/g, "'") : valueOf(o, action, context);
  // Expressions compare strings case-insensitively.
  const equal = operand(m[1] ?? '').toLowerCase() === operand(m[3] ?? '').toLowerCase();
  return m[2] === '==' ? equal : !equal;
}

/** GITHUB_OUTPUT's two forms: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== heredoc[2]; i += 1) value.push(lines[i] ?? '');
      if (i >= lines.length)
        throw new HarnessError(`GITHUB_OUTPUT: ${heredoc[1]} has no closing ${heredoc[2]}`);
      outputs[heredoc[1] ?? ''] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new HarnessError(`GITHUB_OUTPUT: cannot read line "${line}"`);
    outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

/** A directory laid out as the action's checkout: action.yml and dist/ holding the bundles built for this run. */
export function actionDirectory(bundleDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pk-action-'));
  writeFileSync(join(dir, 'action.yml'), readFileSync(join(ROOT, 'action.yml')));
  symlinkSync(bundleDir, join(dir, 'dist'), 'dir');
  return dir;
}

export interface RunOptions {
  /** The action checkout (actionDirectory). */
  actionPath: string;
  /** `with:` of the workflow step. */
  inputs?: Record<string, string>;
  /** What `${{ github.token }}` stands for. */
  githubToken?: string;
  /** The job's environment beyond what the runner sets (e.g. DATABASE_URL, PGPASSWORD). */
  env?: Record<string, string>;
  GITHUB_REPOSITORY?: string;
  GITHUB_API_URL?: string;
  /** PATH of the job (default this process's). */
  PATH?: string;
  /** Where the run's files go (GITHUB_OUTPUT, summaries, RUNNER_TEMP). */
  workDir?: string;
  /** Working directory of the steps (the workspace). */
  cwd?: string;
}

export interface StepRun {
  id?: string;
  name?: string;
  ran: boolean;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
  code?: number | null;
  outputs: Record<string, string>;
}

export interface ActionRun {
  /** Exit code of the step that failed, or 0. */
  code: number | null;
  /** stdout and stderr of every run: step, interleaved as the runner's log shows them. */
  log: string;
  /** The action's outputs, through the `value:` expressions. */
  outputs: Record<string, string>;
  /** The job summary: every step's GITHUB_STEP_SUMMARY, in order. */
  summary: string;
  steps: StepRun[];
  runnerTemp: string;
}

function runBash(
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  cwd: string,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const fd = openSync(logFile, 'a');
    // One file for stdout and stderr: lines keep the order the runner's log shows.
    const child = spawn('/bin/bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      env,
      cwd,
      stdio: ['ignore', fd, fd],
    });
    child.on('error', (error) => {
      closeSync(fd);
      reject(error);
    });
    child.on('close', (code) => {
      closeSync(fd);
      resolve(code);
    });
  });
}

export async function runActionYml(options: RunOptions): Promise<ActionRun> {
  const action = readActionYml(join(options.actionPath, 'action.yml'));
  if (action.runs.using !== 'composite') throw new HarnessError('action.yml: runs.using is not composite');
  const given = options.inputs ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(action.inputs, name))
      throw new HarnessError(`input "${name}" is not declared in action.yml`);
  }
  const githubToken = options.githubToken ?? '';
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    inputs[name] = given[name] ?? evaluate(spec.default ?? '', action, { inputs: {}, githubToken });
  }
  const context: Context = { inputs, githubToken, steps: {} };

  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'pk-run-'));
  const runnerTemp = join(work, 'runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  const logFile = join(work, 'log');
  writeFileSync(logFile, '');
  let summary = '';
  let failed: number | null = 0;
  const steps: StepRun[] = [];

  for (const [n, step] of action.runs.steps.entries()) {
    const record: StepRun = {
      ...(step.id && { id: step.id }),
      ...(step.name && { name: step.name }),
      ran: false,
      outputs: {},
    };
    steps.push(record);
    // Without an `if:`, a step runs only while every step before it succeeded (success()).
    const runs = failed === 0 && condition(step.if, action, context);
    if (step.uses) {
      record.uses = step.uses;
      record.with = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(v, action, context)]),
      );
      record.ran = runs; // not run here: recorded, for the tests of its `if:`
      continue;
    }
    if (step.run === undefined) throw new HarnessError(`step ${n + 1} has neither uses: nor run:`);
    if (step.run.includes('${{')) {
      throw new HarnessError(
        `step ${step.id ?? n + 1}: run: interpolates \${{ … }}; pass values through env:`,
      );
    }
    if (step.shell !== 'bash')
      throw new HarnessError(`step ${step.id ?? n + 1}: shell is "${step.shell}", not bash`);
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, action, context)]),
    );
    record.env = stepEnv;
    if (!runs) continue;
    const outputFile = join(work, `output-${n}`);
    const summaryFile = join(work, `summary-${n}`);
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env: NodeJS.ProcessEnv = {
      PATH: options.PATH ?? process.env.PATH,
      HOME: process.env.HOME,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_ACTION_PATH: options.actionPath,
      RUNNER_TEMP: runnerTemp,
      GITHUB_REPOSITORY: options.GITHUB_REPOSITORY ?? 'octo/partitions',
      GITHUB_API_URL: options.GITHUB_API_URL ?? 'http://127.0.0.1:9/unused',
      ...options.env,
      ...stepEnv,
    };
    record.code = await runBash(step.run, env, logFile, options.cwd ?? work);
    record.ran = true;
    record.outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
    summary += readFileSync(summaryFile, 'utf8');
    if (step.id) context.steps![step.id] = { outputs: record.outputs };
    if (record.code !== 0) failed = record.code;
  }

  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([name, spec]) => [name, evaluate(spec.value, action, context)]),
  );
  return { code: failed, log: readFileSync(logFile, 'utf8'), outputs, summary, steps, runnerTemp };
}
