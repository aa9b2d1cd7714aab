// `--now YYYY-MM-DD` or today: the only place the clock is read.
import { isValid, parseISO } from 'date-fns';
import type { Now } from './types';
import { UsageError } from './errors';

export function parseNow(text: string | undefined, clock: () => Date = () => new Date()): Now {
  if (text === undefined || text === '') return { instant: clock() };
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    !isValid(parseISO(text)) ||
    parseISO(text).getDate() !== Number(text.slice(8))
  ) {
    throw new UsageError(`--now: "${text}" is not a calendar date; write YYYY-MM-DD, e.g. 2024-02-15`);
  }
  return { date: text };
}
