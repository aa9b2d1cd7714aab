// Calendar dates ↔ partition bound values (BoundValue, epoch ms) and bound literals as PostgreSQL
// prints them in pg_get_expr(relpartbound) with DateStyle ISO and the table's TimeZone.
import type { BoundValue, KeyType } from '../types';
import { type CalendarDate, dateToUtcMs, formatUtcDate, pad } from './calendar';
import { instantAt, wallClock } from './zone';

/**
 * The bound value of midnight at the start of `date`. Dates and timestamps have no zone: the
 * wall clock read as UTC. For timestamptz it is the instant PostgreSQL gives '<date> 00:00' in
 * `timezone`, DST included. 'infinity' and '-infinity' map to ±Infinity.
 */
export function dateToBound(date: CalendarDate, keyType: KeyType, timezone: string): BoundValue {
  if (date === 'infinity') return Infinity;
  if (date === '-infinity') return -Infinity;
  const midnight = dateToUtcMs(date);
  return keyType === 'timestamptz' ? instantAt(midnight, timezone) : midnight;
}

/** The calendar date a bound value falls on (in `timezone` for timestamptz); 'infinity' / '-infinity' for ±Infinity. */
export function boundToDay(value: BoundValue, keyType: KeyType, timezone: string): CalendarDate {
  if (value === Infinity) return 'infinity';
  if (value === -Infinity) return '-infinity';
  const { day, era } = dayWithEra(keyType === 'timestamptz' ? wallClock(value, timezone) : value);
  return day + era;
}

/** The day of an epoch-ms value as PostgreSQL writes it; years before 1 AD end in ' BC' (1 BC is year 0). */
function dayWithEra(ms: number): { day: string; era: string } {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year > 0) return { day: formatUtcDate(ms), era: '' };
  return { day: `${pad(1 - year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`, era: ' BC' };
}

/** 'HH:MM:SS' plus a fraction only when there is one (trailing zeros dropped), as PostgreSQL prints it. */
function formatTime(wall: number): string {
  const seconds = Math.floor(wall / 1000);
  const date = new Date(seconds * 1000);
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  // Microseconds: the catalog keeps them as the fraction of a millisecond.
  const micros = Math.round((wall - seconds * 1000) * 1000);
  return micros === 0 ? clock : `${clock}.${pad(micros, 6).replace(/0+$/, '')}`;
}

/** '+01', '+05:30', '-03', '-04:56:02': minutes and seconds only when not zero. */
function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  if (s !== 0) return `${sign}${pad(h)}:${pad(m)}:${pad(s)}`;
  return m !== 0 ? `${sign}${pad(h)}:${pad(m)}` : `${sign}${pad(h)}`;
}

/** Rounds to whole microseconds first, so a fraction never prints as 60 seconds. */
function toMicros(value: BoundValue): number {
  const ms = Math.floor(value);
  return ms + Math.round((value - ms) * 1000) / 1000;
}

/**
 * The bound literal PostgreSQL prints (unquoted): `2024-02-01`, `2024-02-01 00:00:00`,
 * `2024-02-01 00:00:00+01`; MINVALUE / MAXVALUE for ±Infinity.
 */
export function formatBound(value: BoundValue, keyType: KeyType, timezone: string): string {
  if (value === -Infinity) return 'MINVALUE';
  if (value === Infinity) return 'MAXVALUE';
  const instant = toMicros(value);
  const wall = keyType === 'timestamptz' ? wallClock(instant, timezone) : instant;
  const { day, era } = dayWithEra(wall);
  if (keyType === 'date') return day + era;
  const offset = keyType === 'timestamptz' ? formatOffset(wall - instant) : '';
  return `${day} ${formatTime(wall)}${offset}${era}`;
}
