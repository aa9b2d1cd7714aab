// pr mode's GitHub side: one reviewed file committed to one fixed branch, one pull request kept in step with it.
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

/** The body cut to GitHub's limit, with a note saying it was cut. */
export function cutBody(body: string, limit: number = BODY_LIMIT): string {
  void limit;
  return body; // implemented in the next commit
}

export async function syncPullRequest(
  req: PullRequestRequest,
  log: (line: string) => void = () => {},
): Promise<PullRequestResult> {
  void req;
  void log;
  throw new PullRequestError('syncPullRequest: not implemented yet');
}
