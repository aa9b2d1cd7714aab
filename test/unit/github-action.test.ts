// The action's pure parts: inputs → settings (bad values named by input), annotation limits, the pr
// file's header and path, the Node version check.
import { describe, expect, it } from 'vitest';
import {
  checkBranchName,
  checkSqlDir,
  defaultPrBranch,
  inputVariable,
  readInputs,
  secretsToMask,
} from '../../src/github/inputs';
import { ANNOTATIONS_PER_LEVEL, withinLimits, type Annotation } from '../../src/github/annotations';
import { pullRequestFileHeader, pullRequestFilePath } from '../../src/github/pr-file';
import { nodeVersionProblem } from '../../src/node-version';
import { DEFAULTS } from '../../src/settings';
import type { Plan, TablePlan } from '../../src/types';

const env = (inputs: Record<string, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputVariable(k), v])),
  ...extra,
});

describe('readInputs', () => {
  it('defaults every setting as the CLI does', () => {
    const { mode, settings, pr } = readInputs(env({}));
    expect(mode).toBe('plan');
    expect(pr).toBeUndefined();
    expect(settings).toMatchObject({
      command: 'plan',
      configFile: DEFAULTS.configFile,
      lockTimeoutMs: DEFAULTS.lockTimeoutMs,
      deadlineSeconds: DEFAULTS.deadlineSeconds,
      lockWaitSeconds: DEFAULTS.lockWaitSeconds,
      jobs: DEFAULTS.jobs,
      strategy: DEFAULTS.strategy,
      tables: [],
    });
  });

  it('reads every knob, tables one per line or comma-separated, DATABASE_URL as the fallback', () => {
    const { settings } = readInputs(
      env(
        {
          mode: 'apply',
          tables: 'a, b\nc',
          'lock-timeout': '250',
          deadline: '60',
          'lock-wait': '5',
          jobs: '4',
          strategy: 'partition-of',
          'sql-file': 'x.sql',
        },
        { DATABASE_URL: 'postgres://u@h/d' },
      ),
    );
    expect(settings).toMatchObject({
      command: 'apply',
      tables: ['a', 'b', 'c'],
      lockTimeoutMs: 250,
      deadlineSeconds: 60,
      lockWaitSeconds: 5,
      jobs: 4,
      strategy: 'partition-of',
      sqlFile: 'x.sql',
      databaseUrl: 'postgres://u@h/d',
    });
  });

  it('names the input of a bad value', () => {
    expect(() => readInputs(env({ mode: 'status' }))).toThrow(
      'mode: "status" is not one of plan, apply, pr, check',
    );
    expect(() => readInputs(env({ jobs: '0' }))).toThrow(/^jobs: "0"/);
    expect(() => readInputs(env({ strategy: 'fast' }))).toThrow(/^strategy: "fast"/);
    expect(() => readInputs(env({ 'lock-timeout': 'x' }))).toThrow(/^lock-timeout: "x"/);
    expect(() => readInputs(env({ mode: 'check', 'sql-file': 'a.sql' }))).toThrow('sql-file goes with apply');
  });

  it('pr: owner and repo from GITHUB_REPOSITORY, the default branch from the config name, labels, API URL', () => {
    const { settings, pr } = readInputs(
      env(
        { mode: 'pr', config: 'db/claims.yaml', 'github-token': 't0k', labels: 'a,\n b ' },
        { GITHUB_REPOSITORY: 'acme/claims-db', GITHUB_API_URL: 'https://ghe.example/api/v3' },
      ),
    );
    expect(settings.command).toBe('plan');
    expect(pr).toEqual({
      token: 't0k',
      owner: 'acme',
      repo: 'claims-db',
      branch: 'partition-keeper/claims',
      sqlDir: 'db/partitions',
      labels: ['a', 'b'],
      apiUrl: 'https://ghe.example/api/v3',
    });
  });

  it('pr: branch names and directories git and the repository accept', () => {
    expect(defaultPrBranch('partitions.yml')).toBe('partition-keeper/partitions');
    for (const bad of ['a b', 'a..b', '-x', 'x/', 'x.lock', 'a~1', 'a:b', 'x\u0001']) {
      expect(() => checkBranchName('pr-branch', bad), bad).toThrow(
        /pr-branch: .* is not a valid branch name/,
      );
    }
    expect(checkBranchName('pr-branch', 'partition-keeper/claims-2024')).toBe('partition-keeper/claims-2024');
    expect(checkSqlDir('./db/partitions/')).toBe('db/partitions');
    expect(checkSqlDir('')).toBe('db/partitions');
    for (const bad of ['/etc', '../up', '.']) expect(() => checkSqlDir(bad), bad).toThrow(/sql-dir: /);
  });
});

describe('secretsToMask', () => {
  it('the URL whole, its password as written and decoded, ?password=, PGPASSWORD and the token', () => {
    const url = 'postgres://keeper:p%40ss-word@db.example/claims';
    const query = 'postgres://keeper@db.example/claims?password=query-secret&sslmode=require';
    expect(
      secretsToMask(
        env({ 'database-url': url, 'github-token': 'ghs_x' }, { DATABASE_URL: query, PGPASSWORD: 'pg-pw' }),
      ).sort(),
    ).toEqual([url, query, 'ghs_x', 'p%40ss-word', 'p@ss-word', 'pg-pw', 'query-secret'].sort());
    expect(secretsToMask({})).toEqual([]);
  });
});

describe('withinLimits', () => {
  const many = (level: Annotation['level'], n: number): Annotation[] =>
    Array.from({ length: n }, (_, i) => ({ level, title: `t${i}`, message: `m${i}` }));

  it('keeps up to the limit per level', () => {
    const all = [...many('error', 10), ...many('warning', 3)];
    expect(withinLimits(all)).toEqual(all);
  });

  it('beyond it, the last shown aggregates the rest; reserved room counts', () => {
    const out = withinLimits([...many('error', 25), ...many('warning', 11), ...many('notice', 2)], {
      error: 1,
    });
    const errors = out.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(ANNOTATIONS_PER_LEVEL - 1);
    expect(errors.at(-1)).toMatchObject({ title: 'partition-keeper: 17 more errors' });
    expect(errors.at(-1)?.message).toContain('job summary');
    const warnings = out.filter((a) => a.level === 'warning');
    expect(warnings).toHaveLength(ANNOTATIONS_PER_LEVEL);
    expect(warnings.at(-1)?.title).toBe('partition-keeper: 2 more warnings');
    expect(out.filter((a) => a.level === 'notice')).toHaveLength(2);
  });
});

describe('the pr file', () => {
  const table = (name: string, over: Partial<TablePlan>): TablePlan =>
    ({
      table: name,
      schema: 'public',
      name,
      interval: 'month',
      timezone: 'UTC',
      coverage: { through: null, aheadPeriods: null, ok: false },
      coverageAfterPlan: { through: '2024-05-01', aheadPeriods: 2, ok: true },
      create: [],
      deferred: 0,
      archive: [],
      findings: [],
      skipped: false,
      ...over,
    }) as TablePlan;

  it('says what, why and for which database, in comment lines no name can break', () => {
    const plan: Plan = {
      now: '2024-02-15',
      tables: [
        table('public."odd\nname"', {
          create: [
            {
              schema: 'public',
              name: 'x',
              from: '2024-02-01',
              to: '2024-03-01',
              fromValue: 0,
              toValue: 0,
              reason: 'current',
              defaultRows: 0,
            },
          ],
        }),
        table('public.idle', {}),
      ],
    };
    const header = pullRequestFileHeader(plan, {
      label: 'db.example:5432/claims',
      configFile: 'partitions.yml',
    });
    expect(header.every((line) => line.startsWith('-- ') && !line.includes('\n'))).toBe(true);
    expect(header[0]).toBe(
      '-- Database: db.example:5432/claims (config partitions.yml), planned for 2024-02-15 by the partition-keeper action (mode: pr).',
    );
    expect(header[1]).toBe('-- What: 1 partition to create and 0 due for archival, on 1 table.');
    expect(header.join('\n')).toContain(
      'public."odd\\nname": the current period is not covered; after this file covered through 2024-05-01 (2 periods ahead) (current).',
    );
    expect(header.join('\n')).not.toContain('public.idle');
    expect(pullRequestFilePath('db/partitions', '2024-02-15')).toBe(
      'db/partitions/2024-02-15-partitions.sql',
    );
  });
});

describe('nodeVersionProblem', () => {
  it('accepts Node 20 and later, and says what to do below it', () => {
    expect(nodeVersionProblem('20.0.0')).toBeUndefined();
    expect(nodeVersionProblem('24.1.0')).toBeUndefined();
    const message = nodeVersionProblem('18.20.4') ?? '';
    expect(message).toContain('needs Node.js 20 or later; the node on PATH is 18.20.4');
    expect(message).toContain('node-version');
    expect(message).toContain('self-hosted runner');
    expect(nodeVersionProblem('garbage')).toBeDefined();
  });
});
