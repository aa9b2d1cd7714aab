// Naming patterns must give every period its own, untruncated name: PostgreSQL silently cuts
// identifiers at 63 bytes, and two periods with one name would make the second CREATE fail.
import { DEFAULT_NAMING, NAMING_TOKENS, renderName } from '../plan/naming';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/quote';
import type { Interval, TableSpec } from '../types';
import { samplePeriodStarts } from './periods';

export interface SampleName {
  start: string;
  name: string;
}

const DATE_TOKENS = NAMING_TOKENS.filter((token) => token !== 'parent');
const PROBE = DATE_TOKENS.map((token) => `{${token}}`).join('|');
const tokenCache = new Map<Interval, { start: string; values: Map<string, string> }[]>();

// renderName costs ~170 µs a call (ISO-week arithmetic on TZDate) and a daily sample has 4,749
// periods, so each period's token values are rendered once per interval, by renderName itself
// (the planner's own truth), and reused for every table and pattern.
function sampleTokenValues(interval: Interval): { start: string; values: Map<string, string> }[] {
  let sample = tokenCache.get(interval);
  if (!sample) {
    sample = samplePeriodStarts(interval).map((start) => {
      const rendered = renderName(PROBE, '', start).split('|');
      return { start, values: new Map(DATE_TOKENS.map((token, i) => [token, rendered[i] ?? ''])) };
    });
    tokenCache.set(interval, sample);
  }
  return sample;
}

/** Fills a pattern the way renderName does (one pass, unknown tokens left as written). */
function fill(template: string, parent: string, values: Map<string, string>): string {
  return template.replace(/\{([^}]*)\}/g, (whole, token: string) =>
    token === 'parent' ? parent : (values.get(token) ?? whole),
  );
}

/** The partition names a table's pattern gives over the sample years (2019–2031). */
export function sampleNames(spec: Pick<TableSpec, 'interval' | 'naming' | 'name'>): SampleName[] {
  return sampleTokenValues(spec.interval).map(({ start, values }) => ({
    start,
    name: fill(spec.naming, spec.name, values),
  }));
}

/** What is wrong with the table's naming on its own: at most one message. */
export function namingProblem(spec: TableSpec, names: SampleName[], inherited: string): string | undefined {
  const pattern = `${JSON.stringify(spec.naming)}${inherited}`;
  const seen = new Map<string, string>();
  let longest = '';
  for (const { start, name } of names) {
    if (name === spec.name) {
      return `${pattern} gives the period starting ${start} the table's own name ${JSON.stringify(name)}`;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      return (
        `${pattern} gives two ${spec.interval} periods the same name ${JSON.stringify(name)} ` +
        `(starting ${earlier} and ${start}); use tokens that tell every ${spec.interval} apart, ` +
        `e.g. ${DEFAULT_NAMING[spec.interval]}`
      );
    }
    seen.set(name, start);
    if (identifierBytes(name) > identifierBytes(longest)) longest = name;
  }
  const bytes = identifierBytes(longest);
  if (bytes <= MAX_IDENTIFIER_BYTES) return undefined;
  return (
    `${pattern} makes names of ${bytes} bytes, e.g. ${JSON.stringify(longest)}; PostgreSQL cuts identifiers ` +
    `longer than ${MAX_IDENTIFIER_BYTES} bytes, so shorten the pattern`
  );
}
