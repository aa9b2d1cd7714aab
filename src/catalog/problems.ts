// Why a configured table cannot be managed, in words that say what is needed instead.
import type { KeyType, ParentProblem } from '../types';

/** What the catalog query says about one configured parent (see queries.ts: `parent`). */
export interface ParentFacts {
  /** schema.name as written in SQL, for messages. */
  display: string;
  schemaExists: boolean;
  /** pg_class.relkind, null when no such relation. */
  relkind: string | null;
  /** pg_partitioned_table.partstrat: r, l or h. */
  strategy: string | null;
  keyColumns: number | null;
  expressionKey: boolean | null;
  /** pg_get_partkeydef, e.g. `RANGE (service_date)`. */
  keyDefinition: string | null;
  keyColumn: string | null;
  keyTypeName: string | null;
}

export type Classification =
  | { ok: true; keyColumn: string; keyTypeName: string; keyType: KeyType }
  | { ok: false; code: ParentProblem; message: string };

const WHAT_WE_MANAGE = 'partition-keeper manages tables created with PARTITION BY RANGE (column)';
const ALLOWED_TYPES = 'date, timestamp without time zone or timestamp with time zone';

const RELKIND_NAMES: Record<string, string> = {
  i: 'an index',
  I: 'a partitioned index',
  S: 'a sequence',
  t: 'a TOAST table',
  v: 'a view',
  m: 'a materialized view',
  c: 'a composite type',
  f: 'a foreign table',
};

// '+' is not a relkind: the snapshot's mark for a relation that is a partition (relispartition).
const TABLE_KIND_NAMES: Record<string, string> = {
  r: 'a table',
  p: 'a partitioned table',
  '+': 'a partition',
};

/** What a relation is, in words, from its relkind ('+' for any partition); 'a relation' when unknown. */
export function relationKindName(relkind: string): string {
  return TABLE_KIND_NAMES[relkind] ?? RELKIND_NAMES[relkind] ?? 'a relation';
}

const STRATEGY_NAMES: Record<string, string> = { r: 'RANGE', l: 'LIST', h: 'HASH' };

/** The key types we handle, from format_type's spelling (precision such as timestamp(0) is fine). */
export function keyTypeOf(typeName: string): KeyType | undefined {
  if (typeName === 'date') return 'date';
  if (/^timestamp(\(\d+\))? without time zone$/.test(typeName)) return 'timestamp';
  if (/^timestamp(\(\d+\))? with time zone$/.test(typeName)) return 'timestamptz';
  return undefined;
}

export function classifyParent(facts: ParentFacts): Classification {
  const table = facts.display;
  const problem = (code: ParentProblem, message: string): Classification => ({ ok: false, code, message });

  if (facts.relkind === null) {
    const why = facts.schemaExists ? '' : ' (there is no such schema)';
    return problem(
      'missing',
      `${table} does not exist${why}; create it with PARTITION BY RANGE (column) or fix the name`,
    );
  }
  if (facts.relkind !== 'p') {
    const what = RELKIND_NAMES[facts.relkind];
    return problem(
      'not-partitioned',
      what
        ? `${table} is ${what}, not a table; ${WHAT_WE_MANAGE}`
        : `${table} is not partitioned; ${WHAT_WE_MANAGE}`,
    );
  }
  const definition = facts.keyDefinition ?? 'an unknown key';
  if (facts.strategy !== 'r') {
    const strategy = STRATEGY_NAMES[facts.strategy ?? ''] ?? `strategy ${facts.strategy ?? '?'}`;
    return problem(
      'not-range',
      `${table} is partitioned by ${strategy} (${definition}), not RANGE; ${WHAT_WE_MANAGE}`,
    );
  }
  if (facts.keyColumns !== 1) {
    return problem(
      'multi-column',
      `${table} is partitioned on ${facts.keyColumns ?? '?'} columns (${definition}); ` +
        `partition-keeper needs a single key column of type ${ALLOWED_TYPES}`,
    );
  }
  if (facts.expressionKey || facts.keyColumn === null || facts.keyTypeName === null) {
    return problem(
      'multi-column',
      `${table} is partitioned on an expression (${definition}); ` +
        `partition-keeper needs a plain key column of type ${ALLOWED_TYPES}`,
    );
  }
  const keyType = keyTypeOf(facts.keyTypeName);
  if (!keyType) {
    return problem(
      'unsupported-key-type',
      `${table} is partitioned on ${facts.keyColumn} of type ${facts.keyTypeName}; ` +
        `partition-keeper supports keys of type ${ALLOWED_TYPES}`,
    );
  }
  return { ok: true, keyColumn: facts.keyColumn, keyTypeName: facts.keyTypeName, keyType };
}
