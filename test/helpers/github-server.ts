// A loopback GitHub REST server for the pr-mode tests. It holds one repository's state (refs, git
// objects, pull requests, comments, labels) and checks every request it receives and every response
// it sends against GitHub's official OpenAPI description (@octokit/openapi's api.github.com.json),
// so a wrong path, method, parameter or body field sent by our code is caught, and so are answers of
// ours that GitHub would never give. Every problem lands in `violations`; tests assert it is empty.
//
// Use: `const spec = await loadGitHubSpec()` once per test file (beforeAll), then per test
// `const gh = await startGitHubServer(spec, { token })`; point the code at it with
// getOctokit(token, { baseUrl: gh.url }) or, for the action's bundle, GITHUB_API_URL=gh.url and
// GITHUB_REPOSITORY=acme/claims-db (the defaults for owner/repo); read gh.state and gh.requests;
// expect(gh.violations).toEqual([]); await gh.close().
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { OpenAPIBackend, ValidationContext, type Operation, type Request } from 'openapi-backend';

// ---------------------------------------------------------------------------------------------
// The spec: loaded once per test file (about 0.6 s: 0.3 s to parse 13 MB of JSON, 0.3 s to index
// it; validators are compiled on first use of an operation, 0.1–0.2 s each).

export interface GitHubSpec {
  api: OpenAPIBackend;
  /** The operation a method and path name, with its decoded path parameters. */
  route(method: string, path: string): { operation: Operation; params: Record<string, string> } | undefined;
  /** Errors of `body` as the answer `status` of `operation` (ajv on that one response's schema). */
  checkResponse(operation: Operation, status: number, body: unknown): string[];
  /** How long parsing and indexing took, in milliseconds. */
  loadMs: number;
}

/**
 * openapi-backend's validateResponse compiles the schemas of every status an operation declares on
 * first use; this compiles only the answer given (the 201 and 200 pull request schemas are the
 * costly ones), once per file.
 */
function responseChecker(api: OpenAPIBackend): GitHubSpec['checkResponse'] {
  const ajv = api.validator.getAjv(ValidationContext.Response);
  const compiled = new Map<string, ValidateFunction>();
  return (operation, status, body) => {
    const key = `${operation.operationId} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      const response = operation.responses?.[String(status)] as
        { content?: Record<string, { schema?: object }> } | undefined;
      const schema = response?.content?.['application/json']?.schema;
      // an answer without a JSON body (204, 304): GitHub sends none
      validate = ajv.compile(schema ?? { type: 'null' });
      compiled.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

/**
 * openapi-backend's router rebuilds the list of 1,000+ operations and a regex for each on every
 * match (0.1–0.3 s a request here), so the routes are compiled once. Like its router, the most
 * specific template (the longest literal part) wins.
 */
function routeIndex(api: OpenAPIBackend): GitHubSpec['route'] {
  const routes = api.router
    .getOperations()
    .map((operation) => {
      const names: string[] = [];
      const pattern = operation.path
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const name = /^\{([^}]+)\}$/.exec(part)?.[1];
          if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(name);
          return '([^/]+)';
        })
        .join('');
      return {
        operation,
        names,
        method: operation.method.toLowerCase(),
        regex: new RegExp(`^${pattern}/?$`),
        literal: operation.path.replace(/\{[^}]+\}/g, '').length,
      };
    })
    .sort((a, b) => b.literal - a.literal);
  return (method, path) => {
    for (const r of routes) {
      if (r.method !== method.toLowerCase()) continue;
      const m = r.regex.exec(path);
      if (!m) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
      return { operation: r.operation, params };
    }
    return undefined;
  };
}

export function specPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
}

export async function loadGitHubSpec(): Promise<GitHubSpec> {
  const started = performance.now();
  const definition = JSON.parse(readFileSync(specPath(), 'utf8'));
  const api = new OpenAPIBackend({
    definition,
    // quick: skip validating the 13 MB document itself and compile each operation's validators on
    // first use; the request and response checks are the same.
    quick: true,
    strict: false,
    customizeAjv: (ajv) => {
      addFormats(ajv);
      // GitHub's own formats: "owner/name" and a Unix timestamp.
      ajv.addFormat('repo.nwo', /^[\w.-]+\/[\w.-]+$/);
      ajv.addFormat('timestamp', { type: 'number', validate: (n: number) => Number.isInteger(n) });
      return ajv;
    },
  });
  await api.init();
  return {
    api,
    route: routeIndex(api),
    checkResponse: responseChecker(api),
    loadMs: Math.round(performance.now() - started),
  };
}

// ---------------------------------------------------------------------------------------------
// State: real git object ids (SHA-1 over git's object encoding), so equal trees have equal shas.

export interface TreeEntry {
  name: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
}
export interface CommitObject {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
  date: string;
}
export interface CommentState {
  id: number;
  body: string;
  createdAt: string;
}
export interface PullState {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  head: string;
  base: string;
  labels: string[];
  comments: CommentState[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}
export interface LabelState {
  id: number;
  name: string;
  color: string;
}
export interface RepoState {
  owner: string;
  repo: string;
  defaultBranch: string;
  /** 'heads/main' → commit sha */
  refs: Map<string, string>;
  blobs: Map<string, Buffer>;
  trees: Map<string, TreeEntry[]>;
  commits: Map<string, CommitObject>;
  pulls: PullState[];
  labels: Map<string, LabelState>;
  /** Branches whose ref GitHub refuses to create or move (branch protection or a ruleset). */
  protectedBranches: Set<string>;
  /** The next pulls/list answers an empty page once (a listing that lags behind, as in a race). */
  staleListOnce: boolean;
  nextId: number;
  nextNumber: number;
}

const gitHash = (type: string, content: Buffer): string =>
  createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]))
    .digest('hex');

function putBlob(state: RepoState, content: Buffer): string {
  const sha = gitHash('blob', content);
  state.blobs.set(sha, content);
  return sha;
}

function putTree(state: RepoState, entries: TreeEntry[]): string {
  // git orders entries by name, a tree's name compared as if it ended in '/'.
  const key = (e: TreeEntry): string => (e.type === 'tree' ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const body = Buffer.concat(
    sorted.flatMap((e) => [
      Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`),
      Buffer.from(e.sha, 'hex'),
    ]),
  );
  const sha = gitHash('tree', body);
  state.trees.set(sha, sorted);
  return sha;
}

/** A new tree: `treeSha` (or an empty tree) with the file at `path` set to `blobSha`. */
function withFile(
  state: RepoState,
  treeSha: string | undefined,
  path: string[],
  mode: string,
  blobSha: string,
): string {
  const entries = treeSha ? [...(state.trees.get(treeSha) ?? [])] : [];
  const [name, ...rest] = path;
  if (!name) throw new Error('empty path');
  const index = entries.findIndex((e) => e.name === name);
  const existing = index >= 0 ? entries[index] : undefined;
  const entry: TreeEntry =
    rest.length === 0
      ? { name, mode, type: 'blob', sha: blobSha }
      : {
          name,
          mode: '040000',
          type: 'tree',
          sha: withFile(state, existing?.type === 'tree' ? existing.sha : undefined, rest, mode, blobSha),
        };
  if (index >= 0) entries[index] = entry;
  else entries.push(entry);
  return putTree(state, entries);
}

function putCommit(state: RepoState, message: string, tree: string, parents: string[], date: string): string {
  const identity = `github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com> ${Math.floor(Date.parse(date) / 1000)} +0000`;
  const text = [
    `tree ${tree}`,
    ...parents.map((p) => `parent ${p}`),
    `author ${identity}`,
    `committer ${identity}`,
    '',
    message,
  ].join('\n');
  const sha = gitHash('commit', Buffer.from(text));
  state.commits.set(sha, { sha, message, tree, parents, date });
  return sha;
}

/** The text of `path` on `branch`, or undefined. */
export function fileOnBranch(state: RepoState, branch: string, path: string): string | undefined {
  const head = state.refs.get(`heads/${branch}`);
  let treeSha = head ? state.commits.get(head)?.tree : undefined;
  const parts = path.split('/');
  for (const [i, part] of parts.entries()) {
    const entry = treeSha ? state.trees.get(treeSha)?.find((e) => e.name === part) : undefined;
    if (!entry) return undefined;
    if (i === parts.length - 1)
      return entry.type === 'blob' ? state.blobs.get(entry.sha)?.toString('utf8') : undefined;
    treeSha = entry.sha;
  }
  return undefined;
}

/** Every file path on `branch`. */
export function filesOnBranch(state: RepoState, branch: string): string[] {
  const head = state.refs.get(`heads/${branch}`);
  const walk = (treeSha: string | undefined, prefix: string): string[] =>
    (treeSha ? (state.trees.get(treeSha) ?? []) : []).flatMap((e) =>
      e.type === 'tree' ? walk(e.sha, `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
  return walk(head ? state.commits.get(head)?.tree : undefined, '').sort();
}

// ---------------------------------------------------------------------------------------------
// Response factories: complete enough for GitHub's schemas (which require many fields).

const HTML = 'https://github.com';
const TIME = '2026-01-05T06:00:00Z';

function user(api: string, login: string, id: number): Record<string, unknown> {
  const url = `${api}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${HTML}/${encodeURIComponent(login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    site_admin: false,
  };
}
const owner = (api: string, s: RepoState) => user(api, s.owner, 1001);
const actionsBot = (api: string) => user(api, 'github-actions[bot]', 41898282);

/** Fits both `repository` and `full-repository`. */
function repository(api: string, s: RepoState): Record<string, unknown> {
  const url = `${api}/repos/${s.owner}/${s.repo}`;
  const html = `${HTML}/${s.owner}/${s.repo}`;
  const openIssues = s.pulls.filter((p) => p.state === 'open').length;
  return {
    id: 2002,
    node_id: 'R_2002',
    name: s.repo,
    full_name: `${s.owner}/${s.repo}`,
    owner: owner(api, s),
    private: true,
    html_url: html,
    description: null,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://github.com/${s.owner}/${s.repo}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@github.com:${s.owner}/${s.repo}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: 'TypeScript',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 10,
    default_branch: s.defaultBranch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: TIME,
    created_at: TIME,
    updated_at: TIME,
    network_count: 0,
    subscribers_count: 1,
  };
}

function gitRef(api: string, s: RepoState, ref: string): Record<string, unknown> {
  const sha = s.refs.get(ref) ?? '';
  return {
    ref: `refs/${ref}`,
    node_id: `REF_${Buffer.from(ref).toString('base64url')}`,
    url: `${api}/repos/${s.owner}/${s.repo}/git/refs/${ref}`,
    object: { type: 'commit', sha, url: `${api}/repos/${s.owner}/${s.repo}/git/commits/${sha}` },
  };
}

function gitCommit(api: string, s: RepoState, c: CommitObject): Record<string, unknown> {
  const repoUrl = `${api}/repos/${s.owner}/${s.repo}`;
  const person = {
    name: 'github-actions[bot]',
    email: '41898282+github-actions[bot]@users.noreply.github.com',
    date: c.date,
  };
  return {
    sha: c.sha,
    node_id: `C_${c.sha}`,
    url: `${repoUrl}/git/commits/${c.sha}`,
    html_url: `${HTML}/${s.owner}/${s.repo}/commit/${c.sha}`,
    author: person,
    committer: person,
    message: c.message,
    tree: { sha: c.tree, url: `${repoUrl}/git/trees/${c.tree}` },
    parents: c.parents.map((p) => ({
      sha: p,
      url: `${repoUrl}/git/commits/${p}`,
      html_url: `${HTML}/${s.owner}/${s.repo}/commit/${p}`,
    })),
    // GitHub signs commits made through the API without an explicit author/committer.
    verification: {
      verified: true,
      reason: 'valid',
      signature: '-----BEGIN PGP SIGNATURE-----\n…',
      payload: `tree ${c.tree}`,
      verified_at: c.date,
    },
  };
}

function gitTree(api: string, s: RepoState, sha: string): Record<string, unknown> {
  const repoUrl = `${api}/repos/${s.owner}/${s.repo}`;
  return {
    sha,
    url: `${repoUrl}/git/trees/${sha}`,
    truncated: false,
    tree: (s.trees.get(sha) ?? []).map((e) => ({
      path: e.name,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.type === 'blob' ? { size: s.blobs.get(e.sha)?.length ?? 0 } : {}),
      url: `${repoUrl}/git/${e.type}s/${e.sha}`,
    })),
  };
}

function label(api: string, s: RepoState, l: LabelState): Record<string, unknown> {
  return {
    id: l.id,
    node_id: `LA_${l.id}`,
    url: `${api}/repos/${s.owner}/${s.repo}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    // pull-request-simple's labels declare description as a string (not nullable); '' fits both
    description: '',
    color: l.color,
    default: false,
  };
}

function pullBranch(api: string, s: RepoState, branch: string): Record<string, unknown> {
  return {
    label: `${s.owner}:${branch}`,
    ref: branch,
    sha: s.refs.get(`heads/${branch}`) ?? '0000000000000000000000000000000000000000',
    user: owner(api, s),
    repo: repository(api, s),
  };
}

/** `pull-request-simple` (list) or, with `full`, `pull-request`. */
function pull(api: string, s: RepoState, p: PullState, full: boolean): Record<string, unknown> {
  const url = `${api}/repos/${s.owner}/${s.repo}/pulls/${p.number}`;
  const issueUrl = `${api}/repos/${s.owner}/${s.repo}/issues/${p.number}`;
  const html = `${HTML}/${s.owner}/${s.repo}/pull/${p.number}`;
  const link = (href: string) => ({ href });
  const simple = {
    url,
    id: p.id,
    node_id: `PR_${p.id}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/repos/${s.owner}/${s.repo}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${api}/repos/${s.owner}/${s.repo}/statuses/${s.refs.get(`heads/${p.head}`) ?? ''}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: actionsBot(api),
    body: p.body,
    labels: p.labels.map((name) => label(api, s, s.labels.get(name) as LabelState)),
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: pullBranch(api, s, p.head),
    base: pullBranch(api, s, p.base),
    _links: {
      self: link(url),
      html: link(html),
      issue: link(issueUrl),
      comments: link(`${issueUrl}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${api}/repos/${s.owner}/${s.repo}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(`${api}/repos/${s.owner}/${s.repo}/statuses/${s.refs.get(`heads/${p.head}`) ?? ''}`),
    },
    author_association: 'NONE',
    auto_merge: null,
    draft: false,
  };
  if (!full) return simple;
  return {
    ...simple,
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments: p.comments.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 1,
  };
}

function issueComment(api: string, s: RepoState, p: PullState, c: CommentState): Record<string, unknown> {
  const issueUrl = `${api}/repos/${s.owner}/${s.repo}/issues/${p.number}`;
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${api}/repos/${s.owner}/${s.repo}/issues/comments/${c.id}`,
    html_url: `${HTML}/${s.owner}/${s.repo}/pull/${p.number}#issuecomment-${c.id}`,
    body: c.body,
    user: actionsBot(api),
    created_at: c.createdAt,
    updated_at: c.createdAt,
    issue_url: issueUrl,
    author_association: 'NONE',
  };
}

/** The shape of GitHub's error answers (`basic-error`, `validation-error`). */
export function githubError(
  status: number,
  message: string,
  documentationUrl: string,
  errors?: Record<string, unknown>[],
): Record<string, unknown> {
  return {
    message,
    ...(errors ? { errors } : {}),
    documentation_url: documentationUrl,
    status: String(status),
  };
}

// ---------------------------------------------------------------------------------------------
// The server.

export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | undefined;
  query: Record<string, string>;
  body: unknown;
  status: number;
  authorization: string | undefined;
}

/** An answer forced for an operation, e.g. a 403 for missing permissions. */
export interface ForcedAnswer {
  operationId: string;
  status: number;
  body: Record<string, unknown>;
}

export interface GitHubServerOptions {
  token: string;
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  /** Files on the default branch's first commit. */
  files?: Record<string, string>;
}

export interface GitHubServer {
  url: string;
  state: RepoState;
  requests: RecordedRequest[];
  /** Every request or response that broke the OpenAPI description, and every unknown route. */
  violations: string[];
  /** Answer every call of `operationId` with this status and body (GitHub's error shapes). */
  force(answer: ForcedAnswer): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const DOCS = 'https://docs.github.com/rest';

/** Request body properties the operation's schema does not declare (GitHub ignores them silently). */
function undeclaredProperties(schema: unknown, value: unknown, at: string): string[] {
  if (!schema || typeof schema !== 'object' || value === null || typeof value !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const branches = (['oneOf', 'anyOf', 'allOf'] as const).flatMap((k) =>
    Array.isArray(s[k]) ? (s[k] as unknown[]) : [],
  );
  if (Array.isArray(value)) {
    const items = s.items ?? branches.map((b) => (b as Record<string, unknown>).items).find(Boolean);
    return value.flatMap((v, i) => undeclaredProperties(items, v, `${at}[${i}]`));
  }
  const declared = new Map<string, unknown>();
  for (const candidate of [s, ...branches]) {
    const props = (candidate as Record<string, unknown>).properties as Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(props ?? {})) declared.set(k, v);
  }
  if (declared.size === 0) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    declared.has(k) ? undeclaredProperties(declared.get(k), v, `${at}.${k}`) : [`${at}.${k}`],
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startGitHubServer(
  spec: GitHubSpec,
  options: GitHubServerOptions,
): Promise<GitHubServer> {
  const { api } = spec;
  const state: RepoState = {
    owner: options.owner ?? 'acme',
    repo: options.repo ?? 'claims-db',
    defaultBranch: options.defaultBranch ?? 'main',
    refs: new Map(),
    blobs: new Map(),
    trees: new Map(),
    commits: new Map(),
    pulls: [],
    labels: new Map(),
    protectedBranches: new Set(),
    staleListOnce: false,
    nextId: 5000,
    nextNumber: 1,
  };
  let root: string | undefined;
  for (const [path, text] of Object.entries(options.files ?? { 'README.md': '# claims-db\n' })) {
    root = withFile(state, root, path.split('/'), '100644', putBlob(state, Buffer.from(text)));
  }
  state.refs.set(
    `heads/${state.defaultBranch}`,
    putCommit(state, 'Initial commit', root as string, [], TIME),
  );

  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const forced: ForcedAnswer[] = [];
  let baseUrl = '';
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const notFound = (docs: string) => new HttpAnswer(404, githubError(404, 'Not Found', `${DOCS}/${docs}`));
  const validationFailed = (docs: string, message: string, errors?: Record<string, unknown>[]) =>
    new HttpAnswer(422, githubError(422, message, `${DOCS}/${docs}`, errors));

  const findPull = (n: number): PullState => {
    const p = state.pulls.find((x) => x.number === n);
    if (!p) throw notFound('pulls/pulls#get-a-pull-request');
    return p;
  };
  const branchOf = (head: string): string => {
    // head is "branch" or "owner:branch"
    const i = head.indexOf(':');
    return i >= 0 ? head.slice(i + 1) : head;
  };

  // The body was checked against the operation's schema before it gets here.
  function handle(
    operationId: string,
    params: Record<string, string>,
    query: Record<string, string>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any,
  ): Answer {
    const a = baseUrl;
    if (params.owner !== state.owner || params.repo !== state.repo)
      throw notFound('repos/repos#get-a-repository');
    switch (operationId) {
      case 'repos/get':
        return { status: 200, body: repository(a, state) };
      case 'git/get-ref': {
        const ref = params.ref as string;
        if (!state.refs.has(ref)) throw notFound('git/refs#get-a-reference');
        return { status: 200, body: gitRef(a, state, ref) };
      }
      case 'git/get-commit': {
        const c = state.commits.get(params.commit_sha as string);
        if (!c) throw notFound('git/commits#get-a-commit-object');
        return { status: 200, body: gitCommit(a, state, c) };
      }
      case 'git/get-tree': {
        if (!state.trees.has(params.tree_sha as string)) throw notFound('git/trees#get-a-tree');
        return { status: 200, body: gitTree(a, state, params.tree_sha as string) };
      }
      case 'git/create-blob': {
        const content = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8');
        const sha = putBlob(state, content);
        return {
          status: 201,
          body: { url: `${a}/repos/${state.owner}/${state.repo}/git/blobs/${sha}`, sha },
        };
      }
      case 'git/create-tree': {
        let tree: string | undefined = body.base_tree;
        if (tree && !state.trees.has(tree))
          throw validationFailed('git/trees#create-a-tree', 'Invalid tree info');
        if (!tree) tree = putTree(state, []);
        for (const e of body.tree as {
          path: string;
          mode: string;
          type: string;
          sha?: string | null;
          content?: string;
        }[]) {
          if (e.type !== 'blob')
            throw validationFailed('git/trees#create-a-tree', 'Only blobs are supported here');
          if ((e.sha == null) === (e.content == null))
            throw validationFailed('git/trees#create-a-tree', 'Either sha or content');
          const blob = e.content != null ? putBlob(state, Buffer.from(e.content)) : (e.sha as string);
          if (!state.blobs.has(blob))
            throw validationFailed('git/trees#create-a-tree', 'Invalid tree info: blob not found');
          tree = withFile(state, tree, e.path.split('/'), e.mode, blob);
        }
        return { status: 201, body: gitTree(a, state, tree) };
      }
      case 'git/create-commit': {
        if (!state.trees.has(body.tree))
          throw validationFailed('git/commits#create-a-commit', 'Tree SHA does not exist');
        for (const p of body.parents ?? []) {
          if (!state.commits.has(p))
            throw validationFailed(
              'git/commits#create-a-commit',
              'Parent SHA does not exist or is not a commit object',
            );
        }
        const sha = putCommit(state, body.message, body.tree, body.parents ?? [], now());
        return { status: 201, body: gitCommit(a, state, state.commits.get(sha) as CommitObject) };
      }
      case 'git/create-ref': {
        const ref = String(body.ref);
        if (!ref.startsWith('refs/') || ref.split('/').length < 3) {
          throw validationFailed(
            'git/refs#create-a-reference',
            'Reference name must start with refs/ and have at least two slashes.',
          );
        }
        const short = ref.slice('refs/'.length);
        if (state.refs.has(short))
          throw validationFailed('git/refs#create-a-reference', 'Reference already exists');
        if (!state.commits.has(body.sha))
          throw validationFailed('git/refs#create-a-reference', 'Object does not exist');
        if (state.protectedBranches.has(short.replace(/^heads\//, ''))) {
          throw validationFailed('git/refs#create-a-reference', 'Reference update failed');
        }
        state.refs.set(short, body.sha);
        return { status: 201, body: gitRef(a, state, short) };
      }
      case 'git/update-ref': {
        const ref = params.ref as string;
        if (!state.refs.has(ref))
          throw validationFailed('git/refs#update-a-reference', 'Reference does not exist');
        if (!state.commits.has(body.sha))
          throw validationFailed('git/refs#update-a-reference', 'Object does not exist');
        if (state.protectedBranches.has(ref.replace(/^heads\//, ''))) {
          throw validationFailed(
            'git/refs#update-a-reference',
            `Protected branch update failed for refs/${ref}.`,
          );
        }
        if (!body.force) {
          // fast-forward only: the old head must be an ancestor of the new one
          const old = state.refs.get(ref) as string;
          const ancestors = new Set<string>();
          const stack = [body.sha as string];
          while (stack.length) {
            const c = state.commits.get(stack.pop() as string);
            if (!c || ancestors.has(c.sha)) continue;
            ancestors.add(c.sha);
            stack.push(...c.parents);
          }
          if (!ancestors.has(old))
            throw validationFailed('git/refs#update-a-reference', 'Update is not a fast forward');
        }
        state.refs.set(ref, body.sha);
        return { status: 200, body: gitRef(a, state, ref) };
      }
      case 'pulls/list': {
        if (state.staleListOnce) {
          state.staleListOnce = false;
          return { status: 200, body: [] };
        }
        const wanted = query.state ?? 'open';
        const found = state.pulls.filter(
          (p) =>
            (wanted === 'all' || p.state === wanted) &&
            (!query.head || query.head === `${state.owner}:${p.head}`) &&
            (!query.base || query.base === p.base),
        );
        return { status: 200, body: found.map((p) => pull(a, state, p, false)) };
      }
      case 'pulls/create': {
        const docs = 'pulls/pulls#create-a-pull-request';
        const head = branchOf(body.head);
        if (!state.refs.has(`heads/${head}`)) {
          throw validationFailed(docs, 'Validation Failed', [
            { resource: 'PullRequest', field: 'head', code: 'invalid' },
          ]);
        }
        if (!state.refs.has(`heads/${body.base}`)) {
          throw validationFailed(docs, 'Validation Failed', [
            { resource: 'PullRequest', field: 'base', code: 'invalid' },
          ]);
        }
        if (state.pulls.some((p) => p.state === 'open' && p.head === head && p.base === body.base)) {
          throw validationFailed(docs, 'Validation Failed', [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${state.owner}:${head}.`,
            },
          ]);
        }
        const p: PullState = {
          number: state.nextNumber++,
          id: state.nextId++,
          title: body.title,
          body: body.body ?? null,
          state: 'open',
          head,
          base: body.base,
          labels: [],
          comments: [],
          createdAt: now(),
          updatedAt: now(),
          closedAt: null,
        };
        state.pulls.push(p);
        return { status: 201, body: pull(a, state, p, true) };
      }
      case 'pulls/get':
        return { status: 200, body: pull(a, state, findPull(Number(params.pull_number)), true) };
      case 'pulls/update': {
        const p = findPull(Number(params.pull_number));
        if (body.title !== undefined) p.title = body.title;
        if (body.body !== undefined) p.body = body.body;
        if (body.base !== undefined) p.base = body.base;
        if (body.state !== undefined && body.state !== p.state) {
          p.state = body.state;
          p.closedAt = body.state === 'closed' ? now() : null;
        }
        p.updatedAt = now();
        return { status: 200, body: pull(a, state, p, true) };
      }
      case 'issues/create-comment': {
        const p = findPull(Number(params.issue_number));
        const c: CommentState = { id: state.nextId++, body: body.body, createdAt: now() };
        p.comments.push(c);
        return { status: 201, body: issueComment(a, state, p, c) };
      }
      case 'issues/add-labels': {
        const p = findPull(Number(params.issue_number));
        const names: string[] = (Array.isArray(body) ? body : body.labels).map(
          (l: string | { name: string }) => (typeof l === 'string' ? l : l.name),
        );
        for (const name of names) {
          // GitHub creates a label that does not exist yet.
          if (!state.labels.has(name)) state.labels.set(name, { id: state.nextId++, name, color: 'ededed' });
          if (!p.labels.includes(name)) p.labels.push(name);
        }
        return { status: 200, body: p.labels.map((n) => label(a, state, state.labels.get(n) as LabelState)) };
      }
      default:
        throw new HttpAnswer(
          501,
          githubError(501, `the test server does not implement ${operationId}`, DOCS),
        );
    }
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toLowerCase();
      const query = Object.fromEntries(url.searchParams);
      let body: unknown;
      const where = `${method.toUpperCase()} ${url.pathname}`;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          violations.push(`${where}: the body is not JSON`);
        }
        if (!String(req.headers['content-type']).startsWith('application/json')) {
          violations.push(
            `${where}: content-type ${String(req.headers['content-type'])}, expected application/json`,
          );
        }
      }
      const request: Request = {
        method,
        path: url.pathname,
        query,
        headers: req.headers as Record<string, string>,
        body,
      };
      const route = spec.route(method, url.pathname);
      const operation = route?.operation;
      let answer: Answer;
      const authorization = req.headers.authorization;
      if (!route || !operation?.operationId) {
        violations.push(`${where}: no such operation in GitHub's REST API`);
        answer = { status: 404, body: githubError(404, 'Not Found', DOCS) };
      } else {
        const operationId = operation.operationId;
        const check = api.validator.validateRequest(request, operation);
        for (const e of check.errors ?? [])
          violations.push(`${where} (${operationId}) request: ${e.instancePath} ${e.message}`);
        const requestBody = operation.requestBody as
          { content?: Record<string, { schema?: unknown }> } | undefined;
        const schema = requestBody?.content?.['application/json']?.schema;
        for (const p of undeclaredProperties(schema, body, 'body')) {
          violations.push(`${where} (${operationId}) request: ${p} is not a field of this operation`);
        }
        const queryNames = new Set(
          ((operation.parameters ?? []) as { in?: string; name?: string }[])
            .filter((p) => p.in === 'query')
            .map((p) => p.name),
        );
        for (const name of Object.keys(query).filter((n) => !queryNames.has(n))) {
          violations.push(
            `${where} (${operationId}) request: query parameter ${name} is not a parameter of this operation`,
          );
        }
        const { params } = route;
        const wantedAuth = [`token ${options.token}`, `bearer ${options.token}`];
        const force = forced.find((f) => f.operationId === operationId);
        try {
          if (
            !authorization ||
            !wantedAuth.includes(authorization.replace(/^(\w+)/, (m) => m.toLowerCase()))
          ) {
            throw new HttpAnswer(401, githubError(401, 'Bad credentials', DOCS));
          }
          answer = force
            ? { status: force.status, body: force.body }
            : handle(operationId, params, query, body);
        } catch (e) {
          if (!(e instanceof HttpAnswer)) throw e;
          answer = { status: e.status, body: e.body };
        }
        if (!(String(answer.status) in (operation.responses ?? {}))) {
          violations.push(
            `${where} (${operationId}): GitHub's description declares no ${answer.status} answer`,
          );
        } else {
          for (const e of spec.checkResponse(operation, answer.status, answer.body)) {
            violations.push(`${where} (${operationId}) response ${answer.status}: ${e}`);
          }
        }
      }
      requests.push({
        method: method.toUpperCase(),
        path: decodeURIComponent(url.pathname),
        operationId: operation?.operationId,
        query,
        body,
        status: answer.status,
        authorization,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer.body));
    })().catch((e: unknown) => {
      violations.push(`server error: ${e instanceof Error ? e.stack : String(e)}`);
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'test server error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    state,
    requests,
    violations,
    force: (answer) => forced.unshift(answer),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
