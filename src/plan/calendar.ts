// Calendar dates ('YYYY-MM-DD') and the periods they fall in. Plain UTC arithmetic on Date, so the
// results never depend on the TZ of the machine running the planner.
import type { Interval, Now } from '../types';
import { memoize } from './memo';
import { wallClock } from './zone';

/** A calendar date written 'YYYY-MM-DD'. */
export type CalendarDate = string;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/**
 * The last day the planner's calendar holds: dates are compared as text, which orders them only
 * while every year has four digits (and {YYYY} names them with four).
 */
export const LAST_CALENDAR_DATE = '9999-12-31';
const FIRST_YEAR = 1;

/** `n` written with at least `width` digits: 7 → '07'. */
export const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Epoch ms of midnight UTC on year-month-day (months may overflow; years 0–99 stay as written). */
export function utcMidnight(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(0, 0, 0, 0);
  return date.getTime();
}

function parts(date: CalendarDate): [number, number, number] {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return m >= 1 && m <= 12 && d >= 1 && formatUtcDate(utcMidnight(y, m, d)) === text;
}

/** Epoch ms of the date's midnight read as UTC. */
export const dateToUtcMs = memoize(
  (date: CalendarDate): number => {
    const [y, m, d] = parts(date);
    return utcMidnight(y, m, d);
  },
  (date) => date,
);

/** The calendar date (in UTC) of an epoch-ms value. */
export const formatUtcDate = memoize(
  (ms: number): CalendarDate => {
    const date = new Date(ms);
    return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  },
  (ms) => ms,
);

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return formatUtcDate(dateToUtcMs(date) + days * MS_PER_DAY);
}

/** Adds months; a day past the end of the target month becomes its last day (Jan 31 + 1 → Feb 29). */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const [y, m, d] = parts(date);
  // Day 0 of the following month is the target month's last day; Date carries month overflow into years.
  const lastDay = new Date(utcMidnight(y, m + months + 1, 0)).getUTCDate();
  return formatUtcDate(utcMidnight(y, m + months, Math.min(d, lastDay)));
}

function daysSinceMonday(date: CalendarDate): number {
  return (new Date(dateToUtcMs(date)).getUTCDay() + 6) % 7;
}

/** Months in a period of each interval that is counted in months. */
export const MONTHS_PER_PERIOD: Partial<Record<Interval, number>> = { month: 1, quarter: 3, year: 12 };
const DAYS_PER_PERIOD: Partial<Record<Interval, number>> = { day: 1, week: 7 };

/** The first day of the period containing `date`; weeks are ISO weeks, so they start on Monday. */
export const periodStart = memoize(computePeriodStart, (date, interval) => `${date}${interval}`);

function computePeriodStart(date: CalendarDate, interval: Interval): CalendarDate {
  const [y, m] = parts(date);
  switch (interval) {
    case 'day':
      return date;
    case 'week':
      return addDays(date, -daysSinceMonday(date));
    case 'month':
      return formatUtcDate(utcMidnight(y, m, 1));
    case 'quarter':
      return formatUtcDate(utcMidnight(y, m - ((m - 1) % 3), 1));
    case 'year':
      return formatUtcDate(utcMidnight(y, 1, 1));
  }
}

/** Moves a period start `n` periods forward (or back, when n < 0). */
export const addPeriods = memoize(
  (start: CalendarDate, interval: Interval, n: number): CalendarDate => {
    const days = DAYS_PER_PERIOD[interval];
    return days !== undefined
      ? addDays(start, days * n)
      : addMonths(start, (MONTHS_PER_PERIOD[interval] ?? 0) * n);
  },
  (start, interval, n) => `${start}${interval}${n}`,
);

/** How many periods of `interval` lie from `first` up to `end` (both period starts), without walking them. */
export function periodsCount(first: CalendarDate, end: CalendarDate, interval: Interval): number {
  const days = DAYS_PER_PERIOD[interval];
  if (days !== undefined) return Math.round((dateToUtcMs(end) - dateToUtcMs(first)) / MS_PER_DAY / days);
  const [y1, m1] = parts(first);
  const [y2, m2] = parts(end);
  return (y2 * 12 + m2 - (y1 * 12 + m1)) / (MONTHS_PER_PERIOD[interval] ?? 1);
}

/** The period starts from `first` (a period start) up to, not including, `end`. */
export function periodStarts(first: CalendarDate, end: CalendarDate, interval: Interval): CalendarDate[] {
  const starts: CalendarDate[] = [];
  for (let p = first; p < end; p = addPeriods(p, interval, 1)) starts.push(p);
  return starts;
}

/** The calendar date of `now` in `timezone`; a bare date is that date everywhere. */
export function localDate(now: Now, timezone: string): CalendarDate {
  if ('date' in now) return now.date;
  return zonedDate(now.instant.getTime(), timezone);
}

// Every table asks for the same instant, most in the same few zones (Intl: ~40 µs a call).
const zonedDate = memoize(
  (instant: number, timezone: string): CalendarDate => formatUtcDate(wallClock(instant, timezone)),
  (instant, timezone) => `${instant} ${timezone}`,
);

/** The calendar date of `now` in UTC (the plan's `now`). */
export function utcDate(now: Now): CalendarDate {
  return 'date' in now ? now.date : formatUtcDate(now.instant.getTime());
}

/**
 * `date` minus a retention such as 7 years (month ends clamp: Mar 31 − 1 month → Feb 29);
 * undefined when that lies before year 1, where nothing can be due (no partition is that old).
 */
export function minusRetention(
  date: CalendarDate,
  retention: { count: number; unit: Interval },
): CalendarDate | undefined {
  const days = DAYS_PER_PERIOD[retention.unit];
  const [y, m] = parts(date);
  const firstMonth = FIRST_YEAR * 12;
  const tooFar =
    days !== undefined
      ? dateToUtcMs(date) - retention.count * days * MS_PER_DAY < utcMidnight(FIRST_YEAR, 1, 1)
      : y * 12 + m - 1 - retention.count * (MONTHS_PER_PERIOD[retention.unit] ?? 1) < firstMonth;
  return tooFar ? undefined : addPeriods(date, retention.unit, -retention.count);
}
