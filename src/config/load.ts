// Entry point: partitions.yml → validated Config, or a ConfigError listing every problem.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Config, TableSpec } from '../types';
import { expandEnv } from './env';
import { ConfigError, formatProblem, isRecord, isWithin, type FieldPath, type Problem } from './errors';
import { sampleNames } from './naming-rules';
import { defaultsSchema, documentSchema, tableEntrySchema } from './schema';
import { checkDuplicates, checkNameClashes, checkTable, resolveTable, type ResolvedTable } from './validate';

export { ConfigError } from './errors';
export { selectTables } from './select';

/**
 * A config read up to its tables. The checks across periods and tables (naming patterns sampled
 * over years) are the slow part, so `finish` runs them later: a caller can send the catalog query
 * for `tables` first and check while the server works. Problems found before that are thrown at
 * once, together with whatever the later checks find.
 */
export interface ConfigDraft {
  file: string;
  tables: TableSpec[];
  /** The validated config, or a ConfigError listing every problem. */
  finish(): Config;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  return draftConfig(file, env).finish();
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  return draftConfigText(text, file, env).finish();
}

export function draftConfig(file: string, env: NodeJS.ProcessEnv = process.env): ConfigDraft {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${file}: file not found (pass --config FILE)`);
    throw new ConfigError(`${file}: cannot read the file: ${(error as Error).message}`);
  }
  return draftConfigText(text, file, env);
}

function draftConfigText(text: string, file: string, env: NodeJS.ProcessEnv): ConfigDraft {
  const expanded = expandEnv(readYaml(text, file), env);
  const document = expanded.value;
  const { resolved, problems } = validateEntries(document);
  const tables = resolved.map((table) => table.spec);
  const finish = (): Config => {
    // A field whose ${VAR} could not be expanded is reported once, for that, not again for its value.
    const unexpandable = expanded.problems.map((problem) => problem.path);
    const all = [
      ...expanded.problems,
      ...[...problems, ...checkAcrossTables(resolved)].filter(
        (problem) => !unexpandable.some((path) => isWithin(problem.path, path)),
      ),
    ];
    if (all.length > 0) {
      throw new ConfigError(sortByPlace(all).map((problem) => formatProblem(file, problem, document)));
    }
    return { file, tables };
  };
  if (expanded.problems.length > 0 || problems.length > 0) finish(); // throws: every problem in one run
  return { file, tables, finish };
}

/** YAML 1.2 core schema: `2024-04-01` stays a string and `yes` is not a boolean. */
function readYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { schema: 'core', merge: true, prettyErrors: false, lineCounter });
  if (parsed.errors.length > 0) {
    throw new ConfigError(
      parsed.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `${file}:${line}:${col}: invalid YAML: ${error.message}`;
      }),
    );
  }
  return parsed.toJS() ?? {}; // an empty file is an empty mapping: "tables: missing"
}

/** The document's shape and each entry with defaults applied; problems are collected, not thrown. */
function validateEntries(document: unknown): { resolved: ResolvedTable[]; problems: Problem[] } {
  const outer = documentSchema.safeParse(document);
  const problems = outer.success ? [] : toProblems(outer.error, []);
  // Defaults and entries are checked even when the outer shape is wrong: every problem in one run.
  const record = isRecord(document) ? document : {};
  const defaults = parseWith(defaultsSchema, record.defaults ?? {}, ['defaults']);
  problems.push(...defaults.problems);
  const resolved: ResolvedTable[] = [];
  (Array.isArray(record.tables) ? record.tables : []).forEach((raw: unknown, index) => {
    const entry = parseWith(tableEntrySchema, raw, ['tables', index]);
    problems.push(...entry.problems);
    // Cross-field checks need sound defaults: a bad default would only echo as many problems.
    if (!entry.data || !defaults.data) return;
    const table = resolveTable(entry.data, defaults.data, index);
    problems.push(...table.problems);
    if (table.resolved) resolved.push(table.resolved);
  });
  return { resolved, problems };
}

/** Checks that need several fields or several tables: naming samples, duplicates, name clashes. */
function checkAcrossTables(resolved: ResolvedTable[]): Problem[] {
  const problems: Problem[] = [];
  const duplicates = checkDuplicates(resolved.map((table) => table.spec));
  const duplicated = new Set(duplicates.map((problem) => problem.path[1]));
  const named: { spec: TableSpec; names: ReturnType<typeof sampleNames> }[] = [];
  for (const table of resolved) {
    const names = sampleNames(table.spec);
    const own = checkTable(table, names);
    problems.push(...own);
    const namingIsSound = !own.some((problem) => problem.path[2] === 'naming');
    if (namingIsSound && !duplicated.has(table.spec.index)) named.push({ spec: table.spec, names });
  }
  problems.push(...duplicates, ...checkNameClashes(named));
  return problems;
}

function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  at: FieldPath,
): { data?: z.output<Schema>; problems: Problem[] } {
  const result = schema.safeParse(value);
  return result.success ? { data: result.data, problems: [] } : { problems: toProblems(result.error, at) };
}

/** zod issues as problems; an unknown-keys issue becomes one problem per key, at that key. */
function toProblems(error: z.ZodError, at: FieldPath): Problem[] {
  return error.issues.flatMap((issue) => {
    const path = [...at, ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: issue.message }));
    }
    return [{ path, message: issue.message }];
  });
}

/** Top-level and defaults first, then table by table. */
function sortByPlace(problems: Problem[]): Problem[] {
  const rank = (problem: Problem): number => {
    if (problem.path[0] !== 'tables') return -2;
    return typeof problem.path[1] === 'number' ? problem.path[1] : -1;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b)); // stable: order within a table is kept
}
