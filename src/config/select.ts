// --table filters: keep only the named tables, in config order.
import { parseQualifiedName, quoteQualified, relationKey } from '../sql/quote';
import type { Config } from '../types';
import { ConfigError } from './errors';

/** Keeps the tables named as in SQL (`claims`, `public.claims`, `"public"."claims"` alike); [] keeps all. */
export function selectTables(config: Config, names: string[]): Config {
  if (names.length === 0) return config;
  const configured = config.tables.map((table) => quoteQualified(table)).join(', ');
  const wanted = new Set<string>();
  const problems: string[] = [];
  for (const text of new Set(names)) {
    try {
      const key = relationKey(parseQualifiedName(text));
      if (config.tables.some((table) => relationKey(table) === key)) wanted.add(key);
      else problems.push(`--table ${text}: not in ${config.file}; configured tables: ${configured}`);
    } catch (error) {
      problems.push(`--table ${text}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, tables: config.tables.filter((table) => wanted.has(relationKey(table))) };
}
