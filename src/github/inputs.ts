// The action's inputs → one settings object. A composite action's steps get no INPUT_* variables:
// action.yml maps each input to a PARTITION_KEEPER_* variable in the step's `env:`, and this module
// is the only reader of those variables. Defaults live in action.yml where a literal can say them
// (mode, config, sql-dir, github-token) and in src/settings.ts for the apply knobs.
import { basename, extname, isAbsolute, normalize } from 'node:path';
import { urlPasswords } from '../db/conninfo';
import { UsageError } from '../errors';
import { resolveSettings, type RawSettings, type Settings } from '../settings';

export const MODES = ['plan', 'apply', 'pr', 'check'] as const;
export type Mode = (typeof MODES)[number];

/** Every input the bundle reads (node-version is read by action.yml's setup-node step alone). */
export const BUNDLE_INPUTS = [
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
  'lock-timeout',
  'deadline',
  'lock-wait',
  'catalog-lock-wait',
  'jobs',
  'strategy',
] as const;
export type BundleInput = (typeof BUNDLE_INPUTS)[number];

/** The variable action.yml's step maps an input to: `lock-timeout` → PARTITION_KEEPER_LOCK_TIMEOUT. */
export const inputVariable = (input: string): string =>
  `PARTITION_KEEPER_${input.toUpperCase().replace(/-/g, '_')}`;

export const DEFAULT_SQL_DIR = 'db/partitions';

export interface PullRequestInputs {
  token: string;
  /** owner and repo from GITHUB_REPOSITORY. */
  owner: string;
  repo: string;
  /** The one fixed branch the reviewed file is committed to. */
  branch: string;
  /** Absent: the repository's default branch. */
  base?: string;
  /** Repository-relative directory of the reviewed files. */
  sqlDir: string;
  labels: string[];
  /** GITHUB_API_URL (GitHub Enterprise Server, or a test's server). */
  apiUrl: string;
}

export interface ActionInputs {
  mode: Mode;
  /** pr runs the `plan` command; the others run their namesake. */
  settings: Settings;
  /** Set in pr mode only. */
  pr?: PullRequestInputs;
}

/** A list given one per line or comma-separated. */
const list = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter(Boolean);

/** Refuses what git would refuse as a branch name (git check-ref-format), naming the input. */
export function checkBranchName(input: string, branch: string): string {
  const bad =
    /[\s~^:?*[\\]/.test(branch) ||
    [...branch].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ||
    branch.includes('..') ||
    branch.includes('@{') ||
    branch.includes('//') ||
    /^[-/.]|[/.]$|\.lock$|\/\./.test(branch);
  if (!branch || bad) {
    throw new UsageError(
      `${input}: "${branch}" is not a valid branch name (no spaces, "..", "~^:?*[\\", leading "-" or "/")`,
    );
  }
  return branch;
}

/** A directory inside the repository, written with forward slashes and no "./" or trailing "/". */
export function checkSqlDir(dir: string): string {
  const clean = normalize(dir.trim() || DEFAULT_SQL_DIR)
    .replace(/\\/g, '/')
    .replace(/\/+$/, '');
  if (isAbsolute(clean) || clean === '..' || clean.startsWith('../') || clean === '.') {
    throw new UsageError(
      `sql-dir: "${dir}" must be a directory inside the repository, e.g. ${DEFAULT_SQL_DIR}`,
    );
  }
  return clean;
}

/** `partition-keeper/<config file name without extension>`: one branch per config. */
export const defaultPrBranch = (configFile: string): string =>
  `partition-keeper/${basename(configFile, extname(configFile))}`;

function pullRequestInputs(input: (name: BundleInput) => string, settings: Settings, env: NodeJS.ProcessEnv) {
  const token = input('github-token');
  if (!token) {
    throw new UsageError(
      'github-token: pr mode needs a token (the default is the workflow token, ${{ github.token }}); ' +
        'give the job `permissions: contents: write, pull-requests: write`',
    );
  }
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new UsageError(
      `pr mode: GITHUB_REPOSITORY is "${repository}", expected owner/repo (the runner sets it in every workflow)`,
    );
  }
  const base = input('pr-base');
  return {
    token,
    owner,
    repo,
    branch: checkBranchName('pr-branch', input('pr-branch') || defaultPrBranch(settings.configFile)),
    ...(base && { base: checkBranchName('pr-base', base) }),
    sqlDir: checkSqlDir(input('sql-dir')),
    labels: list(input('labels')),
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
  };
}

/** Reads and validates every input; bad values are UsageError naming the input. */
export function readInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const input = (name: BundleInput): string => (env[inputVariable(name)] ?? '').trim();
  const mode = input('mode') || 'plan';
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`mode: "${mode}" is not one of ${MODES.join(', ')}`);
  }
  const names: Record<keyof RawSettings, string> = {
    command: 'mode',
    configFile: 'config',
    databaseUrl: 'database-url',
    now: 'now',
    tables: 'tables',
    format: 'format',
    logFormat: 'log-format',
    strategy: 'strategy',
    lockTimeoutMs: 'lock-timeout',
    deadlineSeconds: 'deadline',
    lockWaitSeconds: 'lock-wait',
    catalogLockWaitSeconds: 'catalog-lock-wait',
    jobs: 'jobs',
    sqlFile: 'sql-file',
    // reattach is a CLI command only: the action never reads these
    reattachTable: 'table',
    fromDump: 'from-dump',
  };
  const settings = resolveSettings(
    {
      command: mode === 'pr' ? 'plan' : mode,
      configFile: input('config'),
      databaseUrl: input('database-url') || env.DATABASE_URL || '',
      now: input('now'),
      tables: list(input('tables')),
      sqlFile: input('sql-file'),
      lockTimeoutMs: input('lock-timeout'),
      deadlineSeconds: input('deadline'),
      lockWaitSeconds: input('lock-wait'),
      catalogLockWaitSeconds: input('catalog-lock-wait'),
      jobs: input('jobs'),
      strategy: input('strategy'),
    },
    names,
  );
  const pr = mode === 'pr' ? pullRequestInputs(input, settings, env) : undefined;
  return { mode: mode as Mode, settings, ...(pr && { pr }) };
}

/**
 * What the action masks before it prints anything, read straight from the environment (before the
 * inputs are parsed, so even a bad input's message cannot show them): the database URL whole, its
 * password as written and decoded (user info or ?password=), PGPASSWORD, and the GitHub token.
 */
export function secretsToMask(env: NodeJS.ProcessEnv): string[] {
  const secrets = new Set<string>();
  for (const url of [env[inputVariable('database-url')], env.DATABASE_URL]) {
    const given = url?.trim();
    if (!given) continue;
    secrets.add(given);
    for (const password of urlPasswords(given)) secrets.add(password);
    if (URL.canParse(given)) {
      const u = new URL(given);
      secrets.add(u.password);
      secrets.add(u.searchParams.get('password') ?? '');
      try {
        secrets.add(decodeURIComponent(u.password));
      } catch {
        // a malformed escape: the raw form is masked, and the URL parser refuses it later
      }
    }
  }
  secrets.add(env.PGPASSWORD ?? '');
  secrets.add(env[inputVariable('github-token')]?.trim() ?? '');
  secrets.delete('');
  return [...secrets];
}
