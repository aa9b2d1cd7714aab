// What pr mode commits and how the pull request is named: the reviewed file with a header saying
// what it does, why, and for which database (by its label, host:port/database: never the URL, which
// may carry a password), at <sql-dir>/<date>-partitions.sql.
import { escapeForComment } from '../sql/header';
import { describeCoverage } from '../report/text';
import { plural } from '../words';
import type { Plan } from '../types';

export interface PullRequestFileOptions {
  /** The database as host:port/database (describeTarget). */
  label: string;
  configFile: string;
}

export const pullRequestFilePath = (sqlDir: string, now: string): string => `${sqlDir}/${now}-partitions.sql`;

function counts(plan: Plan) {
  const creates = plan.tables.reduce((n, t) => n + t.create.length, 0);
  const archives = plan.tables.reduce((n, t) => n + t.archive.length, 0);
  const tables = plan.tables.filter((t) => t.create.length + t.archive.length > 0).length;
  return { creates, archives, tables };
}

/** Comment lines put before the reviewed file (comments before the first step are allowed there). */
export function pullRequestFileHeader(plan: Plan, options: PullRequestFileOptions): string[] {
  const c = counts(plan);
  const lines = [
    `Database: ${options.label} (config ${options.configFile}), planned for ${plan.now} by the partition-keeper action (mode: pr).`,
    `What: ${plural(c.creates, 'partition')} to create and ${c.archives} due for archival, on ${plural(c.tables, 'table')}.`,
    'Why:',
    ...plan.tables
      .filter((t) => t.create.length + t.archive.length > 0)
      .map((t) => {
        const reasons = [...new Set(t.create.map((p) => p.reason))].join(', ');
        const archive = t.archive.length > 0 ? `; ${t.archive.length} past retention` : '';
        return `  ${t.table}: ${describeCoverage(t.coverage)}; after this file ${describeCoverage(t.coverageAfterPlan)} (${reasons || 'no creates'})${archive}.`;
      }),
    'Merging this pull request lets the apply workflow run this file as reviewed (mode: apply, sql-file).',
  ];
  return lines.map((line) => `-- ${escapeForComment(line)}`);
}

export function pullRequestTitle(plan: Plan, label: string): string {
  const c = counts(plan);
  const archival = c.archives > 0 ? `, ${c.archives} due for archival` : '';
  return `partition-keeper: ${plural(c.creates, 'partition')} to create${archival} on ${label} (${plan.now})`;
}
