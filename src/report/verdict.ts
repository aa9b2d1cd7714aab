// What `check` judges: a table falls short on any error finding (shortfall, gap, rows in DEFAULT, …).
import type { Finding, Plan, TablePlan } from '../types';

/** Findings that mean the config names a table we cannot manage: bad config (exit 2), not a shortfall. */
const CONFIG_PROBLEMS = new Set<Finding['code']>(['missing-table', 'unsupported']);

export function isConfigProblem(table: TablePlan): boolean {
  return table.skipped && table.findings.some((f) => f.level === 'error' && CONFIG_PROBLEMS.has(f.code));
}

export function shortfalls(table: TablePlan): Finding[] {
  if (isConfigProblem(table)) return [];
  return table.findings.filter((f) => f.level === 'error');
}

export interface Verdict {
  configProblems: TablePlan[];
  fallingShort: TablePlan[];
}

export function judge(plan: Plan): Verdict {
  return {
    configProblems: plan.tables.filter(isConfigProblem),
    fallingShort: plan.tables.filter((t) => shortfalls(t).length > 0),
  };
}
