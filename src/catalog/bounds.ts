// Partition bounds as pg_get_expr(relpartbound) prints them (DateStyle ISO), turned into numbers.
import type { BoundValue, KeyType } from '../types';

export type ParsedBound =
  { kind: 'default' } | { kind: 'range'; from: BoundValue; to: BoundValue; fromText: string; toText: string };

const MS_PER_DAY = 86_400_000;

// One column per side: MINVALUE, MAXVALUE or a quoted literal (dates and timestamps never hold a quote).
const SIDE = String.raw`(MINVALUE|MAXVALUE|'[^']*')`;
const RANGE_BOUND = new RegExp(String.raw`^FOR VALUES FROM \(${SIDE}\) TO \(${SIDE}\)$`);

const DATE = String.raw`(\d{4,})-(\d{2})-(\d{2})`;
const TIME = String.raw`(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?`;
const OFFSET = String.raw`([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?`;
const LITERAL: Record<KeyType, RegExp> = {
  date: new RegExp(`^${DATE}( BC)?$`),
  timestamp: new RegExp(`^${DATE} ${TIME}( BC)?$`),
  // The offset is the session's: +00 under UTC, but also +05:30, -03 or LMT offsets like +00:53:28.
  timestamptz: new RegExp(`^${DATE} ${TIME}${OFFSET}( BC)?$`),
};

/**
 * Parses a partition bound expression for a single-column range key.
 * Values are epoch milliseconds (see BoundValue); microseconds are kept as the fraction of a millisecond.
 * BC dates map to finite values on the proleptic Gregorian calendar PostgreSQL uses (1 BC is year 0).
 * Throws an Error naming the expression when it is not a one-column range bound of this key type.
 */
export function parsePartitionBound(expr: string, keyType: KeyType): ParsedBound {
  // Parents partitioned alike print the same bounds: parse each expression once (by key type, so
  // that no key string is built per partition; at most 100,000 kept per key type).
  const known = parsed[keyType].get(expr);
  if (known) return known;
  const bound = parseBound(expr, keyType);
  if (parsed[keyType].size > 100_000) parsed[keyType].clear();
  parsed[keyType].set(expr, bound);
  return bound;
}

const parsed: Record<KeyType, Map<string, ParsedBound>> = {
  date: new Map(),
  timestamp: new Map(),
  timestamptz: new Map(),
};

function parseBound(expr: string, keyType: KeyType): ParsedBound {
  const text = expr.trim();
  if (text === 'DEFAULT') return { kind: 'default' };
  const match = RANGE_BOUND.exec(text);
  if (!match) {
    throw new Error(
      `cannot read partition bound ${JSON.stringify(expr)}: expected FOR VALUES FROM (...) TO (...) with one value each`,
    );
  }
  const [fromSide, toSide] = [match[1] ?? '', match[2] ?? ''];
  const from = parseSide(fromSide, keyType, expr);
  const to = parseSide(toSide, keyType, expr);
  return { kind: 'range', from: from.value, to: to.value, fromText: from.text, toText: to.text };
}

function parseSide(side: string, keyType: KeyType, expr: string): { value: BoundValue; text: string } {
  if (side === 'MINVALUE') return { value: -Infinity, text: side };
  if (side === 'MAXVALUE') return { value: Infinity, text: side };
  const text = side.slice(1, -1);
  return { value: parseBoundLiteral(text, keyType, expr), text };
}

/** One unquoted literal of the key's type, e.g. `2024-01-01`, `2023-12-31 23:00:00+00`, `infinity`. */
export function parseBoundLiteral(text: string, keyType: KeyType, expr = text): BoundValue {
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  const m = LITERAL[keyType].exec(text);
  if (!m) {
    throw new Error(
      `cannot read ${keyType} value ${JSON.stringify(text)} in partition bound ${JSON.stringify(expr)}`,
    );
  }
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const bc = m[m.length - 1] !== undefined;
  const year = bc ? 1 - y : y;
  checkRange(mo, 1, 12, text, expr);
  checkRange(d, 1, daysInMonth(year, mo), text, expr);
  let ms = daysFromCivil(year, mo, d) * MS_PER_DAY;
  if (keyType === 'date') return ms;

  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  checkRange(h, 0, 24, text, expr); // 24:00:00 is a valid PostgreSQL time
  checkRange(mi, 0, 59, text, expr);
  checkRange(s, 0, 60, text, expr);
  const micros = Number((m[7] ?? '').padEnd(6, '0'));
  ms += ((h * 60 + mi) * 60 + s) * 1000 + micros / 1000;
  if (keyType === 'timestamp') return ms;

  const sign = m[8] === '-' ? -1 : 1;
  const offsetSeconds = (Number(m[9]) * 60 + Number(m[10] ?? 0)) * 60 + Number(m[11] ?? 0);
  return ms - sign * offsetSeconds * 1000;
}

function checkRange(n: number, min: number, max: number, text: string, expr: string): void {
  if (n < min || n > max) {
    throw new Error(
      `value ${JSON.stringify(text)} in partition bound ${JSON.stringify(expr)} is out of range`,
    );
  }
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (astronomical year: 1 BC = 0).
 * Plain arithmetic (H. Hinnant's days_from_civil) rather than Date, which maps years 0–99 to 1900s
 * and gives up beyond ±275760 years while PostgreSQL dates reach 5874897.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}
