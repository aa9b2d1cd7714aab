// `check`: exit 1 when any table falls short (coverage ahead, a gap, rows in DEFAULT), saying why.
import { EXIT } from '../errors';
import { inspect } from '../core';
import type { Settings } from '../settings';
import { buildSteps } from '../steps/build';
import { planJsonText, planToJson } from '../report/json';
import { renderCheckText } from '../report/text';
import { judge } from '../report/verdict';
import type { Plan } from '../types';
import type { CommandResult } from './result';

export async function checkCommand(settings: Settings): Promise<CommandResult & { plan: Plan }> {
  const { plan } = await inspect(settings);
  const verdict = judge(plan);
  const exitCode =
    verdict.configProblems.length > 0 ? EXIT.usage : verdict.fallingShort.length > 0 ? EXIT.failed : EXIT.ok;
  const json = settings.format === 'json' ? planToJson(plan, buildSteps(plan), settings.strategy) : undefined;
  const output = json ? planJsonText(json) : renderCheckText(plan);
  return { output, exitCode, data: json ?? { report: output }, plan };
}
