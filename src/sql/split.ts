// Splits a SQL file into the units `apply --sql` runs one at a time: single statements, or an
// explicit BEGIN … COMMIT block kept whole. Aware of quotes, dollar quotes and comments, so a `;`
// inside a DO block or a string does not end a statement.

export interface SqlUnit {
  /** The statement(s) exactly as written in the file, without the trailing comments. */
  sql: string;
  /** The comment lines just before it (the reason our rendered files give), without `--`. */
  comment: string;
  /** 1-based line where the unit starts (for messages). */
  line: number;
  /** BEGIN … COMMIT written in the file: run as one unit, never wrapped again. */
  transaction: boolean;
}

interface Statement {
  sql: string;
  comment: string;
  line: number;
}

const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** Length of the quoted or commented token starting at `i`, or 0 when none starts there. */
function skipToken(text: string, i: number): number {
  // No slicing: this runs for every character of files of thousands of statements.
  if (text.startsWith('--', i)) {
    const end = text.indexOf('\n', i);
    return (end === -1 ? text.length : end) - i;
  }
  if (text.startsWith('/*', i)) {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      if (text.startsWith('/*', j)) {
        depth += 1;
        j += 2;
      } else if (text.startsWith('*/', j)) {
        depth -= 1;
        j += 2;
        if (depth === 0) return j - i;
      } else j += 1;
    }
    return text.length - i;
  }
  DOLLAR_TAG.lastIndex = i;
  const dollar = text[i] === '$' ? DOLLAR_TAG.exec(text) : null;
  if (dollar && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? ' ')) {
    const end = text.indexOf(dollar[0], i + dollar[0].length);
    return (end === -1 ? text.length : end + dollar[0].length) - i;
  }
  const quote = text[i];
  if (quote === "'" || quote === '"') {
    const backslashes =
      quote === "'" && /[eE]/.test(text[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i - 2] ?? ' ');
    let j = i + 1;
    while (j < text.length) {
      if (backslashes && text[j] === '\\') j += 2;
      else if (text[j] === quote && text[j + 1] === quote) j += 2;
      else if (text[j] === quote) return j + 1 - i;
      else j += 1;
    }
    return text.length - i;
  }
  return 0;
}

function splitStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let startLine = 1; // line of `start`, kept as we go (counting from the top each time is quadratic)
  let i = 0;
  const flush = (end: number): void => {
    const raw = text.slice(start, end);
    const lines = raw.split('\n');
    const comments: string[] = [];
    let first = 0;
    // Leading blank and comment lines become the unit's comment; the statement starts after them.
    // (`\s*$`, not `$`: a file with CRLF line ends leaves a \r at the end of each line.)
    while (first < lines.length && /^\s*(--.*)?\s*$/.test(lines[first] ?? '')) {
      const c = /^\s*--\s?(.*?)\s*$/.exec(lines[first] ?? '');
      if (c) comments.push(c[1] ?? '');
      first += 1;
    }
    const sql = lines.slice(first).join('\n').trim();
    if (sql !== '') {
      statements.push({ sql, comment: comments.join('\n').trim(), line: startLine + first });
    }
    startLine += lines.length - 1;
    start = end;
  };
  while (i < text.length) {
    const skip = skipToken(text, i);
    if (skip > 0) {
      i += skip;
    } else if (text[i] === ';') {
      i += 1;
      flush(i);
    } else {
      i += 1;
    }
  }
  flush(text.length);
  return statements;
}

const BEGIN = /^(begin|start\s+transaction)\b/i;
// ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] x stays inside the transaction.
const END = /^(commit|end|rollback|abort)\b(?!\s+((work|transaction)\s+)?to\b)/i;

/** The statement from its first word on: block comments (and line comments) before it skipped. */
export function firstWords(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i] ?? '')) i += 1;
    if (!sql.startsWith('--', i) && !sql.startsWith('/*', i)) return sql.slice(i);
    i += skipToken(sql, i);
  }
}

export function splitSql(text: string): SqlUnit[] {
  const units: SqlUnit[] = [];
  let open: SqlUnit | undefined;
  for (const statement of splitStatements(text)) {
    if (open) {
      open.sql += `\n${statement.sql}`;
      if (END.test(firstWords(statement.sql))) {
        units.push(open);
        open = undefined;
      }
    } else if (BEGIN.test(firstWords(statement.sql))) {
      open = { ...statement, transaction: true };
    } else {
      units.push({ ...statement, transaction: false });
    }
  }
  if (open) throw new Error(`line ${open.line}: BEGIN without COMMIT`);
  return units;
}
