// Naming patterns must give every period its own, untruncated name: PostgreSQL silently cuts
// identifiers at 63 bytes, and two periods with one name would make the second CREATE fail.
import { DEFAULT_NAMING, renderName } from '../plan/naming';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/quote';
import type { TableSpec } from '../types';
import { samplePeriodStarts } from './periods';

export interface SampleName {
  start: string;
  name: string;
}

/** The partition names a table's pattern gives over the sample years. */
export function sampleNames(spec: Pick<TableSpec, 'interval' | 'naming' | 'name'>): SampleName[] {
  const isoTokens = /\{(IYYY|WW)\}/.test(spec.naming);
  return samplePeriodStarts(spec.interval, isoTokens).map((start) => ({
    start,
    name: renderName(spec.naming, spec.name, start),
  }));
}

/** What is wrong with the table's naming on its own: at most one message. */
export function namingProblem(spec: TableSpec, names: SampleName[], inherited: string): string | undefined {
  const pattern = `${JSON.stringify(spec.naming)}${inherited}`;
  const seen = new Map<string, string>();
  let longest = '';
  let longestBytes = 0;
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
    const bytes = identifierBytes(name);
    if (bytes > longestBytes) [longest, longestBytes] = [name, bytes];
  }
  if (longestBytes <= MAX_IDENTIFIER_BYTES) return undefined;
  return (
    `${pattern} makes names of ${longestBytes} bytes, e.g. ${JSON.stringify(longest)}; PostgreSQL cuts identifiers ` +
    `longer than ${MAX_IDENTIFIER_BYTES} bytes, so shorten the pattern`
  );
}
