// Wall clocks in IANA time zones, read through Intl (the runtime's time zone database).
// Offsets keep their seconds: PostgreSQL prints local mean time offsets such as -04:56:02.

import { memoize } from './memo';

const MS_PER_HOUR = 3_600_000;

/** One formatter per zone: making one costs far more than using it. */
const formatterFor = memoize(
  (timezone: string): Intl.DateTimeFormat =>
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }),
  (timezone) => timezone,
);

/** The wall-clock time at `instant` in `timezone`, as epoch ms read as if it were UTC. */
export function wallClock(instant: number, timezone: string): number {
  // UTC's wall clock is the instant: no need to wake Intl (its first use costs ~40 ms of a check).
  if (timezone === 'UTC') return instant;
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  const fields: Record<string, string> = {};
  for (const part of formatterFor(timezone).formatToParts(new Date(wholeSecond)))
    fields[part.type] = part.value;
  const yearOfEra = Number(fields.year);
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - yearOfEra : yearOfEra;
  const date = new Date(0);
  date.setUTCFullYear(year, Number(fields.month) - 1, Number(fields.day));
  date.setUTCHours(Number(fields.hour), Number(fields.minute), Number(fields.second), 0);
  return date.getTime() + (instant - wholeSecond);
}

/** The zone's offset from UTC at `instant`, in ms (east positive: +01 is 3 600 000). */
export function utcOffset(instant: number, timezone: string): number {
  return wallClock(instant, timezone) - instant;
}

/**
 * The instant PostgreSQL means by a wall-clock time in `timezone`. In a spring-forward gap it reads
 * the time with the offset from before the jump (America/Sao_Paulo 2018-11-04 00:00 → 01:00-02, the
 * first instant of that day); in a fall-back overlap it takes the later one, with the offset after.
 */
export function instantAt(wall: number, timezone: string): number {
  const before = utcOffset(wall - 24 * MS_PER_HOUR, timezone);
  const after = utcOffset(wall + 24 * MS_PER_HOUR, timezone);
  if (before === after) return wall - before;
  // Read with the offset after the transition when that is a real reading (fall-back overlap, or
  // simply after the change); otherwise with the offset before (before the change, or in the gap).
  const readsAfter = utcOffset(wall - after, timezone) === after;
  return readsAfter ? wall - after : wall - before;
}
