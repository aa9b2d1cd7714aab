// The workflows we run (.github/workflows), the ones users copy (examples/workflows) and the ones
// the README shows, checked against action.yml as it stands and against the action's contract
// (DESIGN.md, "The GitHub Action"): inputs and outputs that exist, no ${{ }} inside a run: script,
// the permissions pr mode needs, a concurrency group, bounded jobs, actions pinned by major version,
// secrets passed only through with: and env:.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** DESIGN.md's contract: action.yml may declare more, never less. */
const CONTRACT_INPUTS = [
  'mode',
  'config',
  'database-url',
  'now',
  'tables',
  'sql-file',
  'github-token',
  'pr-branch',
  'pr-base',
  'sql-dir',
  'labels',
  'node-version',
  'lock-timeout',
  'deadline',
];
const CONTRACT_OUTPUTS = [
  'plan-json',
  'sql-file',
  'creates',
  'archives',
  'shortfall',
  'pr-number',
  'pr-url',
  'pr-operation',
];
const MODES = ['plan', 'apply', 'pr', 'check'];

/** How a workflow names this action: `./` in our own CI, the published name in examples. */
const isThisAction = (uses: string): boolean =>
  uses === './' || uses === '.' || /^partition-keeper\/partition-keeper@/.test(uses);

type Yaml = Record<string, unknown>;
const isMap = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses YAML the strict way (duplicate keys are errors) and says what is wrong. */
function parseYaml(text: string, name: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors.map((e) => e.message).join('\n')}`);
  return doc.toJS();
}

interface ActionSpec {
  inputs: Map<string, Yaml>;
  outputs: Map<string, Yaml>;
  doc: Yaml;
}

function readAction(text: string): ActionSpec {
  const doc = parseYaml(text, 'action.yml');
  if (!isMap(doc)) throw new Error('action.yml: not a mapping');
  const entries = (v: unknown): Map<string, Yaml> =>
    new Map(Object.entries(isMap(v) ? v : {}).map(([k, x]) => [k, isMap(x) ? x : {}]));
  return { inputs: entries(doc.inputs), outputs: entries(doc.outputs), doc };
}

/** Every value in a parsed document with the keys that lead to it. */
function* walk(value: unknown, path: string[] = []): Generator<{ value: unknown; path: string[] }> {
  yield { value, path };
  if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, [...path, String(i)]);
  else if (isMap(value)) for (const [k, v] of Object.entries(value)) yield* walk(v, [...path, k]);
}

const strings = (value: unknown): string[] =>
  [...walk(value)].map((n) => n.value).filter((v): v is string => typeof v === 'string');

/** Problems in action.yml itself: the contract, outputs wired to steps, inputs that do something. */
function actionProblems(action: ActionSpec): string[] {
  const problems: string[] = [];
  const runs = isMap(action.doc.runs) ? action.doc.runs : {};
  if (runs.using !== 'composite') problems.push(`runs.using is ${String(runs.using)}, not composite`);
  const steps = Array.isArray(runs.steps) ? runs.steps.filter(isMap) : [];
  const stepIds = new Set(steps.map((s) => s.id).filter((id): id is string => typeof id === 'string'));

  for (const name of CONTRACT_INPUTS) {
    if (!action.inputs.has(name)) problems.push(`input ${name} (in the contract) is not declared`);
  }
  for (const [name, input] of action.inputs) {
    if (typeof input.description !== 'string' || input.description.trim() === '') {
      problems.push(`input ${name} has no description`);
    }
    // An input nothing reads does nothing: it must reach a step (env:, with: or if:).
    const used = strings(steps).some((s) => new RegExp(`\\binputs\\.${name}(?![\\w-])`).test(s));
    if (!used) problems.push(`input ${name} reaches no step`);
  }
  for (const name of CONTRACT_OUTPUTS) {
    if (!action.outputs.has(name)) problems.push(`output ${name} (in the contract) is not declared`);
  }
  for (const [name, output] of action.outputs) {
    if (typeof output.description !== 'string' || output.description.trim() === '') {
      problems.push(`output ${name} has no description`);
    }
    const value = typeof output.value === 'string' ? output.value : '';
    const match = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(value.trim());
    if (!match) problems.push(`output ${name}: value "${value}" is not \${{ steps.<id>.outputs.<name> }}`);
    else if (!stepIds.has(match[1]!)) problems.push(`output ${name}: no step has the id ${match[1]}`);
    else if (match[2] !== name) problems.push(`output ${name} reads the step's output ${match[2]}`);
  }
  problems.push(...runScriptProblems(steps));
  problems.push(...pinningProblems(steps));
  return problems;
}

function runScriptProblems(value: unknown): string[] {
  const problems: string[] = [];
  for (const { value: step, path } of walk(value)) {
    if (isMap(step) && typeof step.run === 'string' && step.run.includes('${{')) {
      problems.push(`${path.join('.')}: run: interpolates \${{ }} (pass it through env:)`);
    }
  }
  return problems;
}

function pinningProblems(value: unknown): string[] {
  const problems: string[] = [];
  for (const { value: step, path } of walk(value)) {
    if (!isMap(step) || typeof step.uses !== 'string') continue;
    const uses = step.uses;
    if (uses.startsWith('./') || uses === '.' || uses.startsWith('docker://')) continue;
    if (!/^[\w.-]+\/[\w./-]+@(v\d+|[0-9a-f]{40})$/.test(uses)) {
      problems.push(`${path.join('.')}: ${uses} is not pinned to a major version (@vN) or a commit`);
    }
  }
  return problems;
}

/** Problems with each use of this action anywhere in a document (a workflow or a fragment). */
function actionUseProblems(doc: unknown, action: ActionSpec): string[] {
  const problems: string[] = [];
  for (const { value: step, path } of walk(doc)) {
    if (!isMap(step) || typeof step.uses !== 'string' || !isThisAction(step.uses)) continue;
    const where = path.join('.');
    const given = isMap(step.with) ? step.with : {};
    for (const key of Object.keys(given)) {
      if (!action.inputs.has(key)) problems.push(`${where}: with: ${key} is not an input of action.yml`);
    }
    for (const [name, input] of action.inputs) {
      if (input.required === true && input.default === undefined && !(name in given)) {
        problems.push(`${where}: the required input ${name} is missing`);
      }
    }
    const mode = given.mode;
    if (typeof mode === 'string' && !mode.includes('${{') && !MODES.includes(mode)) {
      problems.push(`${where}: mode ${mode} is not one of ${MODES.join(', ')}`);
    }
    if ('sql-file' in given && mode !== 'apply') problems.push(`${where}: sql-file is for mode apply`);
  }
  return problems;
}

const modeOf = (step: Yaml): string | undefined =>
  typeof step.uses === 'string' && isThisAction(step.uses) && isMap(step.with)
    ? String(step.with.mode ?? 'plan')
    : undefined;

/** A job's permissions are its own when it has any, else the workflow's. */
function permission(workflow: Yaml, job: Yaml, scope: string): string | undefined {
  const granted = job.permissions ?? workflow.permissions;
  if (granted === 'write-all') return 'write';
  if (granted === 'read-all') return 'read';
  return isMap(granted) && typeof granted[scope] === 'string' ? granted[scope] : undefined;
}

/** Problems of a whole workflow file (besides those of each use of the action). */
function workflowProblems(workflow: unknown, action: ActionSpec): string[] {
  if (!isMap(workflow) || !isMap(workflow.jobs) || workflow.on === undefined) {
    return ['not a workflow: it needs on: and jobs:'];
  }
  const problems: string[] = [];
  const jobs = Object.entries(workflow.jobs).filter((e): e is [string, Yaml] => isMap(e[1]));

  for (const [id, job] of jobs) {
    if (job.permissions === undefined && workflow.permissions === undefined) {
      problems.push(`jobs.${id}: no permissions: (the token would get the repository's defaults)`);
    }
    if (job.permissions === 'write-all' || workflow.permissions === 'write-all') {
      problems.push(`jobs.${id}: permissions: write-all`);
    }
    const group = (c: unknown): unknown => (isMap(c) ? c.group : c);
    if (!group(job.concurrency) && !group(workflow.concurrency)) {
      problems.push(`jobs.${id}: no concurrency group (two runs could race)`);
    }
    if (typeof job['runs-on'] === 'string' || Array.isArray(job['runs-on'])) {
      if (job['timeout-minutes'] === undefined) problems.push(`jobs.${id}: no timeout-minutes`);
    }

    const steps = Array.isArray(job.steps) ? job.steps.filter(isMap) : [];
    // pr mode writes with the workflow token unless given another (a GitHub App's token).
    const workflowToken = (s: Yaml): boolean => {
      const token = isMap(s.with) ? s.with['github-token'] : undefined;
      return (
        token === undefined || /^\$\{\{\s*(github\.token|secrets\.GITHUB_TOKEN)\s*\}\}$/.test(String(token))
      );
    };
    if (steps.some((s) => modeOf(s) === 'pr' && workflowToken(s))) {
      for (const scope of ['contents', 'pull-requests']) {
        if (permission(workflow, job, scope) !== 'write') {
          problems.push(`jobs.${id}: mode pr needs ${scope}: write`);
        }
      }
    }
    const assumesRole = steps.some(
      (s) =>
        typeof s.uses === 'string' &&
        s.uses.startsWith('aws-actions/configure-aws-credentials@') &&
        isMap(s.with) &&
        s.with['role-to-assume'] !== undefined,
    );
    if (assumesRole && permission(workflow, job, 'id-token') !== 'write') {
      problems.push(`jobs.${id}: role-to-assume through OIDC needs id-token: write`);
    }

    // steps.<id>.… must name a step of this job; the action's outputs must be declared.
    const byId = new Map(steps.filter((s) => typeof s.id === 'string').map((s) => [s.id as string, s]));
    for (const text of strings(job)) {
      for (const [, stepId, , output] of text.matchAll(
        /\bsteps\.([\w-]+)\.(outputs\.([\w-]+)|outcome|conclusion)/g,
      )) {
        const step = byId.get(stepId!);
        if (!step) problems.push(`jobs.${id}: steps.${stepId} is not a step of this job`);
        else if (output && modeOf(step) !== undefined && !action.outputs.has(output)) {
          problems.push(`jobs.${id}: steps.${stepId}.outputs.${output} is not an output of action.yml`);
        }
      }
    }
  }

  for (const { value, path } of walk(workflow)) {
    if (
      typeof value === 'string' &&
      /\bsecrets\s*[.[]/.test(value) &&
      !path.some((k) => k === 'with' || k === 'env')
    ) {
      problems.push(`${path.join('.')}: a secret outside with: and env:`);
    }
  }
  return problems;
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));

/** The ```yaml blocks of a Markdown file that show a workflow or a use of an action. */
function markdownYamlBlocks(file: string): { name: string; text: string }[] {
  const markdown = readFileSync(join(root, file), 'utf8');
  return [...markdown.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)]
    .map((m, i) => ({ name: `${file} yaml block ${i + 1}`, text: m[1]! }))
    .filter((b) => /^\s*(jobs|-?\s*uses):/m.test(b.text));
}

const action = readAction(readFileSync(join(root, 'action.yml'), 'utf8'));
const ciWorkflows = yamlFiles('.github/workflows');
const examples = yamlFiles('examples/workflows');

describe('action.yml', () => {
  it('declares the contract, wires each output to a step, and interpolates nothing in run:', () => {
    expect(actionProblems(action)).toEqual([]);
  });
});

describe.each([...ciWorkflows, ...examples])('%s', (file) => {
  const text = readFileSync(join(root, file), 'utf8');

  it('is valid YAML, a workflow with permissions, concurrency and bounded jobs', () => {
    const workflow = parseYaml(text, file);
    expect(workflowProblems(workflow, action)).toEqual([]);
  });

  it('passes the action only inputs it declares, and interpolates nothing in run:', () => {
    const workflow = parseYaml(text, file);
    expect([...actionUseProblems(workflow, action), ...runScriptProblems(workflow)]).toEqual([]);
  });

  it('pins every action by major version', () => {
    expect(pinningProblems(parseYaml(text, file))).toEqual([]);
  });
});

describe('the workflows there must be', () => {
  it('CI tests against a PostgreSQL service and runs the action itself in check and plan modes', () => {
    expect(ciWorkflows).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/check-dist.yml']),
    );
    const ci = parseYaml(readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8'), 'ci.yml') as Yaml;
    const jobs = Object.values(ci.jobs as Yaml).filter(isMap);
    const stepsOf = (job: Yaml): Yaml[] => (Array.isArray(job.steps) ? job.steps.filter(isMap) : []);
    const healthyPostgres = (job: Yaml): boolean => {
      const service = isMap(job.services) ? job.services.postgres : undefined;
      return (
        isMap(service) &&
        /^postgres:1[5-9]\b/.test(String(service.image)) &&
        /--health-cmd/.test(String(service.options))
      );
    };
    const tests = jobs.filter((j) => stepsOf(j).some((s) => s.run === 'npm test'));
    expect(tests).toHaveLength(1);
    expect(healthyPostgres(tests[0]!)).toBe(true);
    // Given TEST_DATABASE_URL, an unreachable server fails the server tests instead of skipping them.
    expect(isMap(tests[0]!.env) && tests[0]!.env.TEST_DATABASE_URL).toMatch(
      /^postgres:\/\/.*@127\.0\.0\.1:5432\//,
    );

    const runsAction = jobs.filter((j) => stepsOf(j).some((s) => s.uses === './'));
    expect(runsAction).toHaveLength(1);
    expect(healthyPostgres(runsAction[0]!)).toBe(true);
    expect(stepsOf(runsAction[0]!).map(modeOf)).toEqual(expect.arrayContaining(['plan', 'check']));
  });

  it('the examples cover pr, apply of the reviewed file, check, a fleet matrix and archival', () => {
    expect(examples).toEqual(
      ['apply-on-merge', 'archive-s3-oidc', 'check', 'fleet-matrix', 'nightly-pr'].map(
        (name) => `examples/workflows/${name}.yml`,
      ),
    );
    const modes = (file: string): string[] =>
      [...walk(parseYaml(readFileSync(join(root, file), 'utf8'), file))]
        .map((n) => (isMap(n.value) ? modeOf(n.value) : undefined))
        .filter((m): m is string => m !== undefined);
    expect(modes('examples/workflows/nightly-pr.yml')).toEqual(['pr']);
    expect(modes('examples/workflows/apply-on-merge.yml')).toEqual(['apply']);
    expect(modes('examples/workflows/check.yml')).toEqual(['check']);
    expect(modes('examples/workflows/archive-s3-oidc.yml')).toEqual(['apply']);
  });

  const workflow = (file: string): Yaml => parseYaml(readFileSync(join(root, file), 'utf8'), file) as Yaml;
  const onlyJob = (w: Yaml): Yaml => Object.values(w.jobs as Yaml).filter(isMap)[0]!;
  const stepsOf = (job: Yaml): Yaml[] => (Array.isArray(job.steps) ? job.steps.filter(isMap) : []);

  it('the fleet runs each database apart: no fail-fast, a concurrency group per database', () => {
    const job = onlyJob(workflow('examples/workflows/fleet-matrix.yml'));
    expect((job.strategy as Yaml)['fail-fast']).toBe(false);
    expect(String((job.concurrency as Yaml).group)).toContain('matrix.database');
    const keeper = stepsOf(job).find((s) => modeOf(s) === 'pr')!;
    expect(keeper.with).toMatchObject({
      'database-url': '${{ secrets[matrix.secret] }}',
      'pr-branch': expect.stringContaining('matrix.database'),
      'sql-dir': expect.stringContaining('matrix.database'),
    });
  });

  it('apply on merge runs on pushes under the sql-dir, with the file found by a step', () => {
    const apply = workflow('examples/workflows/apply-on-merge.yml');
    expect((apply.on as Yaml).push).toMatchObject({ paths: ['db/partitions/**.sql'] });
    const keeper = stepsOf(onlyJob(apply)).find((s) => modeOf(s) === 'apply')!;
    expect((keeper.with as Yaml)['sql-file']).toBe('${{ steps.reviewed.outputs.file }}');
  });

  it('check-dist rebuilds, compares dist/ with git, and attaches the expected dist/ on failure', () => {
    const steps = stepsOf(onlyJob(workflow('.github/workflows/check-dist.yml')));
    const runs = steps.map((s) => String(s.run ?? ''));
    expect(runs).toEqual(expect.arrayContaining(['npm ci --no-audit --no-fund', 'npm run build']));
    expect(runs.some((r) => r.includes('git status --porcelain -- dist'))).toBe(true);
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toMatch(/failure\(\)/);
    expect((upload.with as Yaml).path).toBe('dist/');
  });
});

describe('the workflows in the README', () => {
  const blocks = markdownYamlBlocks('README.md');

  it('the README shows workflows', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks)('$name is valid YAML and uses only declared inputs', ({ name, text }) => {
    const doc = parseYaml(text, name);
    const problems = [...actionUseProblems(doc, action), ...runScriptProblems(doc)];
    // A whole workflow with pr mode must grant what pr mode needs.
    if (isMap(doc) && isMap(doc.jobs)) {
      problems.push(...workflowProblems(doc, action).filter((p) => / needs /.test(p)));
    }
    expect(problems).toEqual([]);
  });
});

// The checks above find what they are meant to find (so a clean result means something).
describe('the checks themselves', () => {
  const contract: ActionSpec = readAction(`
inputs:
${CONTRACT_INPUTS.map((i) => `  ${i}: { description: d }`).join('\n')}
outputs:
${CONTRACT_OUTPUTS.map((o) => `  ${o}: { description: d, value: '\${{ steps.run.outputs.${o} }}' }`).join('\n')}
runs:
  using: composite
  steps:
    - id: run
      shell: bash
      run: node "$GITHUB_ACTION_PATH/dist/action/index.js"
      env:
${CONTRACT_INPUTS.map((i) => `        X_${i.replace(/-/g, '_').toUpperCase()}: \${{ inputs.${i} }}`).join('\n')}
`);

  it('a contract-shaped action.yml is clean', () => {
    expect(actionProblems(contract)).toEqual([]);
  });

  it('finds an action.yml that misses the contract, miswires outputs or interpolates in run:', () => {
    const broken = readAction(`
inputs:
  mode: { description: d }
  unused: { description: d }
outputs:
  creates: { value: '\${{ steps.nope.outputs.creates }}' }
  pr-url: { value: '\${{ steps.run.outputs.pr-number }}' }
runs:
  using: composite
  steps:
    - id: run
      run: node "\${{ github.action_path }}/dist/action/index.js"
      env: { M: '\${{ inputs.mode }}' }
    - uses: actions/setup-node@main
`);
    const problems = actionProblems(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        'input pr-branch (in the contract) is not declared',
        'input unused reaches no step',
        'output pr-operation (in the contract) is not declared',
        'output creates: no step has the id nope',
        "output pr-url reads the step's output pr-number",
        '0: run: interpolates ${{ }} (pass it through env:)',
        '1: actions/setup-node@main is not pinned to a major version (@vN) or a commit',
      ]),
    );
  });

  it('finds a workflow without permissions or concurrency, pr mode without write, and bad inputs', () => {
    const workflow = parseYaml(
      `
on: push
jobs:
  pr:
    runs-on: ubuntu-latest
    steps:
      - id: keeper
        uses: partition-keeper/partition-keeper@v0
        with: { mode: pr, database-url: '\${{ secrets.DATABASE_URL }}', colour: blue, sql-file: x.sql }
      - run: echo "\${{ steps.keeper.outputs.pr-url }}"
      - run: echo "$X"
        env: { X: '\${{ steps.keeper.outputs.pr-title }}' }
      - if: steps.missing.outcome == 'failure'
        run: echo "\${{ secrets.TOKEN }}"
      - uses: actions/checkout@v6
  app:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions: { contents: read }
    concurrency: app
    steps:
      - id: app-token
        uses: actions/create-github-app-token@v3
        with: { client-id: x, private-key: '\${{ secrets.APP_KEY }}' }
      - uses: partition-keeper/partition-keeper@v0
        with: { mode: pr, github-token: '\${{ steps.app-token.outputs.token }}' }
  token:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions: { contents: write }
    concurrency: token
    steps:
      - uses: partition-keeper/partition-keeper@v0
        with: { mode: pr, github-token: '\${{ github.token }}' }
  mode:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions: { contents: read }
    concurrency: mode
    steps:
      - uses: ./
        with: { mode: apply-now }
      - uses: aws-actions/configure-aws-credentials@v6
        with: { role-to-assume: arn }
`,
      'broken workflow',
    );
    expect(workflowProblems(workflow, contract)).toEqual([
      "jobs.pr: no permissions: (the token would get the repository's defaults)",
      'jobs.pr: no concurrency group (two runs could race)',
      'jobs.pr: no timeout-minutes',
      'jobs.pr: mode pr needs contents: write',
      'jobs.pr: mode pr needs pull-requests: write',
      'jobs.pr: steps.keeper.outputs.pr-title is not an output of action.yml',
      'jobs.pr: steps.missing is not a step of this job',
      'jobs.token: mode pr needs pull-requests: write',
      'jobs.mode: role-to-assume through OIDC needs id-token: write',
      'jobs.pr.steps.3.run: a secret outside with: and env:',
    ]);
    expect(actionUseProblems(workflow, contract)).toEqual([
      'jobs.pr.steps.0: with: colour is not an input of action.yml',
      'jobs.pr.steps.0: sql-file is for mode apply',
      'jobs.mode.steps.0: mode apply-now is not one of plan, apply, pr, check',
    ]);
    expect(runScriptProblems(workflow)).toEqual([
      'jobs.pr.steps.1: run: interpolates ${{ }} (pass it through env:)',
      'jobs.pr.steps.3: run: interpolates ${{ }} (pass it through env:)',
    ]);
  });

  it('rejects YAML GitHub would reject: a plain scalar holding ": ", a duplicate key', () => {
    expect(() => parseYaml('jobs:\n  a:\n    run: echo "pr: done"\n', 'x')).toThrow(/x: /);
    expect(() => parseYaml('on: push\non: pull_request\n', 'y')).toThrow(/y: /);
  });
});
