// The one-line, machine-readable header of each step in a reviewed file, written and read back.
// `-- step 3/9: create public.p_y2024m04 [2024-04-01, 2024-05-01) of public.p (premake)`
// Names are written as in SQL, then escaped so that nothing in them can end the comment line.
import type { CreateReason, QualifiedName } from '../types';
import type { Step } from '../steps/step';
import { plural } from '../words';
import { parseQualifiedName, quoteQualified } from './quote';

const REASONS: readonly CreateReason[] = ['gap', 'current', 'premake'];
const ADOPT_NOTE = 'adopts the existing table';
const DEFAULT_ROWS_NOTE = /^(\d+) rows? in DEFAULT move into it$/;

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

function notes(step: Step): string[] {
  const rows = step.defaultRows;
  return [
    ...(step.adopt ? [ADOPT_NOTE] : []),
    ...(rows > 0 ? [`${plural(rows, 'row')} in DEFAULT move into it`] : []),
  ];
}

/** The header line of step `index` (1-based) of `total`. */
export function renderHeader(step: Step, index: number, total: number): string {
  const body =
    `create ${quoteQualified(step.partition)} [${step.from}, ${step.to}) of ` +
    `${quoteQualified(step.parent)} (${[step.reason, ...notes(step)].join('; ')})`;
  return `-- step ${index}/${total}: ${escapeForComment(body)}`;
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

  /** A schema-qualified name as quoteQualified writes it. */
  name(what: string): QualifiedName {
    const start = this.at;
    for (let part = 0; part < 2; part += 1) {
      if (part === 1) this.expect('.', `${what} as schema.name`);
      if (this.text[this.at] === '"') {
        this.at += 1;
        for (;;) {
          const quote = this.text.indexOf('"', this.at);
          if (quote === -1) throw new HeaderError(`${what}: unterminated quoted name`);
          this.at = quote + 1;
          if (this.text[this.at] !== '"') break;
          this.at += 1;
        }
      } else {
        const match = /^[a-z_][a-z0-9_$]*/.exec(this.text.slice(this.at));
        if (!match) throw new HeaderError(`expected ${what} at "${this.text.slice(this.at, this.at + 30)}"`);
        this.at += match[0].length;
      }
    }
    try {
      return parseQualifiedName(this.text.slice(start, this.at));
    } catch (error) {
      throw new HeaderError(`${what} ${(error as Error).message}`);
    }
  }
}

/** Reads a header line back into its step; throws HeaderError saying what does not fit. */
export function parseHeader(line: string): Header {
  const prefix = HEADER_PREFIX.exec(line);
  if (!prefix) throw new HeaderError('not a step header (`-- step N/M: …`)');
  const cursor = new Cursor(unescapeComment(line.slice(prefix[0].length).trimEnd()));
  cursor.expect('create ', 'a step kind (create)');
  const partition = cursor.name('the partition');
  cursor.expect(' [', '" [" before the bounds');
  const from = cursor.until(', ', 'the lower bound');
  const to = cursor.until(') of ', 'the upper bound and " of "');
  const parent = cursor.name('the parent');
  cursor.expect(' (', '" (" before the reason');
  const rest = cursor.text.slice(cursor.at);
  if (!rest.endsWith(')')) throw new HeaderError('expected ")" at the end');
  const [reason, ...extra] = rest.slice(0, -1).split('; ');
  if (!REASONS.includes(reason as CreateReason)) {
    throw new HeaderError(`"${reason}" is not a reason (${REASONS.join(', ')})`);
  }
  let adopt = false;
  let defaultRows = 0;
  for (const note of extra) {
    const rows = DEFAULT_ROWS_NOTE.exec(note);
    if (note === ADOPT_NOTE) adopt = true;
    else if (rows) defaultRows = Number(rows[1]);
    else throw new HeaderError(`unknown note "${note}"`);
  }
  const step: Step = {
    kind: 'create',
    parent,
    partition,
    from,
    to,
    reason: reason as CreateReason,
    adopt,
    defaultRows,
  };
  return { index: Number(prefix[1]), total: Number(prefix[2]), step };
}
