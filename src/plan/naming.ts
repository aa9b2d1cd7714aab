// Partition names from the `naming` template: {parent} {YYYY} {MM} {DD} {Q} {IYYY} {WW}.
import { getISOWeek, getISOWeekYear } from 'date-fns';
import type { Interval } from '../types';
import { pad } from './calendar';
import { memoize } from './memo';

export const NAMING_TOKENS = ['parent', 'YYYY', 'MM', 'DD', 'Q', 'IYYY', 'WW'] as const;

export const DEFAULT_NAMING: Record<Interval, string> = {
  day: '{parent}_y{YYYY}m{MM}d{DD}',
  week: '{parent}_y{IYYY}w{WW}',
  month: '{parent}_y{YYYY}m{MM}',
  quarter: '{parent}_y{YYYY}q{Q}',
  year: '{parent}_y{YYYY}',
};

/** Tokens the template uses that are not known (empty when all are fine). */
export function unknownTokens(template: string): string[] {
  const known = new Set<string>(NAMING_TOKENS);
  return [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '').filter((t) => !known.has(t));
}

type Part = string | { token: string };
/** The template split into literal text and tokens once (it is rendered for every partition). */
const partsOf = memoize(
  (template: string): Part[] => {
    const parts: Part[] = [];
    let last = 0;
    for (const match of template.matchAll(/\{([^}]*)\}/g)) {
      parts.push(template.slice(last, match.index), { token: match[1] ?? '' });
      last = (match.index ?? 0) + match[0].length;
    }
    parts.push(template.slice(last));
    return parts;
  },
  (template) => template,
);

/** The name of the partition whose period starts on `periodStart` (YYYY-MM-DD). */
export function renderName(template: string, parent: string, periodStart: string): string {
  const date = dateParts(periodStart);
  let name = '';
  for (const part of partsOf(template)) name += partText(part, parent, date);
  return name;
}

/**
 * Whether `name` is the one renderName gives, compared part by part without building it: asked
 * of every partition (at 100,000, building the names to compare them cost the plan 15 ms).
 */
export function isRenderedName(name: string, template: string, parent: string, periodStart: string): boolean {
  const date = dateParts(periodStart);
  let at = 0;
  for (const part of partsOf(template)) {
    const text = partText(part, parent, date);
    if (!name.startsWith(text, at)) return false;
    at += text.length;
  }
  return at === name.length;
}

interface DateParts {
  y: number;
  m: number;
  d: number;
}

const dateParts = (periodStart: string): DateParts => ({
  y: Number(periodStart.slice(0, 4)),
  m: Number(periodStart.slice(5, 7)),
  d: Number(periodStart.slice(8, 10)),
});

function partText(part: Part, parent: string, { y, m, d }: DateParts): string {
  if (typeof part === 'string') return part;
  switch (part.token) {
    case 'parent':
      return parent;
    case 'YYYY':
      return pad(y, 4);
    case 'MM':
      return pad(m);
    case 'DD':
      return pad(d);
    case 'Q':
      return String(Math.ceil(m / 3));
    case 'IYYY':
      return pad(isoWeekOf(y, m, d).year, 4);
    case 'WW':
      return pad(isoWeekOf(y, m, d).week);
    default:
      return `{${part.token}}`;
  }
}

const isoWeekOf = memoize(computeIsoWeek, (y, m, d) => y * 10_000 + m * 100 + d);

function computeIsoWeek(y: number, m: number, d: number): { year: number; week: number } {
  // A local Date of that calendar day: date-fns reads its fields in the same zone, so the result
  // does not depend on TZ (setFullYear, because the constructor maps years 0–99 to the 1900s).
  const date = new Date(2000, m - 1, d);
  date.setFullYear(y, m - 1, d);
  return { year: getISOWeekYear(date), week: getISOWeek(date) };
}

const TOKEN_PATTERN: Record<string, string> = {
  YYYY: '\\d{4}',
  MM: '\\d{2}',
  DD: '\\d{2}',
  Q: '[1-4]',
  IYYY: '\\d{4}',
  WW: '\\d{2}',
};

/** A pattern matching every name the template can produce for this parent (to recognise our tables). */
export function namingPattern(template: string, parent: string): RegExp {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let source = '';
  let last = 0;
  for (const match of template.matchAll(/\{([^}]*)\}/g)) {
    source += escape(template.slice(last, match.index));
    const token = match[1] ?? '';
    source += token === 'parent' ? escape(parent) : (TOKEN_PATTERN[token] ?? escape(match[0]));
    last = (match.index ?? 0) + match[0].length;
  }
  source += escape(template.slice(last));
  return new RegExp(`^${source}$`);
}
