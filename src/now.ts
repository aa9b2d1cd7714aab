// `--now YYYY-MM-DD` or today: the only place the clock is read.
import type { Now } from './types';
import { UsageError } from './errors';
import { LAST_CALENDAR_DATE, isCalendarDate } from './plan/calendar';
import { PREMAKE_LIMIT } from './config/schema';

/**
 * The latest --now the planner can plan from: its calendar ends at 9999-12-31 and premake reaches
 * up to PREMAKE_LIMIT periods (of a year, at most) past the current one.
 */
export const LATEST_NOW = `${Number(LAST_CALENDAR_DATE.slice(0, 4)) - PREMAKE_LIMIT - 1}-12-31`;
export const EARLIEST_NOW = '0001-01-01';

export function parseNow(text: string | undefined, clock: () => Date = () => new Date()): Now {
  if (text === undefined || text === '') return { instant: clock() };
  if (!isCalendarDate(text)) {
    throw new UsageError(`--now: "${text}" is not a calendar date; write YYYY-MM-DD, e.g. 2024-02-15`);
  }
  if (text < EARLIEST_NOW || text > LATEST_NOW) {
    throw new UsageError(
      `--now: ${text} is outside the dates partition-keeper plans from, ${EARLIEST_NOW} to ${LATEST_NOW} ` +
        `(its calendar ends at ${LAST_CALENDAR_DATE}, and premake may reach ${PREMAKE_LIMIT} years past now)`,
    );
  }
  return { date: text };
}
