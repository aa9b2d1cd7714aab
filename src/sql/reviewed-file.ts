// The reviewed file (`plan --format sql`, the file a pull request carries): the steps written out,
// and read back by `apply --sql` into the very same steps. Reading uses PostgreSQL's own parser
// (libpg-query), so statement kinds and boundaries come from the parser, never from patterns.
// A file is run only if every step's SQL is exactly the SQL its header stands for: a file that
// says one thing and does another is refused, with the line, before anything runs.
// PostgreSQL's parser (WebAssembly) is loaded only to read a reviewed file: with the AWS SDK also
// loaded only when used, the CLI starts in 0.09 s instead of 0.17 s (`--help`, on this machine).
type Parser = typeof import('libpg-query');
import { isEffect, type Step } from '../steps/step';
import { escapeForComment, HEADER_PREFIX, HeaderError, parseHeader, renderHeader } from './header';
import { plural } from '../words';
import { quoteLiteral, quoteQualified } from './quote';
import { STRATEGIES, stepStatements, type Strategy } from './step-sql';

export const FORMAT_MARK = 'partition-keeper:v1 reviewed file';

/** The line under the header of a step that is not SQL (dump, verify, upload, drop). */
export const NOT_SQL_NOTE = '-- (not SQL: apply --sql carries this step out; psql skips it)';

export interface WriteOptions {
  now: string;
  lockTimeoutMs: number;
  strategy: Strategy;
  /** Comment lines about work this file does not carry out (e.g. partitions due for archival). */
  notes?: string[];
}

export function lockTimeoutStatement(ms: number): string {
  return `SET lock_timeout = ${quoteLiteral(`${ms}ms`)}`;
}

/** The steps as a reviewed file: a header, the lock bound for psql, then each step. */
export function writeReviewedFile(steps: readonly Step[], options: WriteOptions): string {
  const tables = new Set(steps.map((s) => quoteQualified(s.parent))).size;
  const lines = [
    `-- ${FORMAT_MARK} for ${options.now}: ${plural(steps.length, 'step')} on ${plural(tables, 'table')}.`,
    '-- Run it with `partition-keeper apply --sql FILE`: each step under the run lock, the lock bound',
    '-- and the deadline; a file whose SQL no longer matches its step headers is refused.',
    '-- Each step is safe to run twice, checks what it finds and asserts its result: a reviewer may',
    '-- delete whole steps. psql runs it too (psql -v ON_ERROR_STOP=1 -f FILE), bounded by this SET:',
    `${lockTimeoutStatement(options.lockTimeoutMs)};`,
    ...(options.notes ?? []).map((note) => `-- ${escapeForComment(note)}`),
  ];
  steps.forEach((step, i) => {
    lines.push('', renderHeader(step, i + 1, steps.length));
    if (isEffect(step)) lines.push(NOT_SQL_NOTE);
    for (const statement of stepStatements(step, options.strategy)) lines.push(`${statement};`);
  });
  return `${lines.join('\n')}\n`;
}

/** The longest lock bound a reviewed file (and --lock-timeout) may carry: 10 minutes. */
export const MAX_LOCK_TIMEOUT_MS = 600_000;

/** The file's `SET lock_timeout = 'Nms'` with 1 ≤ N ≤ MAX_LOCK_TIMEOUT_MS: a bound, never 0 (none). */
function isLockBound(statementText: string): boolean {
  const match = /^SET\s+lock_timeout\s*(?:=|TO)\s*'(\d+)ms'$/i.exec(statementText.trim().replace(/;$/, ''));
  const ms = Number(match?.[1]);
  return match !== null && ms >= 1 && ms <= MAX_LOCK_TIMEOUT_MS;
}

export class ReviewedFileError extends Error {
  override name = 'ReviewedFileError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export interface ReviewedStep {
  step: Step;
  strategy: Strategy;
  /** Line of the step's header. */
  line: number;
  /** The number its header gives it. */
  index: number;
  /** Steps a reviewer grouped with BEGIN … COMMIT share this number (one transaction). */
  block?: number;
}

export interface ReviewedFile {
  steps: ReviewedStep[];
}

/** Byte offsets (what the parser reports) to string offsets, and string offsets to lines. */
function positions(text: string) {
  const ascii = Buffer.byteLength(text) === text.length;
  let byteToChar: number[] | undefined;
  if (!ascii) {
    byteToChar = [];
    let byte = 0;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.codePointAt(i) ?? 0;
      const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      for (let b = 0; b < width; b += 1) byteToChar[byte + b] = i;
      byte += width;
      if (code >= 0x10000) i += 1; // the second half of a surrogate pair
    }
    byteToChar[byte] = text.length;
  }
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return {
    char: (byte: number): number => (byteToChar ? (byteToChar[byte] ?? text.length) : byte),
    line(char: number): number {
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((lineStarts[mid] ?? 0) <= char) low = mid;
        else high = mid - 1;
      }
      return low + 1;
    },
  };
}

type Node = Record<string, unknown>;

/** Every object in a parse tree, with the key it sits under (the node type). */
function* nodes(tree: unknown, kind = ''): Generator<[string, Node]> {
  if (Array.isArray(tree)) {
    for (const item of tree) yield* nodes(item, kind);
  } else if (tree && typeof tree === 'object') {
    yield [kind, tree as Node];
    for (const [key, value] of Object.entries(tree)) yield* nodes(value, key);
  }
}

const TIMEOUTS = new Set(['lock_timeout', 'statement_timeout']);

/** What in a parsed statement would drop the run lock or lift the lock bound, if anything. */
function danger(tree: unknown): string | undefined {
  for (const [kind, node] of nodes(tree)) {
    if (kind === 'DiscardStmt') return 'DISCARD would drop the run lock and lift the lock bound';
    if (kind === 'VariableSetStmt') {
      const name = String(node.name ?? '');
      if (node.kind === 'VAR_RESET_ALL' || TIMEOUTS.has(name)) {
        return `${node.kind === 'VAR_RESET_ALL' ? 'RESET ALL' : `SET ${name}`} would lift the lock bound`;
      }
      return `SET ${name || String(node.kind)} changes the session: steps never do`;
    }
    if (kind === 'FuncCall') {
      const name = ((node.funcname as { String?: { sval?: string } }[] | undefined) ?? [])
        .map((n) => n.String?.sval ?? '')
        .at(-1);
      // set_config of another setting (our steps set TimeZone for one transaction) is harmless.
      const first = (node.args as { A_Const?: { sval?: { sval?: string } } }[] | undefined)?.[0];
      const setting = first?.A_Const?.sval?.sval?.toLowerCase();
      if (name === 'set_config' && (setting === undefined || TIMEOUTS.has(setting))) {
        return 'set_config() of a timeout would lift the lock bound';
      }
      if (name?.startsWith('pg_advisory_unlock')) return `${name}() would drop the run lock`;
    }
  }
  return undefined;
}

/** Dangers inside a DO block's PL/pgSQL: its SQL statements, and SQL it builds at run time. */
function dangerInDo(parser: Parser, statementText: string): string | undefined {
  let tree: unknown;
  try {
    tree = parser.parsePlPgSQLSync(statementText);
  } catch {
    return 'its DO block does not parse as PL/pgSQL';
  }
  for (const [kind, node] of nodes(tree)) {
    if (kind === 'PLpgSQL_stmt_dynexecute') {
      // Built at run time, so the parser cannot see the statement: judge the text that builds it.
      const query = JSON.stringify(node.query ?? '');
      if (/lock_|timeout|set_config|discard|reset|advisory/i.test(query)) {
        return 'a DO block builds SET lock_timeout (or the like) at run time: that would lift the lock bound';
      }
    }
    if (kind === 'PLpgSQL_expr' && typeof node.query === 'string') {
      for (const text of [node.query, `SELECT ${node.query}`]) {
        try {
          const found = danger(parser.parseSync(text));
          if (found) return found;
          break;
        } catch {
          // an expression, not a statement: tried again with SELECT in front
        }
      }
    }
  }
  return undefined;
}

interface Statement {
  text: string;
  start: number;
  tree: Node;
}

function explain(parser: Parser, statement: Statement): string | undefined {
  return 'DoStmt' in statement.tree ? dangerInDo(parser, statement.text) : danger(statement.tree);
}

const normalize = (sql: string): string => sql.replace(/[ \t]+$/gm, '').trim();

/** Parses a reviewed file into its steps, or throws ReviewedFileError naming the line at fault. */
export async function readReviewedFile(original: string): Promise<ReviewedFile> {
  const parser = await import('libpg-query');
  await parser.loadModule();
  const text = original.replace(/\r\n/g, '\n');
  const at = positions(text);

  let parsed: ReturnType<Parser['parseSync']>;
  try {
    parsed = parser.parseSync(text);
  } catch (error) {
    const cursor = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0;
    const char = at.char(cursor);
    const line = at.line(char);
    if (text[char] === '\\') {
      const command = /^\\\S*/.exec(text.slice(char))?.[0] ?? '\\';
      throw new ReviewedFileError(line, `psql meta-command ${command}: a reviewed file holds SQL steps only`);
    }
    throw new ReviewedFileError(line, `does not parse: ${(error as Error).message}`);
  }
  const tokens = parser.scanSync(text).tokens;
  // The parser gives the last statement no length: it ends at the last token that is not a comment.
  const lastCode = tokens.filter((t) => !/COMMENT/.test(t.tokenName) && t.text !== ';').at(-1);
  const statements: Statement[] = (parsed.stmts ?? []).map((s) => {
    const start = at.char(s.stmt_location ?? 0);
    const end = at.char(s.stmt_len ? (s.stmt_location ?? 0) + s.stmt_len : (lastCode?.end ?? 0));
    return { text: text.slice(start, end), start, tree: s.stmt as Node };
  });

  // Step headers: `-- step N/M: …` comments at the start of a line.
  const headers: { start: number; line: number; comment: string }[] = [];
  for (const token of tokens) {
    if (token.tokenName !== 'SQL_COMMENT' || !/^-- step\b/.test(token.text)) continue;
    const start = at.char(token.start);
    if (!/^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', start - 1) + 1, start))) continue;
    headers.push({ start, line: at.line(start), comment: token.text });
  }

  /** A step region read: its header parsed and its SQL matched against what the header stands for. */
  function readStep(
    header: { line: number; comment: string; start: number },
    own: Statement[],
    previous: number,
    total: number | undefined,
  ) {
    let read;
    try {
      if (!HEADER_PREFIX.test(header.comment)) throw new HeaderError('write it as `-- step N/M: …`');
      read = parseHeader(header.comment);
    } catch (error) {
      throw new ReviewedFileError(header.line, `step header: ${(error as Error).message}`);
    }
    if (read.index <= previous || read.index > read.total || (total !== undefined && read.total !== total)) {
      throw new ReviewedFileError(
        header.line,
        `step ${read.index}/${read.total} is out of order (steps may be deleted, not moved or merged)`,
      );
    }
    const written = own.map((s) => normalize(s.text));
    const strategy = STRATEGIES.find((candidate) => {
      const expected = stepStatements(read.step, candidate).map(normalize);
      return expected.length === written.length && expected.every((sql, n) => sql === written[n]);
    });
    if (strategy === undefined) {
      // The statements that are not partition-keeper's: the first that is dangerous is named.
      const ours = new Set(STRATEGIES.flatMap((c) => stepStatements(read.step, c).map(normalize)));
      const culprit = own.find((s) => !ours.has(normalize(s.text)) && explain(parser, s) !== undefined);
      const line = at.line((culprit ?? own[0])?.start ?? header.start);
      const why = culprit
        ? explain(parser, culprit)
        : own.length === 0
          ? 'it has no SQL'
          : 'its SQL is not the SQL its header stands for';
      throw new ReviewedFileError(
        line,
        `step ${read.index} (header at line ${header.line}): ${why}. ` +
          'apply --sql runs reviewed files exactly as partition-keeper wrote them (a file written by another ' +
          'version of partition-keeper is refused too): regenerate it with `plan --format sql`',
      );
    }
    return { step: read.step, strategy, line: header.line, index: read.index, total: read.total };
  }

  // Regions: before the first header (comments and the lock bound for psql), then one per step.
  // Each region's statements, but BEGIN/COMMIT, must be what it stands for; BEGIN and COMMIT may
  // stand between whole steps, grouping steps of one table into one transaction.
  const regions = [
    { start: -1, header: undefined },
    ...headers.map((header) => ({ start: header.start, header })),
  ].map((region, i, all) => {
    const end = all[i + 1]?.start ?? text.length;
    const own = statements.filter((s) => s.start > region.start && s.start < end);
    return {
      ...region,
      body: own.filter((s) => !('TransactionStmt' in s.tree)),
      transactions: own.filter((s) => 'TransactionStmt' in s.tree),
    };
  });

  const steps: ReviewedStep[] = [];
  let total: number | undefined;
  let block: { line: number; id: number; parent?: string; steps: number } | undefined;
  let blocks = 0;
  for (const region of regions) {
    if (region.header === undefined) {
      for (const statement of region.body) {
        const set = statement.tree.VariableSetStmt as Node | undefined;
        if (set?.name === 'lock_timeout' && set.kind === 'VAR_SET_VALUE' && !set.is_local) {
          if (isLockBound(statement.text)) continue;
          throw new ReviewedFileError(
            at.line(statement.start),
            `SET lock_timeout must bound lock waits for psql: write it as '<1 to ${MAX_LOCK_TIMEOUT_MS}>ms', as plan writes it`,
          );
        }
        const why = explain(parser, statement);
        throw new ReviewedFileError(
          at.line(statement.start),
          `SQL outside any step${why ? ` (${why})` : ''}: every statement must belong to a step header`,
        );
      }
    } else {
      const step = readStep(region.header, region.body, steps.at(-1)?.index ?? 0, total);
      total = step.total;
      if (block && (isEffect(step.step) || (step.step.kind === 'detach' && step.step.concurrently))) {
        throw new ReviewedFileError(
          step.line,
          `step ${step.index} (${step.step.kind}${step.step.kind === 'detach' ? ' concurrently' : ''}) cannot run inside ` +
            `the BEGIN … COMMIT block begun at line ${block.line}: ` +
            (isEffect(step.step)
              ? 'it is not SQL'
              : 'DETACH … CONCURRENTLY runs outside any transaction block'),
        );
      }
      if (block) {
        const parent = quoteQualified(step.step.parent);
        if (block.parent !== undefined && block.parent !== parent) {
          throw new ReviewedFileError(
            step.line,
            `the BEGIN at line ${block.line} groups steps of two tables (${block.parent} and ${parent}): ` +
              'a BEGIN … COMMIT block may hold the steps of one table only',
          );
        }
        block.parent = parent;
        block.steps += 1;
      }
      steps.push({
        step: step.step,
        strategy: step.strategy,
        line: step.line,
        index: step.index,
        ...(block && { block: block.id }),
      });
    }
    const lastBody = region.body.at(-1)?.start ?? -1;
    for (const statement of region.transactions) {
      const line = at.line(statement.start);
      const kind = String((statement.tree.TransactionStmt as Node).kind);
      const options = (statement.tree.TransactionStmt as Node).options;
      if (statement.start < lastBody) {
        throw new ReviewedFileError(line, 'BEGIN and COMMIT may stand only between whole steps');
      }
      if ((kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') && options === undefined) {
        if (block) throw new ReviewedFileError(line, `BEGIN inside the block begun at line ${block.line}`);
        blocks += 1;
        block = { line, id: blocks, steps: 0 };
      } else if (kind === 'TRANS_STMT_COMMIT') {
        if (!block) throw new ReviewedFileError(line, 'COMMIT without a BEGIN before it');
        if (block.steps === 0) throw new ReviewedFileError(line, 'this BEGIN … COMMIT block holds no step');
        block = undefined;
      } else {
        throw new ReviewedFileError(
          line,
          `${statement.text.trim().split(/\s+/)[0]?.toUpperCase()}: a reviewed file may group steps ` +
            'with a plain BEGIN … COMMIT, nothing else of transaction control',
        );
      }
    }
  }
  if (block) throw new ReviewedFileError(block.line, 'this BEGIN has no COMMIT after it');
  return { steps };
}
