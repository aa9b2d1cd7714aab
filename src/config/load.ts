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

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${file}: file not found (pass --config FILE)`);
    throw new ConfigError(`${file}: cannot read the file: ${(error as Error).message}`);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const expanded = expandEnv(readYaml(text, file), env);
  const document = expanded.value;
  const { tables, problems } = validateDocument(document);
  // A field whose ${VAR} could not be expanded is reported once, for that, not again for its value.
  const unexpandable = expanded.problems.map((problem) => problem.path);
  const all = [
    ...expanded.problems,
    ...problems.filter((problem) => !unexpandable.some((path) => isWithin(problem.path, path))),
  ];
  if (all.length > 0) {
    throw new ConfigError(sortByPlace(all).map((problem) => formatProblem(file, problem, document)));
  }
  return { file, tables };
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

function validateDocument(document: unknown): { tables: TableSpec[]; problems: Problem[] } {
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
  return { tables: resolved.map((table) => table.spec), problems };
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
