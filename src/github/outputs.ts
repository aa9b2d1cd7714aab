// The action's outputs (declared in action.yml), written with @actions/core to GITHUB_OUTPUT, and
// the files two of them name.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { judge } from '../report/verdict';
import type { Plan } from '../types';

export type PullRequestOperation = 'created' | 'updated' | 'closed' | 'none';

export interface ActionOutputs {
  'plan-json'?: string;
  'sql-file'?: string;
  creates?: number;
  archives?: number;
  shortfall?: boolean;
  'pr-number'?: number;
  'pr-url'?: string;
  'pr-operation'?: PullRequestOperation;
}

/** Every output action.yml declares, in its order. */
export const OUTPUT_NAMES = [
  'plan-json',
  'sql-file',
  'creates',
  'archives',
  'shortfall',
  'pr-number',
  'pr-url',
  'pr-operation',
] as const satisfies readonly (keyof ActionOutputs)[];

export function setOutputs(outputs: ActionOutputs): void {
  for (const name of OUTPUT_NAMES) {
    const value = outputs[name];
    if (value !== undefined) core.setOutput(name, String(value));
  }
}

/** What a plan says: partitions to create, partitions due for archival, whether any table falls short. */
export function planOutputs(plan: Plan): Pick<ActionOutputs, 'creates' | 'archives' | 'shortfall'> {
  const verdict = judge(plan);
  return {
    creates: plan.tables.reduce((n, t) => n + t.create.length, 0),
    archives: plan.tables.reduce((n, t) => n + t.archive.length, 0),
    shortfall: verdict.fallingShort.length > 0 || verdict.configProblems.length > 0,
  };
}

/** Writes the JSON plan and the reviewed SQL into a fresh directory under RUNNER_TEMP (or the OS temp dir). */
export function writePlanFiles(
  env: NodeJS.ProcessEnv,
  json: unknown,
  sql: string,
): Pick<ActionOutputs, 'plan-json' | 'sql-file'> {
  const dir = mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), 'partition-keeper-'));
  const planJson = join(dir, 'plan.json');
  const sqlFile = join(dir, 'partitions.sql');
  writeFileSync(planJson, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(sqlFile, sql);
  return { 'plan-json': planJson, 'sql-file': sqlFile };
}
