// Every identifier and literal that reaches SQL goes through this module.
import type { QualifiedName } from '../types';

// PostgreSQL's reserved key words and those that cannot name a table without quotes
// (RESERVED and TYPE_FUNC_NAME in src/include/parser/kwlist.h, PostgreSQL 15–18).
const NEEDS_QUOTES = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check ' +
    'collate collation column concurrently constraint create cross current_catalog current_date ' +
    'current_role current_schema current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign freeze from full grant group having ilike in ' +
    'initially inner intersect into is isnull join lateral leading left like limit localtime ' +
    'localtimestamp natural not notnull null offset on only or order outer overlaps placing primary ' +
    'references returning right select session_user similar some symmetric system_user table tablesample ' +
    'then to trailing true union unique user using variadic verbose when where window with'
  ).split(' '),
);

/** Quotes an identifier only when PostgreSQL needs it, so generated SQL stays readable in review. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !NEEDS_QUOTES.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteQualified(relation: QualifiedName): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
}

/** A string literal. standard_conforming_strings is on since PostgreSQL 9.1, so only ' needs doubling. */
export function quoteLiteral(value: string): string {
  if (value.includes('\\')) return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Names in code-unit order: the same on every machine, whatever its locale (for tie-breaks; it is
 * PostgreSQL's C order for every name but those mixing characters beyond U+FFFF with U+E000–U+FFFF).
 */
export const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Key for maps of relations: the unquoted parts, unambiguous whatever characters they hold. */
export function relationKey(relation: QualifiedName): string {
  // The length prefix makes it unambiguous whatever the names hold; cheap, as it runs per name.
  return `${relation.schema.length}:${relation.schema}.${relation.name}`;
}

/**
 * Parses a relation name written as in SQL: `orders`, `sales.orders`, `"Sales EU"."Orders; 2024"`.
 * Unquoted parts fold to lower case; a bare name resolves in `public`.
 * Throws an Error whose message says what is wrong (without the config context; the caller adds it).
 */
export function parseQualifiedName(text: string): QualifiedName {
  const parts: string[] = [];
  let i = 0;
  const input = text.trim();
  if (input === '') throw new Error('is empty; write it as in SQL, e.g. public.orders');
  while (i < input.length) {
    let part: string;
    if (input[i] === '"') {
      let j = i + 1;
      part = '';
      for (;;) {
        if (j >= input.length) throw new Error(`has an unterminated quoted name: ${text}`);
        if (input[j] === '"') {
          if (input[j + 1] === '"') {
            part += '"';
            j += 2;
            continue;
          }
          break;
        }
        part += input[j];
        j += 1;
      }
      if (part === '') throw new Error(`has an empty quoted name: ${text}`);
      i = j + 1;
    } else {
      const match = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(input.slice(i));
      if (!match) {
        throw new Error(
          `is not a valid name: ${text} (quote parts with spaces or symbols: '"Sales EU".orders')`,
        );
      }
      part = match[0].toLowerCase();
      i += match[0].length;
    }
    parts.push(part);
    if (i < input.length) {
      if (input[i] !== '.') {
        throw new Error(
          `is not a valid name: ${text} (quote parts with spaces or symbols: '"Sales EU".orders')`,
        );
      }
      i += 1;
      if (i >= input.length) throw new Error(`ends with a dot: ${text}`);
    }
  }
  if (parts.length > 2) throw new Error(`has ${parts.length} parts; write schema.table or table: ${text}`);
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { schema: 'public', name: first } : { schema: first, name: second };
}

/** Byte length as PostgreSQL counts it for the 63-byte identifier limit (NAMEDATALEN - 1). */
export function identifierBytes(name: string): number {
  // Most names are ASCII, one byte a character; Buffer.byteLength is slow in bulk (config checks
  // measure every sampled name of every table).
  return /[\u0080-\uffff]/.test(name) ? Buffer.byteLength(name, 'utf8') : name.length;
}

export const MAX_IDENTIFIER_BYTES = 63;
