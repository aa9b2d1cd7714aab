// pr mode's GitHub side against the loopback GitHub server, which checks every request and response
// against GitHub's OpenAPI description (test/helpers/github-server.ts).
import { getOctokit } from '@actions/github';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BODY_LIMIT,
  CLOSING_COMMENT,
  cutBody,
  PullRequestError,
  syncPullRequest,
  type PullRequestRequest,
} from '../../src/github/pull-request';
import {
  fileOnBranch,
  filesOnBranch,
  githubError,
  loadGitHubSpec,
  startGitHubServer,
  type GitHubServer,
  type GitHubSpec,
} from '../helpers/github-server';

const TOKEN = 'ghs_TestToken0123456789abcdefABCDEF0123';
const BRANCH = 'partition-keeper/partitions';
const OWNER = 'acme';
const REPO = 'claims-db';

const sqlFile = (day: string, table: string) =>
  `-- partition-keeper reviewed file for database "claims" (${day})\nCREATE TABLE public.${table} PARTITION OF public.claims FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');\n`;

let spec: GitHubSpec;
let server: GitHubServer;
let logLines: string[];
const errorMessages: string[] = [];

beforeAll(async () => {
  spec = await loadGitHubSpec();
  // Measured here: about 0.6 s (parse 13 MB + index); validators compile on first use.
  console.log(`GitHub OpenAPI description loaded in ${spec.loadMs} ms`);
});

beforeEach(async () => {
  server = await startGitHubServer(spec, {
    token: TOKEN,
    owner: OWNER,
    repo: REPO,
    files: { 'README.md': '# claims-db\n', 'db/partitions/.keep': '' },
  });
  logLines = [];
});

afterEach(async () => {
  // No request we sent and no answer the server gave broke GitHub's description.
  expect(server.violations).toEqual([]);
  // The token never shows up in a log line or an error message.
  for (const line of [...logLines, ...errorMessages]) expect(line).not.toContain(TOKEN);
  await server.close();
});

function request(overrides: Partial<PullRequestRequest> = {}): PullRequestRequest {
  return {
    octokit: getOctokit(TOKEN, { baseUrl: server.url }),
    owner: OWNER,
    repo: REPO,
    branch: BRANCH,
    path: 'db/partitions/2026-01-05-partitions.sql',
    content: sqlFile('2026-01-05', 'claims_p2026_02'),
    title: 'partition-keeper: 1 partition to create (claims)',
    body: '## partition-keeper plan\n\n| table | creates |\n|---|---|\n| claims | 1 |\n',
    commitMessage: 'partition-keeper: reviewed SQL for 2026-01-05',
    labels: ['database', 'partition-keeper'],
    ...overrides,
  };
}

const sync = (overrides: Partial<PullRequestRequest> = {}) =>
  syncPullRequest(request(overrides), (l) => logLines.push(l));

async function failure(overrides: Partial<PullRequestRequest> = {}): Promise<PullRequestError> {
  const error = await sync(overrides).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PullRequestError);
  errorMessages.push((error as Error).message);
  return error as PullRequestError;
}

const operations = () => server.requests.map((r) => r.operationId);
const bodyOf = (operationId: string) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  server.requests.find((r) => r.operationId === operationId)?.body as Record<string, any>;

describe('syncPullRequest: first run', () => {
  it('commits the file through the Git Data API on a new branch and opens the pull request, labelled', async () => {
    const mainHead = server.state.refs.get('heads/main') as string;
    const result = await sync();

    expect(result).toEqual({
      operation: 'created',
      number: 1,
      url: `https://github.com/${OWNER}/${REPO}/pull/1`,
    });
    expect(operations()).toEqual([
      'repos/get',
      'git/get-ref',
      'git/get-commit',
      'git/create-blob',
      'git/create-tree',
      'git/get-ref',
      'git/create-commit',
      'git/create-ref',
      'pulls/list',
      'pulls/create',
      'issues/add-labels',
    ]);
    // the token travels in the Authorization header, and nowhere else
    expect(server.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);

    // blob: exactly the file
    const blob = bodyOf('git/create-blob');
    expect(blob.encoding).toBe('base64');
    expect(Buffer.from(blob.content, 'base64').toString('utf8')).toBe(
      sqlFile('2026-01-05', 'claims_p2026_02'),
    );
    // tree: the file at its path, on top of main's tree
    const tree = bodyOf('git/create-tree');
    expect(tree.base_tree).toBe(server.state.commits.get(mainHead)?.tree);
    expect(tree.tree).toEqual([
      {
        path: 'db/partitions/2026-01-05-partitions.sql',
        mode: '100644',
        type: 'blob',
        sha: expect.any(String),
      },
    ]);
    // commit: no author given (GitHub signs it as the token's identity), parent = main
    const commit = bodyOf('git/create-commit');
    expect(commit).toEqual({
      message: 'partition-keeper: reviewed SQL for 2026-01-05',
      tree: expect.any(String),
      parents: [mainHead],
    });
    expect(bodyOf('git/create-ref')).toEqual({ ref: `refs/heads/${BRANCH}`, sha: expect.any(String) });

    // state: the branch is main + this file
    const head = server.state.refs.get(`heads/${BRANCH}`) as string;
    expect(server.state.commits.get(head)?.parents).toEqual([mainHead]);
    expect(fileOnBranch(server.state, BRANCH, 'db/partitions/2026-01-05-partitions.sql')).toBe(
      sqlFile('2026-01-05', 'claims_p2026_02'),
    );
    expect(filesOnBranch(server.state, BRANCH)).toEqual([
      'README.md',
      'db/partitions/.keep',
      'db/partitions/2026-01-05-partitions.sql',
    ]);
    expect(server.state.refs.get('heads/main')).toBe(mainHead);

    // the pull request
    expect(server.state.pulls).toHaveLength(1);
    const pull = server.state.pulls[0];
    expect(pull).toMatchObject({
      number: 1,
      state: 'open',
      head: BRANCH,
      base: 'main',
      title: 'partition-keeper: 1 partition to create (claims)',
      body: request().body,
      labels: ['database', 'partition-keeper'],
    });
    expect(bodyOf('pulls/create')).toEqual({
      head: BRANCH,
      base: 'main',
      title: request().title,
      body: request().body,
    });
    expect(logLines.join('\n')).toMatch(/branch partition-keeper\/partitions: created at [0-9a-f]{7}/);
    expect(logLines.join('\n')).toContain('pull request: created #1');
  });

  it('uses pr-base when given instead of asking for the default branch', async () => {
    const mainHead = server.state.refs.get('heads/main') as string;
    server.state.refs.set('heads/develop', mainHead);
    const result = await sync({ base: 'develop', labels: [] });
    expect(result.operation).toBe('created');
    expect(operations()).not.toContain('repos/get');
    expect(operations()).not.toContain('issues/add-labels');
    expect(server.state.pulls[0]?.base).toBe('develop');
  });
});

describe('syncPullRequest: later runs', () => {
  it('a changed plan resets the branch to base + the new file and updates the same pull request', async () => {
    await sync();
    const firstHead = server.state.refs.get(`heads/${BRANCH}`);
    const mainHead = server.state.refs.get('heads/main');
    server.requests.length = 0;

    const result = await sync({
      path: 'db/partitions/2026-01-06-partitions.sql',
      content: sqlFile('2026-01-06', 'claims_p2026_03'),
      title: 'partition-keeper: 1 partition to create (claims, 2026-01-06)',
      body: 'second body',
      commitMessage: 'partition-keeper: reviewed SQL for 2026-01-06',
    });

    expect(result).toEqual({
      operation: 'updated',
      number: 1,
      url: `https://github.com/${OWNER}/${REPO}/pull/1`,
    });
    expect(server.state.pulls).toHaveLength(1);
    expect(server.state.pulls[0]).toMatchObject({
      state: 'open',
      title: 'partition-keeper: 1 partition to create (claims, 2026-01-06)',
      body: 'second body',
    });
    expect(server.state.pulls[0]?.labels).toEqual(['database', 'partition-keeper']);
    expect(operations()).toContain('git/update-ref');
    expect(operations()).not.toContain('pulls/create');
    expect(bodyOf('git/update-ref')).toEqual({ sha: expect.any(String), force: true });
    expect(server.requests.find((r) => r.operationId === 'git/update-ref')?.path).toBe(
      `/repos/${OWNER}/${REPO}/git/refs/heads/${BRANCH}`,
    );
    // a new commit whose parent is main, not the previous run's commit; yesterday's file is gone
    const head = server.state.refs.get(`heads/${BRANCH}`) as string;
    expect(head).not.toBe(firstHead);
    expect(server.state.commits.get(head)?.parents).toEqual([mainHead]);
    expect(filesOnBranch(server.state, BRANCH)).toEqual([
      'README.md',
      'db/partitions/.keep',
      'db/partitions/2026-01-06-partitions.sql',
    ]);
    expect(fileOnBranch(server.state, BRANCH, 'db/partitions/2026-01-06-partitions.sql')).toBe(
      sqlFile('2026-01-06', 'claims_p2026_03'),
    );
  });

  it('the same file again makes no new commit and only refreshes the pull request', async () => {
    await sync();
    const head = server.state.refs.get(`heads/${BRANCH}`);
    server.requests.length = 0;
    const result = await sync({ body: 'refreshed body' });
    expect(result.operation).toBe('updated');
    expect(operations()).not.toContain('git/create-commit');
    expect(operations()).not.toContain('git/update-ref');
    expect(server.state.refs.get(`heads/${BRANCH}`)).toBe(head);
    expect(server.state.pulls[0]?.body).toBe('refreshed body');
  });

  it('moves onto a new base head when the base branch moved (the reviewed file was merged)', async () => {
    await sync();
    // someone merges other work into main
    const old = server.state.refs.get('heads/main') as string;
    server.state.refs.set('heads/main', server.state.refs.get(`heads/${BRANCH}`) as string);
    await sync({
      path: 'db/partitions/2026-01-06-partitions.sql',
      content: sqlFile('2026-01-06', 'claims_p2026_03'),
    });
    const head = server.state.refs.get(`heads/${BRANCH}`) as string;
    expect(server.state.commits.get(head)?.parents).toEqual([server.state.refs.get('heads/main')]);
    expect(server.state.refs.get('heads/main')).not.toBe(old);
    expect(filesOnBranch(server.state, BRANCH)).toContain('db/partitions/2026-01-05-partitions.sql');
  });

  it('a 422 "A pull request already exists" (the listing lagged) updates that pull request instead of opening a second', async () => {
    await sync();
    server.state.staleListOnce = true;
    server.requests.length = 0;
    const result = await sync({ body: 'after the race' });
    expect(result).toMatchObject({ operation: 'updated', number: 1 });
    const create = server.requests.find((r) => r.operationId === 'pulls/create');
    expect(create?.status).toBe(422);
    expect(server.state.pulls).toHaveLength(1);
    expect(server.state.pulls[0]?.body).toBe('after the race');
  });

  it('a closed pull request is left closed and a new one is opened', async () => {
    await sync();
    await sync({ content: undefined });
    const result = await sync({ content: sqlFile('2026-01-07', 'claims_p2026_04') });
    expect(result).toMatchObject({ operation: 'created', number: 2 });
    expect(server.state.pulls.map((p) => p.state)).toEqual(['closed', 'open']);
  });
});

describe('syncPullRequest: empty plan', () => {
  it('closes the open pull request with a comment saying why, and commits nothing', async () => {
    await sync();
    const head = server.state.refs.get(`heads/${BRANCH}`);
    server.requests.length = 0;

    const result = await sync({ content: undefined });

    expect(result).toEqual({
      operation: 'closed',
      number: 1,
      url: `https://github.com/${OWNER}/${REPO}/pull/1`,
    });
    expect(operations()).toEqual(['pulls/list', 'issues/create-comment', 'pulls/update']);
    expect(bodyOf('pulls/update')).toEqual({ state: 'closed' });
    expect(server.state.pulls[0]?.state).toBe('closed');
    expect(server.state.pulls[0]?.comments.map((c) => c.body)).toEqual([CLOSING_COMMENT]);
    expect(CLOSING_COMMENT).toMatch(/nothing to do/);
    expect(server.state.refs.get(`heads/${BRANCH}`)).toBe(head);
  });

  it("is 'none' when no pull request is open, and touches nothing", async () => {
    const result = await sync({ content: undefined });
    expect(result).toEqual({ operation: 'none' });
    expect(operations()).toEqual(['pulls/list']);
    expect(server.state.refs.has(`heads/${BRANCH}`)).toBe(false);
    expect(server.state.pulls).toEqual([]);
  });
});

describe('syncPullRequest: GitHub refusals become messages that say what to change', () => {
  const notAccessible = (status: number, docs: string) =>
    githubError(status, 'Resource not accessible by integration', `https://docs.github.com/rest/${docs}`);

  it('403 "Resource not accessible by integration" on the commit names contents: write and pull-requests: write', async () => {
    server.force({
      operationId: 'git/create-blob',
      status: 403,
      body: notAccessible(403, 'git/blobs#create-a-blob'),
    });
    const error = await failure();
    expect(error.message).toContain('Resource not accessible by integration');
    expect(error.message).toContain('`contents: write`');
    expect(error.message).toContain('`pull-requests: write`');
    expect(error.message).toContain('`permissions:`');
    expect(server.state.refs.has(`heads/${BRANCH}`)).toBe(false);
  });

  it('403 "Resource not accessible by integration" on opening the pull request says the same', async () => {
    server.force({
      operationId: 'pulls/create',
      status: 403,
      body: notAccessible(403, 'pulls/pulls#create-a-pull-request'),
    });
    const error = await failure();
    expect(error.message).toContain(
      'GitHub answered 403 when asked to open the pull request partition-keeper/partitions → main: Resource not accessible by integration. ',
    );
    expect(error.message).toContain('`pull-requests: write`');
  });

  it.each([403, 422])(
    '%i "GitHub Actions is not permitted to create or approve pull requests" names the repository setting',
    async (status) => {
      server.force({
        operationId: 'pulls/create',
        status,
        body: githubError(
          status,
          'GitHub Actions is not permitted to create or approve pull requests.',
          'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
        ),
      });
      const error = await failure();
      expect(error.message).toContain('pull requests. Turn on the repository setting');
      expect(error.message).toContain('Settings → Actions → General → Workflow permissions');
      expect(error.message).toContain('"Allow GitHub Actions to create and approve pull requests"');
      expect(server.state.pulls).toEqual([]);
    },
  );

  it('a protected branch refusing the force-update says so and asks for another pr-branch', async () => {
    await sync();
    server.state.protectedBranches.add(BRANCH);
    const error = await failure({ content: sqlFile('2026-01-06', 'claims_p2026_03') });
    expect(error.message).toContain(`Protected branch update failed for refs/heads/${BRANCH}. The branch`);
    expect(error.message).toContain(`The branch "${BRANCH}" is protected`);
    expect(error.message).toContain('`pr-branch`');
  });

  it('a ruleset refusing to create the branch ("Reference update failed") says the same', async () => {
    server.state.protectedBranches.add(BRANCH);
    const error = await failure();
    expect(error.message).toContain('Reference update failed');
    expect(error.message).toContain('`pr-branch`');
  });

  it('refuses a pr-branch that is the base branch (it would be force-moved)', async () => {
    const error = await failure({ branch: 'main' });
    expect(error.message).toContain('pr-branch "main" is the base branch');
    expect(operations()).toEqual(['repos/get']);
  });

  it.each(['/db/x.sql', 'db//x.sql', '../x.sql', 'db/./x.sql'])(
    'refuses the path %s before calling GitHub',
    async (path) => {
      const error = await failure({ path });
      expect(error.message).toContain('must be relative to the repository root');
      expect(server.requests).toEqual([]);
    },
  );

  it('a GitHub that cannot be reached is named with the step that failed', async () => {
    const gone = await startGitHubServer(spec, { token: TOKEN });
    await gone.close();
    const error = await syncPullRequest({
      ...request(),
      octokit: getOctokit(TOKEN, { baseUrl: gone.url }),
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PullRequestError);
    expect((error as Error).message).toMatch(/^Could not read the repository acme\/claims-db: /);
    errorMessages.push((error as Error).message);
  });

  it('a missing base branch names pr-base', async () => {
    const error = await failure({ base: 'no-such-branch' });
    expect(error.message).toContain(
      'GitHub answered 404 when asked to read the base branch "no-such-branch": Not Found. No branch "no-such-branch" in acme/claims-db: set `pr-base` to an existing branch.',
    );
  });

  it('a wrong token is a 401 that says to check github-token, without the token', async () => {
    const error = await syncPullRequest({
      ...request(),
      octokit: getOctokit('ghs_wrong', { baseUrl: server.url }),
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PullRequestError);
    expect((error as Error).message).toContain('`github-token` is invalid');
    expect((error as Error).message).not.toContain('ghs_wrong');
    errorMessages.push((error as Error).message);
    // 401 is not in GitHub's description of repos/get: the server notes it; that is expected here
    expect(server.violations.splice(0)).toEqual([expect.stringContaining('declares no 401 answer')]);
  });
});

describe('cutBody', () => {
  it('leaves a body within the limit alone', () => {
    const body = 'x'.repeat(BODY_LIMIT);
    expect(cutBody(body)).toBe(body);
  });

  it('cuts a longer body to the limit on a line end, says so, and closes an open fence and <details>', () => {
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `CREATE TABLE public.claims_p${i} PARTITION OF public.claims;`,
    );
    const body = `## Plan\n\n<details><summary>SQL</summary>\n\n\`\`\`sql\n${lines.join('\n')}\n\`\`\`\n</details>\n`;
    expect(body.length).toBeGreaterThan(BODY_LIMIT);
    const cut = cutBody(body);
    expect(cut.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(cut.length).toBeGreaterThan(BODY_LIMIT - 200);
    expect(cut).toContain("This description was cut at GitHub's limit of 65,536 characters");
    expect(cut).toMatch(/;\n```\n<\/details>\n\n> \[!NOTE\]/);
    expect(cut.startsWith(body.slice(0, 1000))).toBe(true);
  });

  it('closes a <details open> block too, and keeps a limit smaller than the note', () => {
    const cut = cutBody(`<details open>\n${'row\n'.repeat(100)}</details>\n`, 300);
    expect(cut.length).toBeLessThanOrEqual(300);
    expect(cut).toMatch(/row\n<\/details>\n\n> \[!NOTE\]/);
    expect(cutBody('x'.repeat(100), 20)).toHaveLength(20);
  });

  it('never splits a surrogate pair', () => {
    const cut = cutBody('😀'.repeat(50), 41 + 150);
    expect(cut.length).toBeLessThanOrEqual(191);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('syncPullRequest sends the cut body', async () => {
    const body = `## Plan\n${'| claims | 2026-01 | create |\n'.repeat(3000)}`;
    await sync({ body });
    const sent = bodyOf('pulls/create').body as string;
    expect(sent.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(sent).toContain('This description was cut');
    expect(server.state.pulls[0]?.body).toBe(sent);
    expect(logLines.join('\n')).toContain("body cut to GitHub's limit");
  });
});

describe('the loopback server checks requests and responses against the OpenAPI description', () => {
  it('catches a wrong body field type, a field the operation does not have, a missing one, and an unknown route', async () => {
    const octokit = getOctokit(TOKEN, { baseUrl: server.url });
    const attempt = (p: Promise<unknown>) => p.catch((e: unknown) => e);
    await attempt(
      octokit.request('POST /repos/{owner}/{repo}/pulls' as string, {
        owner: OWNER,
        repo: REPO,
        head: BRANCH,
        base: 'main',
        title: 'x',
        draft: 'yes',
      }),
    );
    await attempt(
      octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}' as string, {
        owner: OWNER,
        repo: REPO,
        ref: 'heads/main',
        sha: 'abc',
        force_update: true,
      }),
    );
    await attempt(
      octokit.request('POST /repos/{owner}/{repo}/git/commits' as string, {
        owner: OWNER,
        repo: REPO,
        tree: 'abc',
      }),
    );
    await attempt(
      octokit.request('GET /repos/{owner}/{repo}/pulls' as string, {
        owner: OWNER,
        repo: REPO,
        status: 'open',
      }),
    );
    const unknown = await attempt(
      octokit.request('POST /repos/{owner}/{repo}/git/branches', { owner: OWNER, repo: REPO }),
    );
    expect((unknown as { status: number }).status).toBe(404);

    const found = server.violations.splice(0);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /POST \/repos\/acme\/claims-db\/pulls \(pulls\/create\) request: \/requestBody\/draft must be boolean/,
        ),
        expect.stringMatching(
          /\(git\/update-ref\) request: body\.force_update is not a field of this operation/,
        ),
        expect.stringMatching(/\(git\/create-commit\) request: .*must have required property 'message'/),
        'GET /repos/acme/claims-db/pulls (pulls/list) request: query parameter status is not a parameter of this operation',
        "POST /repos/acme/claims-db/git/branches: no such operation in GitHub's REST API",
      ]),
    );
  });

  it('catches an answer of ours that GitHub would never give', async () => {
    server.force({ operationId: 'pulls/create', status: 201, body: { number: 1 } });
    server.force({
      operationId: 'git/create-blob',
      status: 418,
      body: githubError(418, 'teapot', 'https://docs.github.com/rest'),
    });
    await sync().catch(() => undefined);
    const found = server.violations.splice(0);
    expect(found).toEqual([
      expect.stringContaining("(git/create-blob): GitHub's description declares no 418 answer"),
    ]);
    server.violations.length = 0;
    server.requests.length = 0;
    // and a 201 missing required fields
    const octokit = getOctokit(TOKEN, { baseUrl: server.url });
    await octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: BRANCH, base: 'main', title: 'x' });
    expect(server.violations.splice(0)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\(pulls\/create\) response 201: +must have required property/),
      ]),
    );
  });
});
