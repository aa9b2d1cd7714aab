// pr mode's GitHub side: one reviewed file committed to one fixed branch, one pull request kept in step with it.
//
// Each run resets the branch to the base branch's head plus this run's file (one commit, force-moved),
// so the pull request always shows exactly the file to review now, never a pile of earlier attempts.
// The commit goes through the Git Data API (blob → tree → commit → ref) without an author, so GitHub
// signs it as made by the token's identity.
import type { getOctokit } from '@actions/github';

export type Octokit = ReturnType<typeof getOctokit>;

export interface PullRequestRequest {
  /** From @actions/github getOctokit(token, { baseUrl }). */
  octokit: Octokit;
  owner: string;
  repo: string;
  /** The one fixed branch, e.g. partition-keeper/partitions. */
  branch: string;
  /** Default: the repository's default branch. */
  base?: string;
  /** <sql-dir>/<date>-partitions.sql */
  path: string;
  /** undefined = empty plan: no commit; an open PR for the branch is closed with a comment saying why. */
  content: string | undefined;
  title: string;
  body: string;
  commitMessage: string;
  labels: string[];
}

export interface PullRequestResult {
  operation: 'created' | 'updated' | 'closed' | 'none';
  number?: number;
  url?: string;
}

/** A failure with a message that says what to change (permissions, repository setting, branch). */
export class PullRequestError extends Error {
  override name = 'PullRequestError';
}

/** GitHub rejects pull request bodies longer than this many characters. */
export const BODY_LIMIT = 65_536;

/** The comment left on a pull request closed because the latest plan is empty. */
export const CLOSING_COMMENT =
  "partition-keeper's latest plan has nothing to do: no partition to create and nothing to archive. " +
  'This pull request is no longer needed, so it is closed; a later run opens a new one when there is work to review.';

/**
 * The body cut to GitHub's limit, with a note saying it was cut. The cut falls on a line end, and a
 * code fence or <details> block left open by the cut is closed so the rest still renders.
 */
export function cutBody(body: string, limit: number = BODY_LIMIT): string {
  if (body.length <= limit) return body;
  const note =
    `\n\n> [!NOTE]\n> This description was cut at GitHub's limit of ${limit.toLocaleString('en-US')} characters; ` +
    "the workflow run's job summary holds all of it.\n";
  const closers = (head: string): string => {
    const fences = head.split('\n').filter((line) => line.trimStart().startsWith('```')).length;
    const openDetails =
      (head.match(/<details[\s>]/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
    return (fences % 2 === 1 ? '\n```' : '') + '\n</details>'.repeat(Math.max(0, openDetails));
  };
  for (let budget = limit - note.length; budget > 0;) {
    let head = body.slice(0, budget);
    // end on a whole line unless that would drop more than a long line's worth
    const lineEnd = head.lastIndexOf('\n');
    if (lineEnd > 0 && head.length - lineEnd < 1_000) head = head.slice(0, lineEnd);
    // never leave half of a surrogate pair
    if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
    const cut = head + closers(head) + note;
    if (cut.length <= limit) return cut;
    budget -= cut.length - limit;
  }
  return note.trimStart().slice(0, limit);
}

// ---------------------------------------------------------------------------------------------
// Errors: GitHub's answers turned into what to change.

interface GitHubFailure {
  status: number;
  /** GitHub's message plus the messages of its `errors` entries. */
  text: string;
}

function gitHubFailure(error: unknown): GitHubFailure | undefined {
  // no response: GitHub was not reached (octokit reports that as status 500 without a response)
  if (
    typeof error !== 'object' ||
    error === null ||
    typeof (error as { status?: unknown }).status !== 'number' ||
    !(error as { response?: unknown }).response
  ) {
    return undefined;
  }
  const data = (error as { response?: { data?: unknown } }).response?.data as
    { message?: unknown; errors?: { message?: unknown; code?: unknown }[] } | undefined;
  const parts = [
    typeof data?.message === 'string' ? data.message : '',
    ...(Array.isArray(data?.errors)
      ? data.errors.map((e) => (typeof e?.message === 'string' ? e.message : ''))
      : []),
  ].filter(Boolean);
  return { status: (error as { status: number }).status, text: parts.join(': ') || 'no message' };
}

const PERMISSIONS_HELP =
  'The token lacks a permission: pr mode needs `contents: write` (to commit the file and move the branch) and ' +
  '`pull-requests: write` (to open, update, label and close the pull request). Grant them in the workflow file ' +
  'under `permissions:` (on the job or at the top of the workflow); with a GitHub App token, give the app ' +
  'Contents and Pull requests "Read and write".';

const SETTING_HELP =
  'Turn on the repository setting Settings → Actions → General → Workflow permissions → ' +
  '"Allow GitHub Actions to create and approve pull requests" (in an organization, the organization\'s ' +
  'Settings → Actions → General must allow it too), or pass a GitHub App token as `github-token`.';

interface Hints {
  /** The call created or moved the branch, where a refusal means the branch is protected. */
  refWrite?: boolean;
  /** What a 404 means for this call. */
  notFound?: string;
}

function explain(what: string, error: unknown, branch: string, hints: Hints = {}): Error {
  const failure = gitHubFailure(error);
  if (!failure) {
    const message = error instanceof Error ? error.message : String(error);
    return new PullRequestError(`Could not ${what}: ${message}`);
  }
  const { status } = failure;
  const answered = `GitHub answered ${status} when asked to ${what}: ${failure.text.replace(/\.$/, '')}.`;
  if (/not permitted to create or approve pull requests/i.test(failure.text)) {
    return new PullRequestError(`${answered} ${SETTING_HELP}`);
  }
  if (/resource not accessible by (integration|personal access token)/i.test(failure.text)) {
    return new PullRequestError(`${answered} ${PERMISSIONS_HELP}`);
  }
  if (status === 401) {
    return new PullRequestError(`${answered} The token in \`github-token\` is invalid or has expired.`);
  }
  if (status === 404 && hints.notFound) return new PullRequestError(`${answered} ${hints.notFound}`);
  if (hints.refWrite && (status === 422 || status === 403)) {
    return new PullRequestError(
      `${answered} The branch "${branch}" is protected (a branch protection rule or a ruleset refuses the update). ` +
        'partition-keeper resets that branch on every run, so pick another `pr-branch` that no rule covers.',
    );
  }
  return new PullRequestError(answered);
}

// ---------------------------------------------------------------------------------------------

interface Pull {
  number: number;
  html_url: string;
  base: { ref: string };
}

/** What each step needs: the client, the repository, and calls whose failures become PullRequestErrors. */
interface Context {
  req: PullRequestRequest;
  log: (line: string) => void;
  call: <T>(what: string, run: () => Promise<{ data: T }>, hints?: Hints) => Promise<T>;
}

export async function syncPullRequest(
  req: PullRequestRequest,
  log: (line: string) => void = () => {},
): Promise<PullRequestResult> {
  const ctx: Context = {
    req,
    log,
    call: async (what, run, hints = {}) => {
      try {
        return (await run()).data;
      } catch (error) {
        throw explain(what, error, req.branch, hints);
      }
    },
  };
  if (req.path.startsWith('/') || req.path.split('/').some((part) => ['', '.', '..'].includes(part))) {
    throw new PullRequestError(
      `The reviewed file's path "${req.path}" must be relative to the repository root, without empty, "." or ".." parts (check sql-dir)`,
    );
  }
  if (req.content === undefined) return closeOpenPull(ctx);

  const { octokit, owner, repo, branch } = req;
  const base =
    req.base ||
    (
      await ctx.call(`read the repository ${owner}/${repo}`, () => octokit.rest.repos.get({ owner, repo }), {
        notFound: `Check the repository name; the token must be able to read ${owner}/${repo}.`,
      })
    ).default_branch;
  if (base === branch) {
    // the branch is force-moved on every run: never let that be the branch the pull request targets
    throw new PullRequestError(
      `pr-branch "${branch}" is the base branch of the pull request; pick a branch of its own, e.g. partition-keeper/partitions`,
    );
  }
  await commitFile(ctx, base, req.content);
  return openOrUpdatePull(ctx, base);
}

async function findOpenPull({ req, call }: Context): Promise<Pull | undefined> {
  const { octokit, owner, repo, branch } = req;
  const open = await call(`list the open pull requests for ${branch}`, () =>
    octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${branch}`, per_page: 100 }),
  );
  return [...open].sort((a, b) => a.number - b.number)[0];
}

/** Empty plan: no commit; a pull request still open is closed with a comment saying why. */
async function closeOpenPull(ctx: Context): Promise<PullRequestResult> {
  const { octokit, owner, repo, branch } = ctx.req;
  const open = await findOpenPull(ctx);
  if (!open) {
    ctx.log(`pull request: the plan is empty and no pull request is open for ${branch}; nothing to do`);
    return { operation: 'none' };
  }
  await ctx.call(`comment on pull request #${open.number}`, () =>
    octokit.rest.issues.createComment({ owner, repo, issue_number: open.number, body: CLOSING_COMMENT }),
  );
  await ctx.call(`close pull request #${open.number}`, () =>
    octokit.rest.pulls.update({ owner, repo, pull_number: open.number, state: 'closed' }),
  );
  ctx.log(`pull request: the plan is empty; closed #${open.number} with a comment saying why`);
  return { operation: 'closed', number: open.number, url: open.html_url };
}

/** blob → tree (base's tree + the file) → commit (parent: base's head) → branch created or force-moved. */
async function commitFile({ req, call, log }: Context, base: string, content: string): Promise<void> {
  const { octokit, owner, repo, branch, path } = req;
  const baseRef = await call(
    `read the base branch "${base}"`,
    () => octokit.rest.git.getRef({ owner, repo, ref: `heads/${base}` }),
    { notFound: `No branch "${base}" in ${owner}/${repo}: set \`pr-base\` to an existing branch.` },
  );
  const baseSha = baseRef.object.sha;
  const baseCommit = await call(`read the base branch's head commit`, () =>
    octokit.rest.git.getCommit({ owner, repo, commit_sha: baseSha }),
  );
  const blob = await call(`store ${path}`, () =>
    octokit.rest.git.createBlob({
      owner,
      repo,
      content: Buffer.from(content, 'utf8').toString('base64'),
      encoding: 'base64',
    }),
  );
  // The base commit's tree plus this one file: the branch shows only the file under review.
  const tree = await call(`build the tree holding ${path}`, () =>
    octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: baseCommit.tree.sha,
      tree: [{ path, mode: '100644', type: 'blob', sha: blob.sha }],
    }),
  );

  let branchHead: string | undefined;
  try {
    branchHead = (await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })).data.object.sha;
  } catch (error) {
    if (gitHubFailure(error)?.status !== 404) throw explain(`read the branch "${branch}"`, error, branch);
  }
  if (branchHead !== undefined) {
    const head = branchHead;
    const headCommit = await call(`read the head commit of "${branch}"`, () =>
      octokit.rest.git.getCommit({ owner, repo, commit_sha: head }),
    );
    if (headCommit.tree.sha === tree.sha && headCommit.parents.map((p) => p.sha).join() === baseSha) {
      log(`branch ${branch}: already holds this file on top of ${base}; no new commit`);
      return;
    }
  }

  // No author or committer: GitHub then signs the commit as made by the token's identity.
  const commit = await call('commit the reviewed file', () =>
    octokit.rest.git.createCommit({
      owner,
      repo,
      message: req.commitMessage,
      tree: tree.sha,
      parents: [baseSha],
    }),
  );
  const moveBranch = () =>
    call(
      `move the branch "${branch}"`,
      () => octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.sha, force: true }),
      { refWrite: true },
    );
  if (branchHead !== undefined) {
    await moveBranch();
    log(`branch ${branch}: reset to ${commit.sha.slice(0, 7)} (${base} + ${path})`);
    return;
  }
  try {
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.sha });
  } catch (error) {
    // created meanwhile by another run: move it instead
    if (!/reference already exists/i.test(gitHubFailure(error)?.text ?? '')) {
      throw explain(`create the branch "${branch}"`, error, branch, { refWrite: true });
    }
    await moveBranch();
  }
  log(`branch ${branch}: created at ${commit.sha.slice(0, 7)} (${base} + ${path})`);
}

/** The one pull request for the branch: updated when open, else opened; then labelled. */
async function openOrUpdatePull(ctx: Context, base: string): Promise<PullRequestResult> {
  const { req, call, log } = ctx;
  const { octokit, owner, repo, branch } = req;
  const body = cutBody(req.body);
  if (body.length < req.body.length)
    log(`pull request: body cut to GitHub's limit of ${BODY_LIMIT} characters`);

  const update = (pull: Pull): Promise<Pull> =>
    call(`update pull request #${pull.number}`, () =>
      octokit.rest.pulls.update({
        owner,
        repo,
        pull_number: pull.number,
        title: req.title,
        body,
        ...(pull.base.ref === base ? {} : { base }),
      }),
    );

  let operation: 'created' | 'updated' = 'updated';
  let pull = await findOpenPull(ctx);
  if (pull) {
    pull = await update(pull);
  } else {
    try {
      pull = (await octokit.rest.pulls.create({ owner, repo, head: branch, base, title: req.title, body }))
        .data;
      operation = 'created';
    } catch (error) {
      // opened meanwhile (or the listing lagged): update that one, never open a second
      const existing = /a pull request already exists/i.test(gitHubFailure(error)?.text ?? '')
        ? await findOpenPull(ctx)
        : undefined;
      if (!existing) throw explain(`open the pull request ${branch} → ${base}`, error, branch);
      pull = await update(existing);
    }
  }

  if (req.labels.length > 0) {
    const number = pull.number;
    await call(`label pull request #${number}`, () =>
      octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: req.labels }),
    );
  }
  log(`pull request: ${operation} #${pull.number} ${pull.html_url}`);
  return { operation, number: pull.number, url: pull.html_url };
}
