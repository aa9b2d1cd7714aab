// The one-line, machine-readable header of each step in a reviewed file, written and read back.
// `-- step 3/9: create public.p_y2024m04 [2024-04-01, 2024-05-01) of public.p (premake)`
// Names are written as in SQL, then escaped so that nothing in them can end the comment line.
import type { CreateReason, QualifiedName } from '../types';
import type { CreateStep, Step, StepKind } from '../steps/step';
import { plural } from '../words';
import { parseQualifiedName, quoteIdent, quoteQualified } from './quote';

const REASONS: readonly CreateReason[] = ['gap', 'current', 'premake'];
const ADOPT_NOTE = 'adopts the existing table';
const DEFAULT_ROWS_NOTE = /^(\d+) rows? in DEFAULT move into it$/;
/** The parent has a DEFAULT partition (holding no rows for this range when planned). */
const FROM_DEFAULT_NOTE = 'any rows for it move out of DEFAULT';

// PostgreSQL ends a `--` comment at \n or \r; editors also break lines at the other separators.
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const UNSAFE_IN_COMMENT = /[\\\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/g;

/** Escapes text for a comment line: `\` as `\\`, line breaks as `\n` / `\r`, other controls as `\uXXXX`. */
export function escapeForComment(text: string): string {
  return text.replace(UNSAFE_IN_COMMENT, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export function unescapeComment(text: string): string {
  return text.replace(/\\(\\|n|r|u[0-9a-f]{4})/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

export const HEADER_PREFIX = /^-- step (\d+)\/(\d+): /;

export interface Header {
  index: number;
  total: number;
  step: Step;
}

function notes(step: CreateStep): string[] {
  const rows = step.defaultRows;
  return [
    ...(step.adopt ? [ADOPT_NOTE] : []),
    ...(rows > 0 ? [`${plural(rows, 'row')} in DEFAULT move into it`] : []),
    ...(rows === 0 && step.fromDefault ? [FROM_DEFAULT_NOTE] : []),
  ];
}

const CREATES_SCHEMA_NOTE = 'creates the schema';

/** A store location in a header: single-quoted, quotes doubled (it may hold spaces and parentheses). */
const storeText = (store: string): string => `'${store.replace(/'/g, "''")}'`;

/** The header body of a step, unescaped. */
export function stepHeaderBody(step: Step): string {
  const what = `${step.kind} ${quoteQualified(step.partition)} [${step.from}, ${step.to}) of ${quoteQualified(step.parent)}`;
  switch (step.kind) {
    case 'create':
      return `${what} (${[step.reason, ...notes(step)].join('; ')})`;
    case 'detach':
      return `${what} (${step.concurrently ? 'concurrently' : 'plain'})`;
    case 'move':
      return `${what} to schema ${quoteIdent(step.schema)}${step.createSchema ? ` (${CREATES_SCHEMA_NOTE})` : ''}`;
    case 'finalize':
    case 'reattach':
      return what;
    default:
      return `${what} (store ${storeText(step.store)})`;
  }
}

/** The header line of step `index` (1-based) of `total`. */
export function renderHeader(step: Step, index: number, total: number): string {
  return `-- step ${index}/${total}: ${escapeForComment(stepHeaderBody(step))}`;
}

export class HeaderError extends Error {
  override name = 'HeaderError';
}

/** Reads cursor-wise through the unescaped header body. */
class Cursor {
  constructor(
    readonly text: string,
    public at = 0,
  ) {}

  expect(literal: string, what: string): void {
    if (!this.text.startsWith(literal, this.at)) {
      throw new HeaderError(`expected ${what} at "${this.text.slice(this.at, this.at + 30)}"`);
    }
    this.at += literal.length;
  }

  until(literal: string, what: string): string {
    const end = this.text.indexOf(literal, this.at);
    if (end === -1) throw new HeaderError(`expected ${what}`);
    const value = this.text.slice(this.at, end);
    this.at = end + literal.length;
    return value;
  }

  /** Moves past one identifier as quoteIdent writes it (unquoted, folded; or quoted). */
  private skipIdent(what: string): void {
    if (this.text[this.at] === '"') {
      this.at += 1;
      for (;;) {
        const quote = this.text.indexOf('"', this.at);
        if (quote === -1) throw new HeaderError(`${what}: unterminated quoted name`);
        this.at = quote + 1;
        if (this.text[this.at] !== '"') break;
        this.at += 1;
      }
      return;
    }
    const match = /^[a-z_][a-z0-9_$]*/.exec(this.text.slice(this.at));
    if (!match) throw new HeaderError(`expected ${what} at "${this.text.slice(this.at, this.at + 30)}"`);
    this.at += match[0].length;
  }

  /** One identifier as quoteIdent writes it. */
  ident(what: string): string {
    const start = this.at;
    this.skipIdent(what);
    try {
      return parseQualifiedName(`${this.text.slice(start, this.at)}.x`).schema;
    } catch (error) {
      throw new HeaderError(`${what} ${(error as Error).message}`);
    }
  }

  /** A schema-qualified name as quoteQualified writes it. */
  name(what: string): QualifiedName {
    const start = this.at;
    this.skipIdent(what);
    this.expect('.', `${what} as schema.name`);
    this.skipIdent(what);
    try {
      return parseQualifiedName(this.text.slice(start, this.at));
    } catch (error) {
      throw new HeaderError(`${what} ${(error as Error).message}`);
    }
  }
}

const KINDS: readonly StepKind[] = [
  'create',
  'detach',
  'finalize',
  'move',
  'dump',
  'verify',
  'upload',
  'drop',
  'reattach',
];

/** Reads a header line back into its step; throws HeaderError saying what does not fit. */
export function parseHeader(line: string): Header {
  const prefix = HEADER_PREFIX.exec(line);
  if (!prefix) throw new HeaderError('not a step header (`-- step N/M: …`)');
  const cursor = new Cursor(unescapeComment(line.slice(prefix[0].length).trimEnd()));
  const kind = KINDS.find((k) => cursor.text.startsWith(`${k} `, cursor.at));
  if (!kind) throw new HeaderError(`expected a step kind (${KINDS.join(', ')})`);
  cursor.at += kind.length + 1;
  const partition = cursor.name('the table');
  cursor.expect(' [', '" [" before the bounds');
  const from = cursor.until(', ', 'the lower bound');
  const to = cursor.until(') of ', 'the upper bound and " of "');
  const parent = cursor.name('the parent');
  const base = { parent, partition, from, to };
  const rest = cursor.text.slice(cursor.at);
  const step = ((): Step => {
    switch (kind) {
      case 'create':
        return parseCreate(base, rest);
      case 'detach':
        if (rest === ' (concurrently)' || rest === ' (plain)') {
          return { kind, ...base, concurrently: rest === ' (concurrently)' };
        }
        throw new HeaderError('expected " (concurrently)" or " (plain)" after the parent');
      case 'finalize':
      case 'reattach':
        if (rest !== '') throw new HeaderError(`unexpected "${rest}" after the parent`);
        return { kind, ...base };
      case 'move': {
        cursor.expect(' to schema ', '" to schema " after the parent');
        const schema = cursor.ident('the archive schema');
        const note = cursor.text.slice(cursor.at);
        if (note !== '' && note !== ` (${CREATES_SCHEMA_NOTE})`)
          throw new HeaderError(`unknown note "${note}"`);
        return { kind, ...base, schema, createSchema: note !== '' };
      }
      default: {
        const store = /^ \(store '((?:[^']|'')+)'\)$/.exec(rest);
        if (!store) throw new HeaderError(`expected " (store '…')" after the parent`);
        return { kind, ...base, store: (store[1] ?? '').replace(/''/g, "'") };
      }
    }
  })();
  return { index: Number(prefix[1]), total: Number(prefix[2]), step };
}

function parseCreate(
  base: Omit<CreateStep, 'kind' | 'reason' | 'adopt' | 'fromDefault' | 'defaultRows'>,
  rest: string,
): CreateStep {
  if (!rest.startsWith(' (')) throw new HeaderError('expected " (" before the reason');
  if (!rest.endsWith(')')) throw new HeaderError('expected ")" at the end');
  const [reason, ...extra] = rest.slice(2, -1).split('; ');
  if (!REASONS.includes(reason as CreateReason)) {
    throw new HeaderError(`"${reason}" is not a reason (${REASONS.join(', ')})`);
  }
  let adopt = false;
  let fromDefault = false;
  let defaultRows = 0;
  for (const note of extra) {
    const rows = DEFAULT_ROWS_NOTE.exec(note);
    if (note === ADOPT_NOTE) adopt = true;
    else if (note === FROM_DEFAULT_NOTE) fromDefault = true;
    else if (rows) [fromDefault, defaultRows] = [true, Number(rows[1])];
    else throw new HeaderError(`unknown note "${note}"`);
  }
  return { kind: 'create', ...base, reason: reason as CreateReason, adopt, fromDefault, defaultRows };
}
