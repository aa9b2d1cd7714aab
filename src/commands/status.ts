// `status`: each table's partitions with bounds, sizes, estimated rows and DEFAULT-partition rows.
import { EXIT } from '../errors';
import { readStatus } from '../core';
import type { Settings } from '../settings';
import { renderStatusText, tableStatuses } from '../report/status';
import type { CommandResult } from './result';

export async function statusCommand(settings: Settings): Promise<CommandResult> {
  const { config, snapshot } = await readStatus(settings);
  const statuses = tableStatuses(config.tables, snapshot);
  const output =
    settings.format === 'json' ? `${JSON.stringify(statuses, null, 2)}\n` : renderStatusText(statuses);
  return {
    output,
    exitCode: statuses.some((s) => s.problem) ? EXIT.usage : EXIT.ok,
    data: settings.format === 'json' ? statuses : { report: output },
  };
}
