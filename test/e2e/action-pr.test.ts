// pr mode as users run it: action.yml through the runner harness, the bundle built from src, a real
// database (server and PGlite), and a loopback GitHub server that keeps the repository's state and
// checks every request and answer against GitHub's OpenAPI description (test/helpers/github-server.ts).
// The first run opens the pull request, a run after the plan changed updates the same one, a run
// with nothing left to do closes it; the file the PR carries is the one `apply` then runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, inject, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { scratchDir, SEEDS_CONFIG, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';
import {
  fileOnBranch,
  githubError,
  loadGitHubSpec,
  startGitHubServer,
  type GitHubServer,
  type GitHubSpec,
} from '../helpers/github-server';
import { actionDirectory, runActionYml, type ActionRun } from './action-harness';

const TOKEN = 'ghs_loopbackTokenThatMustNeverBePrinted0123';
const PASSWORD = 'pr-mode-db-password';
const OWNER = 'acme';
const REPO = 'claims-db';
const BRANCH = 'partition-keeper/partitions';
const FILE = 'db/partitions/2024-02-15-partitions.sql';

let spec: GitHubSpec;
let actionPath: string;
beforeAll(async () => {
  spec = await loadGitHubSpec();
  actionPath = actionDirectory(inject('bundleDir'));
});

describeEachBackend('the action in pr mode', (db) => {
  const config = writeConfig(SEEDS_CONFIG);
  let server: GitHubServer;
  const url = () => {
    const u = new URL(db().url);
    u.password = PASSWORD; // ignored by trust auth and PGlite; must never be printed
    return u.toString();
  };
  const label = () => {
    const u = new URL(db().url);
    return `${u.hostname}:${u.port}${u.pathname}`;
  };

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
    server = await startGitHubServer(spec, { token: TOKEN, owner: OWNER, repo: REPO });
  });

  afterEach(async () => {
    // Nothing we sent, and nothing the server answered, broke GitHub's description.
    expect(server.violations).toEqual([]);
    await server.close();
  });

  const run = (inputs: Record<string, string>): Promise<ActionRun> =>
    runActionYml({
      actionPath,
      inputs: { config, 'database-url': url(), now: '2024-02-15', ...inputs },
      githubToken: TOKEN,
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_API_URL: server.url,
    });

  /** Masked first, then never shown: not in the log, the outputs, the summary, the PR or the files. */
  function expectNoSecrets(result: ActionRun): void {
    const lines = result.log.split('\n');
    const firstOther = lines.findIndex((l) => !l.startsWith('::add-mask::'));
    const masks = lines.slice(0, firstOther);
    expect(masks).toContain(`::add-mask::${TOKEN}`);
    expect(masks).toContain(`::add-mask::${PASSWORD}`);
    const shown = [
      lines.slice(firstOther).join('\n'),
      JSON.stringify(result.outputs),
      result.summary,
      JSON.stringify(server.state.pulls),
      JSON.stringify(server.requests.map((r) => r.body)),
      ...[...server.state.blobs.values()].map((b) => b.toString('utf8')),
    ].join('\n');
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(PASSWORD);
  }

  it('opens the pull request, updates it when the plan changes, closes it when nothing is left', async () => {
    // 1. Created: the branch, one commit through the Git Data API, the PR with labels.
    const first = await run({ mode: 'pr', labels: 'database, partitions' });
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ 'pr-operation': 'created', 'pr-number': '1', creates: '8' });
    expect(first.outputs['pr-url']).toMatch(/\/acme\/claims-db\/pull\/1$/);
    const ops = server.requests.map((r) => r.operationId);
    for (const op of [
      'git/create-blob',
      'git/create-tree',
      'git/create-commit',
      'git/create-ref',
      'pulls/create',
    ]) {
      expect(ops, op).toContain(op);
    }
    expect(server.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    const [pull] = server.state.pulls;
    expect(pull).toMatchObject({ number: 1, state: 'open', head: BRANCH, base: 'main' });
    expect(pull?.labels.sort()).toEqual(['database', 'partitions']);
    expect(pull?.title).toContain(label());
    // The body: the plan's summary and its timeline, cut to GitHub's limit.
    expect(pull?.body).toContain('```mermaid');
    expect(pull?.body).toContain('<code>public.claim_line_items</code>');
    expect(pull?.body?.length).toBeLessThanOrEqual(65_536);
    // The committed file is the sql-file output, with a header naming the database by its label.
    const committed = fileOnBranch(server.state, BRANCH, FILE) ?? '';
    expect(committed).toBe(readFileSync(first.outputs['sql-file'] ?? '', 'utf8'));
    expect(committed).toMatch(new RegExp(`^-- Database: ${label().replace(/[.]/g, '\\.')} \\(config `));
    expect(committed).toContain('-- What: 8 partitions to create and 0 due for archival, on 3 tables.');
    expect(committed).toContain('--   public.claim_line_items: the current period is not covered;');
    expect(committed).not.toContain('postgres://');
    expect(first.summary).toContain('Opened [pull request #1]');
    expectNoSecrets(first);

    // 2. The plan changes (one table applied elsewhere): the same PR, a new commit on its branch.
    const applied = await run({ mode: 'apply', tables: 'claim_line_items' });
    expect(applied.outputs.creates).toBe('3');
    const before = server.requests.length;
    const second = await run({ mode: 'pr', labels: 'database, partitions' });
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ 'pr-operation': 'updated', 'pr-number': '1', creates: '5' });
    expect(server.state.pulls).toHaveLength(1);
    expect(server.requests.slice(before).map((r) => r.operationId)).not.toContain('pulls/create');
    const updated = fileOnBranch(server.state, BRANCH, FILE) ?? '';
    expect(updated).toContain('-- What: 5 partitions to create');
    expect(updated).not.toContain('claim_line_items_y2024m04');
    expect(server.state.pulls[0]?.body).not.toContain('claim_line_items_y2024m04');
    expectNoSecrets(second);

    // 3. Merged and applied: apply runs exactly the file the PR carries.
    const reviewed = join(scratchDir('merged-'), '2024-02-15-partitions.sql');
    writeFileSync(reviewed, updated);
    const fromFile = await run({ mode: 'apply', 'sql-file': reviewed });
    expect(fromFile.code).toBe(0);
    expect(fromFile.outputs.creates).toBe('5');

    // 4. Nothing left to do: no commit, the PR closed with a comment saying why.
    const commits = server.state.commits.size;
    const third = await run({ mode: 'pr' });
    expect(third.code).toBe(0);
    expect(third.outputs).toMatchObject({ 'pr-operation': 'closed', 'pr-number': '1', creates: '0' });
    expect(server.state.commits.size).toBe(commits);
    expect(server.state.pulls[0]?.state).toBe('closed');
    expect(server.state.pulls[0]?.comments.at(-1)?.body).toBeTruthy();
    expect(third.summary).toContain('Closed [pull request #1]');

    // 5. And again: nothing open, nothing to do.
    const fourth = await run({ mode: 'pr' });
    expect(fourth.outputs['pr-operation']).toBe('none');
    expect(fourth.outputs['pr-number']).toBe('');
  });

  it('pr-branch, pr-base and sql-dir choose where the file goes and what the PR merges into', async () => {
    server.state.refs.set('heads/release', server.state.refs.get('heads/main') ?? '');
    const result = await run({
      mode: 'pr',
      'pr-branch': 'db/keeper',
      'pr-base': 'release',
      'sql-dir': './sql/parts/',
    });
    expect(result.code).toBe(0);
    expect(server.state.pulls[0]).toMatchObject({ head: 'db/keeper', base: 'release' });
    expect(fileOnBranch(server.state, 'db/keeper', 'sql/parts/2024-02-15-partitions.sql')).toContain(
      '-- step 1/8:',
    );
  });

  it('a token without the permissions fails the step with what to change, and no token in sight', async () => {
    server.force({
      operationId: 'git/create-blob',
      status: 403,
      body: githubError(
        403,
        'Resource not accessible by integration',
        'https://docs.github.com/rest/git/blobs#create-a-blob',
      ),
    });
    const result = await run({ mode: 'pr' });
    expect(result.code).toBe(1);
    const failure = result.log.split('\n').find((l) => l.startsWith('::error::')) ?? '';
    expect(failure).toContain('Resource not accessible by integration');
    expect(failure).toContain('`contents: write`');
    expect(result.summary).toContain('## partition-keeper pr failed');
    expect(result.outputs['pr-operation']).toBe('');
    // The plan was made and written before the pull request failed: its outputs are set.
    expect(result.outputs.creates).toBe('8');
    expect(readFileSync(result.outputs['sql-file'] ?? '', 'utf8')).toContain('-- step 1/8: create');
    expect(JSON.parse(readFileSync(result.outputs['plan-json'] ?? '', 'utf8'))).toHaveProperty('statements');
    expectNoSecrets(result);
  });

  it('GitHub Actions not permitted to create pull requests: the step names the repository setting', async () => {
    server.force({
      operationId: 'pulls/create',
      status: 403,
      body: githubError(
        403,
        'GitHub Actions is not permitted to create or approve pull requests.',
        'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      ),
    });
    const result = await run({ mode: 'pr' });
    expect(result.code).toBe(1);
    expect(result.log).toContain('Allow GitHub Actions to create and approve pull requests');
    expectNoSecrets(result);
  });

  it('pr mode without a token, or outside a repository, says what is missing', async () => {
    const noToken = await runActionYml({
      actionPath,
      inputs: { config, 'database-url': url(), mode: 'pr' },
      githubToken: '',
      GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
      GITHUB_API_URL: server.url,
    });
    expect(noToken.code).toBe(2);
    expect(noToken.log).toContain('github-token: pr mode needs a token');
    const noRepository = await runActionYml({
      actionPath,
      inputs: { config, 'database-url': url(), mode: 'pr' },
      githubToken: TOKEN,
      GITHUB_REPOSITORY: 'acme',
      GITHUB_API_URL: server.url,
    });
    expect(noRepository.code).toBe(2);
    expect(noRepository.log).toContain('GITHUB_REPOSITORY is "acme", expected owner/repo');
    const bad = await run({ mode: 'pr', 'pr-branch': 'two words' });
    expect(bad.code).toBe(2);
    expect(bad.log).toContain('pr-branch: "two words" is not a valid branch name');
    expect(server.requests).toEqual([]);
  });
});
