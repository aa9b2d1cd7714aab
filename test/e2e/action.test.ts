// action.yml run the way the runner runs it (test/e2e/action-harness.ts), on the bundles built from
// the current source for this run (test/helpers/build-bundles.ts), against the local PostgreSQL
// server and PGlite; and the CLI bundle beside it.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { describeEachBackend, describeOnServer } from '../helpers/backends';
import { scratchDir, SEEDS_CONFIG, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';
import { KID_ABSENCES_TABLE, kidAbsencesConfig } from '../helpers/kid-absences';
import { useS3Server } from '../helpers/s3-server';
import { openStore } from '../../src/run/archive';
import { BUNDLE_INPUTS, inputVariable } from '../../src/github/inputs';
import { OUTPUT_NAMES } from '../../src/github/outputs';
import { DEFAULTS } from '../../src/settings';
import { RUN_LOCK_KEY } from '../../src/run/lock';
import {
  actionDirectory,
  HarnessError,
  parseOutputFile,
  readActionYml,
  runActionYml,
  type ActionRun,
  type RunOptions,
} from './action-harness';

const BUNDLE_DIR = inject('bundleDir');
const CLI_BUNDLE = join(BUNDLE_DIR, 'cli', 'index.js');
let actionPath: string;
beforeAll(() => {
  actionPath = actionDirectory(BUNDLE_DIR);
});

const run = (options: Omit<RunOptions, 'actionPath'>): Promise<ActionRun> =>
  runActionYml({ actionPath, ...options });

/** Lines of the log that are workflow commands of one kind, e.g. '::error', unescaped as the runner reads them. */
const commands = (log: string, kind: string): string[] =>
  log
    .split('\n')
    .filter((l) => l.startsWith(`${kind} `) || l.startsWith(`${kind}::`))
    .map(unescapeCommand);

/** `::cmd k=v,k=v::message` with the runner's escapes (%25 %0D %0A in both, %3A %2C in properties) undone. */
function unescapeCommand(line: string): string {
  const m = /^::(\S+?)(?: (.*?))?::(.*)$/.exec(line);
  if (!m) return line;
  const un = (t: string) =>
    t
      .replace(/%0D/g, '\r')
      .replace(/%0A/g, '\n')
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%25/g, '%');
  const properties = (m[2] ?? '')
    .split(',')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq)}=${un(p.slice(eq + 1))}`;
    });
  return `::${m[1]}${properties.length > 0 ? ` ${properties.join(' ')}` : ''}::${un(m[3] ?? '')}`;
}

function runNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', args, { env, ...(cwd && { cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('action.yml', () => {
  const action = readActionYml();
  const runStep = action.runs.steps.find((s) => s.id === 'run');

  it('is a composite action with branding, every input documented with its default', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.branding?.icon).toBeTruthy();
    expect(action.branding?.color).toBeTruthy();
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(spec.description, name).toMatch(/Default: /);
    }
    // The literal defaults are the ones the descriptions give.
    expect(action.inputs.mode?.default).toBe('plan');
    expect(action.inputs.config?.default).toBe(DEFAULTS.configFile);
    expect(action.inputs['sql-dir']?.default).toBe('db/partitions');
    expect(action.inputs['github-token']?.default).toBe('${{ github.token }}');
    // The apply knobs' defaults live in src/settings.ts; their descriptions say the same numbers.
    expect(action.inputs['lock-timeout']?.description).toContain(`Default: ${DEFAULTS.lockTimeoutMs}.`);
    expect(action.inputs.deadline?.description).toContain(`Default: ${DEFAULTS.deadlineSeconds}.`);
    expect(action.inputs['lock-wait']?.description).toContain(`Default: ${DEFAULTS.lockWaitSeconds}.`);
    expect(action.inputs.jobs?.description).toContain(`Default: ${DEFAULTS.jobs}.`);
    expect(action.inputs.strategy?.description).toContain(`Default: ${DEFAULTS.strategy}.`);
  });

  it('declares every output through the run step, and the bundle writes no other', () => {
    expect(Object.keys(action.outputs)).toEqual([...OUTPUT_NAMES]);
    for (const [name, spec] of Object.entries(action.outputs)) {
      expect(spec.value, name).toBe(`\${{ steps.run.outputs.${name} }}`);
      expect(spec.description, name).toBeTruthy();
    }
  });

  it('maps every input the bundle reads through env:, and every input is used by some step', () => {
    expect(runStep?.run).toContain('"$GITHUB_ACTION_PATH/dist/action/index.js"');
    for (const input of BUNDLE_INPUTS) {
      expect(Object.keys(action.inputs), input).toContain(input);
      expect(runStep?.env?.[inputVariable(input)], input).toBe(`\${{ inputs.${input} }}`);
    }
    expect(Object.keys(runStep?.env ?? {}).sort()).toEqual(BUNDLE_INPUTS.map(inputVariable).sort());
    const used = JSON.stringify(action.runs.steps);
    for (const input of Object.keys(action.inputs)) expect(used, input).toContain(`inputs.${input}`);
    for (const step of action.runs.steps) expect(step.run ?? '').not.toContain('${{');
  });

  it('sets Node up only when node-version is given', async () => {
    const missingDb = { inputs: { mode: 'plan', config: writeConfig(SEEDS_CONFIG) } };
    const without = await run(missingDb);
    expect(without.steps[0]).toMatchObject({
      uses: expect.stringMatching(/^actions\/setup-node@/),
      ran: false,
    });
    expect(without.steps[1]?.ran).toBe(true);
    const withNode = await run({ inputs: { ...missingDb.inputs, 'node-version': '22' } });
    expect(withNode.steps[0]).toMatchObject({ ran: true, with: { 'node-version': '22' } });
  });

  it('says what to do when the runner has no node on PATH', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pk-no-node-'));
    const result = await run({ inputs: { mode: 'check' }, PATH: empty });
    expect(result.code).toBe(1);
    expect(result.log).toMatch(
      /^::error title=partition-keeper: no Node\.js::.*set the action's node-version input/im,
    );
    expect(result.log).toContain('install Node.js 20 or later on this self-hosted runner');
  });

  it('says what to do when the node on PATH is older than 20, before anything else runs', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'pk-old-node-'));
    writeFileSync(
      join(bin, 'fake18.mjs'),
      "Object.defineProperty(process.versions, 'node', { value: '18.20.4' });\n",
    );
    writeFileSync(
      join(bin, 'node'),
      `#!/bin/bash\nexec ${process.execPath} --import ${join(bin, 'fake18.mjs')} "$@"\n`,
    );
    chmodSync(join(bin, 'node'), 0o755);
    const result = await run({
      inputs: { mode: 'plan', 'database-url': 'postgres://keeper:old-node-secret@127.0.0.1:1/db' },
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(result.code).toBe(1);
    expect(result.log.trim()).toBe(
      '::error title=partition-keeper: Node.js too old::partition-keeper needs Node.js 20 or later; the node on PATH is 18.20.4. ' +
        "Set the action's node-version input (e.g. node-version: 22) to install one with actions/setup-node, " +
        'or, on a self-hosted runner, install Node.js 20 or later on its PATH.',
    );
  });
});

describe('the harness', () => {
  it('reads both forms of GITHUB_OUTPUT', () => {
    expect(parseOutputFile('a=1\nb<<EOF\nx\ny=2\nEOF\nc=\n')).toEqual({ a: '1', b: 'x\ny=2', c: '' });
    expect(() => parseOutputFile('b<<EOF\nx\n')).toThrow(HarnessError);
  });

  /** action.yml with one change, in a copy of the action's directory. */
  function variant(change: (text: string) => string): string {
    const dir = actionDirectory(BUNDLE_DIR);
    writeFileSync(join(dir, 'action.yml'), change(readFileSync(join(dir, 'action.yml'), 'utf8')));
    return dir;
  }

  it('refuses a step naming an undeclared input, an expression inside run:, and an undeclared input given', async () => {
    const undeclared = variant((t) => t.replace('${{ inputs.labels }}', '${{ inputs.label }}'));
    await expect(runActionYml({ actionPath: undeclared })).rejects.toThrow(
      /inputs\.label .*does not declare/,
    );
    const injected = variant((t) =>
      t.replace('"$GITHUB_ACTION_PATH/dist', '"${{ github.action_path }}/dist'),
    );
    await expect(runActionYml({ actionPath: injected })).rejects.toThrow(/interpolates/);
    await expect(run({ inputs: { 'no-such-input': 'x' } })).rejects.toThrow(/not declared/);
  });

  it('passes an input only through env: (a missing mapping changes what the bundle does)', async () => {
    const config = writeConfig(SEEDS_CONFIG);
    const inputs = {
      mode: 'plan',
      config,
      'lock-timeout': '250',
      'database-url': 'postgres://u@127.0.0.1:1/none',
    };
    const unmapped = variant((t) => t.replace(/\n\s+PARTITION_KEEPER_CONFIG: .*\n/, '\n'));
    const result = await runActionYml({ actionPath: unmapped, inputs });
    // Without its mapping, the bundle never sees the config input and looks for partitions.yml.
    expect(result.log).toMatch(/partitions\.yml/);
    expect(result.log).not.toContain(config);
  });
});

describeEachBackend('the action, every mode', (db) => {
  const config = writeConfig(SEEDS_CONFIG);
  const PASSWORD = 'hunter2-secret-pw';
  const url = () => {
    const u = new URL(db().url);
    u.password = PASSWORD; // ignored by trust auth and PGlite; must never be printed
    return u.toString();
  };
  const base = () => ({ config, 'database-url': url(), now: '2024-02-15' });

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
  });

  /** Nothing shows the password but the runner's own ::add-mask:: commands, which come first. */
  function expectNoSecret(result: ActionRun, ...secrets: string[]) {
    const lines = result.log.split('\n');
    const masks = lines.findIndex((l) => !l.startsWith('::add-mask::'));
    for (const secret of secrets) {
      expect(lines.slice(0, masks), 'masked before anything else').toContainEqual(`::add-mask::${secret}`);
      expect(lines.slice(masks).join('\n')).not.toContain(secret);
      expect(result.summary).not.toContain(secret);
      expect(JSON.stringify(result.outputs)).not.toContain(secret);
    }
  }

  it('plan: outputs, the JSON plan and SQL files, a summary, nothing changed', async () => {
    const result = await run({
      inputs: { ...base(), mode: 'plan', 'lock-timeout': '250', strategy: 'partition-of' },
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({
      creates: '8',
      archives: '0',
      shortfall: 'true',
      'pr-operation': '',
    });
    const plan = JSON.parse(readFileSync(result.outputs['plan-json'] ?? '', 'utf8')) as {
      now: string;
      tables: { table: string; create: { name: string }[] }[];
    };
    expect(plan.now).toBe('2024-02-15');
    expect(plan.tables.map((t) => [t.table, t.create.length])).toEqual([
      ['public.claim_line_items', 3],
      ['public.claims_production', 3],
      ['public.kid_absences', 2],
    ]);
    expect(result.outputs['plan-json']?.startsWith(result.runnerTemp)).toBe(true);
    const sql = readFileSync(result.outputs['sql-file'] ?? '', 'utf8');
    expect(sql).toContain("SET lock_timeout = '250ms';"); // lock-timeout reaches the file
    expect(sql).toMatch(/PARTITION OF/); // strategy too
    expect(sql).toContain('claim_line_items_y2024m04');
    expect(result.summary).toContain('| <code>public.claim_line_items</code> | month |');
    expect(result.summary).toContain('<details><summary>Reviewed SQL <code>');
    // The timeline, once: a Mermaid gantt chart.
    expect(result.summary.match(/^`{3,}mermaid$/gm)).toHaveLength(1);
    expect(result.summary).toMatch(/^gantt$/m);
    const { rows } = await db().client.query(
      "select count(*)::int as n from pg_inherits join pg_class on oid = inhrelid where relkind = 'r'",
    );
    expect(rows[0].n).toBe(0);
    expectNoSecret(result, url(), PASSWORD);
  });

  it('check: fails with one annotation per problem, then passes once applied', async () => {
    const check = await run({ inputs: { ...base(), mode: 'check' } });
    expect(check.code).toBe(1);
    expect(check.outputs.shortfall).toBe('true');
    const plan = JSON.parse(readFileSync(check.outputs['plan-json'] ?? '', 'utf8')) as {
      tables: { table: string; findings: { level: string; code: string }[] }[];
    };
    const problems = plan.tables.flatMap((t) =>
      t.findings.filter((f) => f.level === 'error').map((f) => `${t.table}: ${f.code}`),
    );
    expect(problems.length).toBeGreaterThanOrEqual(3);
    const errors = commands(check.log, '::error');
    // One annotation per problem, titled with table and code, then the step's failure listing them.
    for (const problem of problems) {
      expect(
        errors.filter((e) => e.includes(`title=${problem}`)),
        problem,
      ).toHaveLength(1);
    }
    expect(errors).toHaveLength(problems.length + 1);
    const failure = errors.at(-1) ?? '';
    expect(failure).toContain(`partition-keeper check: ${problems.length} problems:`);
    for (const problem of problems) expect(failure).toContain(`\n${problem}: `);
    expect(check.summary).toContain('❌ falls short');
    expectNoSecret(check, url(), PASSWORD);

    const applied = await run({ inputs: { ...base(), mode: 'apply' } });
    expect(applied.code).toBe(0);
    const again = await run({ inputs: { ...base(), mode: 'check' } });
    expect(again.code).toBe(0);
    expect(again.outputs.shortfall).toBe('false');
    expect(commands(again.log, '::error')).toEqual([]);
    expect(again.summary).toContain('✅ ok');
  });

  it('check: a gap in the kept window and rows in DEFAULT fail it, one line each naming table and range', async () => {
    await db().client.query(`
      create table public.claim_line_items_y2023m12 partition of public.claim_line_items for values from ('2023-12-01') to ('2024-01-01');
      create table public.claim_line_items_y2024m02 partition of public.claim_line_items for values from ('2024-02-01') to ('2024-03-01');
      create table public.claim_line_items_y2024m03 partition of public.claim_line_items for values from ('2024-03-01') to ('2024-04-01');
      create table public.claim_line_items_default partition of public.claim_line_items default;
      insert into public.claim_line_items (claim_id, service_date, amount) values (1, '2024-01-10', 5);`);
    const gapConfig = writeConfig(
      stringify({
        tables: [{ table: 'public.claim_line_items', interval: 'month', premake: 1, start: '2023-12-01' }],
      }),
    );
    const check = await run({ inputs: { ...base(), config: gapConfig, mode: 'check' } });
    expect(check.code).toBe(1);
    const errors = commands(check.log, '::error');
    const gap = errors.find((e) => e.includes('title=public.claim_line_items: gap '));
    expect(gap).toMatch(/2024-01-01/);
    const rows = errors.find((e) => e.includes('title=public.claim_line_items: default-rows '));
    expect(rows).toMatch(/holds 1 row/);
    const failure = errors.at(-1) ?? '';
    expect(failure.split('\n').filter((l) => l.startsWith('public.claim_line_items: '))).toHaveLength(
      errors.length - 1,
    );
    expect(failure).toMatch(/\npublic\.claim_line_items: gap: .*2024-01-01/);
  });

  it('apply: creates the plan, says so in a Markdown table', async () => {
    const result = await run({
      inputs: { ...base(), mode: 'apply', tables: 'claim_line_items, kid_absences' },
    });
    expect(result.code).toBe(0);
    expect(result.outputs.creates).toBe('5');
    expect(result.outputs.archives).toBe('0');
    expect(result.log).toContain('5 of 5 planned partitions created');
    expect(result.summary).toContain('## partition-keeper apply');
    expect(result.summary).toContain('| step | what | result | ms | attempts | note |');
    expect(result.summary.match(/\| ✅ done \|/g)).toHaveLength(5);
    const { rows } = await db().client.query(
      "select count(*)::int as n from pg_inherits join pg_class on oid = inhrelid where relkind = 'r'",
    );
    expect(rows[0].n).toBe(5);
    expectNoSecret(result, url(), PASSWORD);
  });

  it('apply with sql-file runs exactly the reviewed file', async () => {
    const planned = await run({ inputs: { ...base(), mode: 'plan', tables: 'claims_production' } });
    const reviewed = join(scratchDir('reviewed-'), 'reviewed.sql');
    // A reviewer deletes the last step: the rest still holds, and only what is left runs.
    const text = readFileSync(planned.outputs['sql-file'] ?? '', 'utf8');
    writeFileSync(reviewed, text.slice(0, text.indexOf('\n-- step 3/3')) + '\n');
    const result = await run({ inputs: { ...base(), mode: 'apply', 'sql-file': reviewed } });
    expect(result.code).toBe(0);
    expect(result.outputs.creates).toBe('2');
    expect(result.summary).toContain('apply --sql: 2 steps: 2 done');
    expect(result.summary.match(/\| ✅ done \|/g)).toHaveLength(2);
    const { rows } = await db().client.query<{ relname: string }>(
      "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relkind = 'r' order by 1",
    );
    expect(rows.map((r) => r.relname)).toEqual(['claims_production_y2024', 'claims_production_y2025']);
  });

  it("database-url left empty: the job's DATABASE_URL and PGPASSWORD, masked alike", async () => {
    const result = await run({
      inputs: { config, now: '2024-02-15', mode: 'check', tables: 'kid_absences' },
      env: { DATABASE_URL: url(), PGPASSWORD: 'pgpassword-from-the-job' },
    });
    expect(result.code).toBe(1);
    expect(result.outputs.creates).toBe('2');
    expectNoSecret(result, url(), PASSWORD, 'pgpassword-from-the-job');
  });

  it('a bad input fails the step naming it, with a summary, and no secret', async () => {
    const result = await run({ inputs: { ...base(), mode: 'apply', deadline: 'soon' } });
    expect(result.code).toBe(2);
    expect(commands(result.log, '::error')).toEqual([
      '::error::deadline: "soon" is not a number from 1 to 86400',
    ]);
    expect(result.summary).toContain('## partition-keeper failed');
    const mode = await run({ inputs: { ...base(), mode: 'deploy' } });
    expect(commands(mode.log, '::error')).toEqual([
      '::error::mode: "deploy" is not one of plan, apply, pr, check',
    ]);
    const unreachable = await run({
      inputs: {
        ...base(),
        mode: 'check',
        'database-url': `postgres://keeper:${PASSWORD}@127.0.0.1:1/claims`,
      },
    });
    expect(unreachable.code).toBe(3);
    expect(commands(unreachable.log, '::error')[0]).toContain('cannot connect to 127.0.0.1:1/claims');
    expectNoSecret(unreachable, PASSWORD);
  });
});

describeOnServer('the action: apply knobs', (db) => {
  const config = writeConfig(SEEDS_CONFIG);
  const base = () => ({ config, 'database-url': db().url, now: '2024-02-15', mode: 'apply' });

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
  });

  it('lock-wait: gives up on another run holding the run lock after that many seconds', async () => {
    const other = await db().connect();
    try {
      await other.query('select pg_advisory_lock($1::bigint)', [RUN_LOCK_KEY]);
      const started = Date.now();
      const result = await run({ inputs: { ...base(), 'lock-wait': '1' } });
      expect(result.code).toBe(1);
      expect(result.log).toContain('another partition-keeper run holds the run lock');
      expect(result.log).toContain('waited 1 s');
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await other.end();
    }
  });

  it('deadline and lock-timeout: a parent locked by another session is retried until the deadline, then left', async () => {
    const other = await db().connect();
    try {
      // What ATTACH PARTITION needs, and catalog reads do not: planning goes on, the step waits.
      await other.query('begin; lock table public.claims_production in share update exclusive mode');
      const started = Date.now();
      const result = await run({
        inputs: { ...base(), tables: 'claims_production', deadline: '2', 'lock-timeout': '50' },
      });
      const seconds = (Date.now() - started) / 1000;
      expect(result.code).toBe(1);
      expect(result.summary).toMatch(/❌ failed|⏸ not run/);
      expect(result.outputs.creates).toBe('0');
      expect(commands(result.log, '::error').length).toBeGreaterThanOrEqual(2); // the step, and the failure
      expect(seconds).toBeLessThan(10);
    } finally {
      await other.query('rollback');
      await other.end();
    }
  });

  it("jobs: how many sessions run different tables' steps at once", async () => {
    await db().client.query(`
      create table public.ddl_pids (pid int);
      create function public.log_ddl_pid() returns event_trigger language plpgsql as
        $$ begin insert into public.ddl_pids values (pg_backend_pid()); end $$;
      create event trigger log_ddl_pid on ddl_command_end execute function public.log_ddl_pid();`);
    const sessions = async () =>
      (await db().client.query('select count(distinct pid)::int as n from public.ddl_pids')).rows[0]
        .n as number;
    try {
      const one = await run({ inputs: { ...base(), jobs: '1' } });
      expect(one.code).toBe(0);
      expect(one.outputs.creates).toBe('8');
      expect(await sessions()).toBe(1);
      // Start again: the partitions dropped, the log emptied.
      const { rows } = await db().client.query<{ name: string }>(
        "select inhrelid::regclass::text as name from pg_inherits join pg_class on oid = inhrelid where relkind = 'r'",
      );
      for (const { name } of rows) await db().client.query(`drop table ${name}`);
      await db().client.query('truncate public.ddl_pids');
      const three = await run({ inputs: { ...base(), jobs: '3' } });
      expect(three.code).toBe(0);
      expect(three.outputs.creates).toBe('8');
      expect(await sessions()).toBeGreaterThan(1);
    } finally {
      await db().client.query('drop event trigger if exists log_ddl_pid');
    }
  });

  it('check: fails when the pre-flight finds apply would fail (a read-only database)', async () => {
    const { rows } = await db().client.query<{ name: string }>('select current_database() as name');
    const name = rows[0]?.name ?? '';
    await db().client.query(`alter database ${name} set default_transaction_read_only = on`);
    try {
      const check = await run({ inputs: { ...base(), mode: 'check', tables: 'claims_production' } });
      expect(check.code).toBe(1);
      const errors = commands(check.log, '::error');
      expect(errors.some((e) => e.includes('title=public.claims_production: read-only '))).toBe(true);
      expect(errors.at(-1)).toMatch(/\npublic\.claims_production: read-only: /);
    } finally {
      await db().client.query(`alter database ${name} reset default_transaction_read_only`);
    }
  });

  it('check with more problems than GitHub shows: 10 errors at most, the last saying how many more', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    for (const name of names) {
      await db().client.query(`create table public.${name} (d date not null) partition by range (d)`);
    }
    const config = writeConfig(
      stringify({ tables: names.map((table) => ({ table, interval: 'month', premake: 1 })) }),
    );
    const result = await run({
      inputs: { config, 'database-url': db().url, now: '2024-02-15', mode: 'check' },
    });
    expect(result.code).toBe(1);
    const errors = commands(result.log, '::error');
    expect(errors).toHaveLength(10);
    const problems = Number(/check: (\d+) problems/.exec(errors.at(-1) ?? '')?.[1]);
    expect(problems).toBeGreaterThanOrEqual(12);
    for (const e of errors.slice(0, 8)) expect(e).toMatch(/^::error title=public\.t\d\d: \S+ file=/);
    expect(errors[8]).toContain(`title=partition-keeper: ${problems - 8} more errors file=`);
    expect(errors[8]).toContain(`::${problems - 8} more errors than GitHub shows`);
    expect(errors[8]).toContain('job summary');
    // The job summary still names every table.
    for (const name of names) expect(result.summary).toContain(`<code>public.${name}</code>`);
  });
});

describeEachBackend('the CLI bundle', (db) => {
  const config = writeConfig(SEEDS_CONFIG);

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
  });

  it('plans as the in-process CLI does', async () => {
    const result = await runNode(
      [CLI_BUNDLE, 'plan', '--config', config, '--now', '2024-02-15', '--format', 'json'],
      { PATH: process.env.PATH, DATABASE_URL: db().url },
    );
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { tables: { table: string; create: { name: string }[] }[] };
    expect(plan.tables.map((t) => t.create.length)).toEqual([3, 3, 2]);
  });
});

// The parts of the CLI bundle loaded only when used (PostgreSQL's parser and its WebAssembly for a
// reviewed file, the AWS SDK for an s3:// store) are chunks beside index.js: run from another
// directory, apply --sql archives to the S3 server, and stderr stays JSON (the SDK's own process
// warning about Node versions included).
describeOnServer('the CLI bundle, archiving a reviewed file to S3', (db) => {
  const s3 = useS3Server('bundle-archive');

  beforeEach(async () => {
    await db().reset();
    await db().client.query('drop schema if exists archive cascade');
    await db().client.query(
      `${KID_ABSENCES_TABLE}\ninsert into kid_absences select g, date '2025-01-01' + g, 'ill' from generate_series(1, 200) g;`,
    );
  });

  it('plan --format sql, then apply --sql from elsewhere: detached, dumped, stored, dropped', async () => {
    const config = writeConfig(kidAbsencesConfig({ dump: 's3://bundle-archive/kids', drop: true }));
    const env = { PATH: process.env.PATH, DATABASE_URL: db().url, ...s3().env };
    const planned = await runNode(
      [CLI_BUNDLE, 'plan', '--config', config, '--now', '2027-03-01', '--format', 'sql'],
      env,
    );
    expect(planned.code).toBe(0);
    const file = join(scratchDir('bundle-sql-'), 'reviewed.sql');
    writeFileSync(file, planned.stdout);

    const elsewhere = mkdtempSync(join(tmpdir(), 'pk-bundle-cwd-'));
    const applied = await runNode(
      [CLI_BUNDLE, 'apply', '--config', config, '--sql', file, '--log-format', 'json'],
      env,
      elsewhere,
    );
    expect(applied.stderr).not.toMatch(/"level":"error"/);
    expect(applied.code).toBe(0);
    const logged = applied.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { message: string });
    expect(logged.filter((l) => l.message.startsWith('done: ')).map((l) => l.message.split(' ')[3])).toEqual([
      'detach',
      'move',
      'dump',
      'verify',
      'upload',
      'drop',
    ]);
    // The SDK warns on Node before 22 (process.emitWarning): that line is JSON like ours.
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(logged.some((l) => l.message.startsWith('Warning: NodeVersionSupportWarning'))).toBe(true);
    }
    const { rows } = await db().client.query("select to_regclass('archive.kid_absences_2025') as t");
    expect(rows).toEqual([{ t: null }]);
    const manifest = await openStore('s3://bundle-archive/kids', s3().env).getManifest(
      'archive.kid_absences_2025.pgdump',
    );
    expect(manifest).toMatchObject({ rows: 200, parent: 'public.kid_absences' });
  });
});
