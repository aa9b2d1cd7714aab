// `check`: exit 1 when any table falls short (coverage ahead, a gap, rows in DEFAULT), saying why.
import { EXIT } from '../errors';
import { inspect } from '../core';
import type { Settings } from '../settings';
import { buildSteps } from '../steps/build';
import { planToJson } from '../report/json';
import { renderCheckText } from '../report/text';
import { judge } from '../report/verdict';
import type { Plan } from '../types';
import type { CommandResult } from './result';

export async function checkCommand(settings: Settings): Promise<CommandResult & { plan: Plan }> {
  const { plan } = await inspect(settings);
  const verdict = judge(plan);
  const exitCode =
    verdict.configProblems.length > 0 ? EXIT.usage : verdict.fallingShort.length > 0 ? EXIT.failed : EXIT.ok;
  const json = () => planToJson(plan, buildSteps(plan), settings.strategy);
  const output = settings.format === 'json' ? `${JSON.stringify(json(), null, 2)}\n` : renderCheckText(plan);
  return { output, exitCode, data: settings.format === 'json' ? json() : { report: output }, plan };
}
