// The action's bundle runs on whatever `node` the runner has. GitHub-hosted runners have Node 20 or
// later on PATH; a self-hosted runner may have an older one, and then the bundle must say so plainly
// instead of failing somewhere inside a dependency. Imported first by the action's entry.
export const MINIMUM_NODE_MAJOR = 20;

/** Why this Node cannot run the action, or undefined when it can. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= MINIMUM_NODE_MAJOR) return undefined;
  return (
    `partition-keeper needs Node.js ${MINIMUM_NODE_MAJOR} or later; the node on PATH is ${version}. ` +
    `Set the action's node-version input (e.g. node-version: 22) to install one with actions/setup-node, ` +
    `or, on a self-hosted runner, install Node.js ${MINIMUM_NODE_MAJOR} or later on its PATH.`
  );
}

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  // Written as the runner's own error command: @actions/core may not load on this Node.
  process.stdout.write(`::error title=partition-keeper: Node.js too old::${problem}\n`);
  process.exit(1);
}
