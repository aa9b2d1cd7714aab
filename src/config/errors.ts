// How config problems are reported: `FILE: tables[1] (claims).interval: "yearly" is not one of ...`.

/** Where in the document a problem is: keys and list indexes, as zod reports them. */
export type FieldPath = readonly (string | number)[];

export interface Problem {
  path: FieldPath;
  message: string;
}

/** Everything wrong with a config, one problem per line, so a user can fix it all in one go. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const lines = typeof problems === 'string' ? [problems] : [...problems];
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.problems = lines;
  }
}

/** A value as it appears in a message: strings quoted, structures named by kind. */
export function show(value: unknown): string {
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** The message for a value that is missing or not what the field allows. */
export function notA(expected: string, input: unknown): string {
  return input === undefined ? `missing; expected ${expected}` : `${show(input)} is not ${expected}`;
}

/** The label of a table entry: its `table` field as written, when it has a usable one. */
function tableLabel(document: unknown, index: number): string {
  const tables = isRecord(document) ? document.tables : undefined;
  const entry = Array.isArray(tables) ? (tables[index] as unknown) : undefined;
  const table = isRecord(entry) ? entry.table : undefined;
  return typeof table === 'string' && table.trim() !== '' ? ` (${table})` : '';
}

/** `tables[1] (claims).archive.drop`, `defaults.premake`, `tables` — the one place paths are spelled. */
export function formatPath(path: FieldPath, document: unknown): string {
  let text = '';
  path.forEach((key, position) => {
    if (typeof key === 'number') {
      text += `[${key}]`;
      if (position === 1 && path[0] === 'tables') text += tableLabel(document, key);
    } else {
      text += text === '' ? key : `.${key}`;
    }
  });
  return text;
}

export function formatProblem(file: string, problem: Problem, document: unknown): string {
  const where = formatPath(problem.path, document);
  return where === '' ? `${file}: ${problem.message}` : `${file}: ${where}: ${problem.message}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `path` is `prefix` or lies inside it. */
export function isWithin(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}
