// splitSql: the units `apply --sql` runs one at a time. Over files we render ourselves (DO blocks,
// quoted names) and over hand-written SQL a reviewer might add (strings, comments, BEGIN … COMMIT).
import { describe, expect, it } from 'vitest';
import { createComment, renderPlanSql } from '../../src/sql/render';
import { splitSql, type SqlUnit } from '../../src/sql/split';
import type { PlannedCreate, TablePlan } from '../../src/types';

const NO_COVERAGE = { through: null, aheadPeriods: 0, ok: false };

function create(name: string, from: string, to: string, extra: Partial<PlannedCreate> = {}): PlannedCreate {
  return {
    schema: 'public',
    name,
    from,
    to,
    fromValue: Date.parse(from),
    toValue: Date.parse(to),
    reason: 'premake',
    defaultRows: 0,
    ...extra,
  };
}

function table(name: string, creates: PlannedCreate[], extra: Partial<TablePlan> = {}): TablePlan {
  return {
    table: `public.${name}`,
    schema: 'public',
    name,
    interval: 'month',
    keyType: 'date',
    keyColumn: 'day',
    timezone: 'UTC',
    coverage: NO_COVERAGE,
    coverageAfterPlan: NO_COVERAGE,
    create: creates,
    archive: [],
    findings: [],
    skipped: false,
    ...extra,
  };
}

/** The text of the file from the unit's line on starts with the unit's SQL. */
function expectAtItsLine(text: string, unit: SqlUnit): void {
  const fromLine = text
    .split('\n')
    .slice(unit.line - 1)
    .join('\n');
  expect(fromLine.startsWith(unit.sql)).toBe(true);
}

describe('splitSql over rendered plans', () => {
  // Odd names on purpose: ';' and quotes inside quoted identifiers, '$pk$' inside a name
  // (so the DO block needs another dollar tag), a backslash (an E'' literal in the DO body).
  const odd = 'Sales; "EU" $pk$ o\'b\\x';
  const plan = {
    now: '2024-02-15',
    tables: [
      table('orders', [create('orders_y2024m03', '2024-03-01', '2024-04-01')]),
      table(odd, [create(`${odd}_y2024m03`, '2024-03-01', '2024-04-01', { defaultRows: 2 })], {
        table: `public."${odd}"`,
        keyColumn: 'day;1',
        defaultPartition: { schema: 'public', name: `${odd}_default` },
      }),
      table('events', [create('events_y2024m03', '2024-03-01', '2024-04-01', { adopt: true })]),
    ],
  };

  it.each(['attach', 'partition-of'] as const)('%s: one unit per statement, at its line', (strategy) => {
    const text = renderPlanSql(plan, { strategy, lockTimeoutMs: 150 });
    const units = splitSql(text);
    const kinds = units.map((u) => u.sql.split(/\s/)[0]);
    const orders = strategy === 'attach' ? 'DO' : 'CREATE';
    // SET; orders; the odd table (DEFAULT: one DO block whatever the strategy); events (adopted: attach).
    expect(kinds).toEqual(['SET', orders, 'DO', 'DO']);
    expect(units[0]?.sql).toBe("SET lock_timeout = '150ms';");
    for (const unit of units) {
      expect(unit.transaction).toBe(false);
      expect(unit.sql.endsWith(';')).toBe(true);
      expectAtItsLine(text, unit);
    }
    // The DO blocks come out whole, semicolons inside and all.
    const moves = units.filter((u) => u.sql.includes('DELETE FROM'));
    expect(moves).toHaveLength(1);
    expect(moves[0]?.sql).toMatch(/^DO \$pk1\$\n[\s\S]*\n\$pk1\$;$/);
    expect(moves[0]?.sql.split(';').length).toBeGreaterThan(10);
    const attaches = units.filter((u) => u.sql.includes('ATTACH PARTITION') && !u.sql.includes('DELETE'));
    expect(attaches.length).toBe(strategy === 'attach' ? 2 : 1);
    for (const a of attaches) expect(a.sql).toMatch(/^DO \$pk\$\nBEGIN\n[\s\S]*\nEND\n\$pk\$;$/);
    // Each partition's reason comment is the comment of its first statement.
    const [, firstOrders] = units;
    expect(firstOrders?.comment).toBe(createComment(plan.tables[0]!, plan.tables[0]!.create[0]!).slice(3));
    expect(units[0]?.comment).toMatch(/^partition-keeper plan for 2024-02-15: 3 partitions to create\./);
    // Nothing of the file is lost: every statement's text, in order.
    const rejoined = units.map((u) => u.sql).join('\n');
    const statementsOnly = text
      .split('\n')
      .filter((l) => !/^\s*(--.*)?$/.test(l))
      .join('\n');
    expect(rejoined).toBe(statementsOnly);
  });
});

describe('splitSql over hand-written SQL', () => {
  const sqlOf = (text: string): string[] => splitSql(text).map((u) => u.sql);

  it('semicolons inside strings, doubled quotes, E strings and quoted identifiers', () => {
    expect(
      sqlOf(
        [
          "insert into t values ('a;b', 'it''s; fine', '');",
          "select E'\\';still one', e'a\\\\' as x;",
          'select 1 as "odd;""name";',
          "select name'a\\'; select 2;", // not an E string: the backslash is an ordinary character
          'select $1, a$b$c, $$x;$$, $q$ $$; $q$;',
        ].join('\n'),
      ),
    ).toEqual([
      "insert into t values ('a;b', 'it''s; fine', '');",
      "select E'\\';still one', e'a\\\\' as x;",
      'select 1 as "odd;""name";',
      "select name'a\\';",
      'select 2;',
      'select $1, a$b$c, $$x;$$, $q$ $$; $q$;',
    ]);
  });

  it('line comments and nested block comments', () => {
    const units = splitSql(
      [
        '-- first; with a semicolon',
        '--   and a second line',
        'select 1; /* a; /* nested; */ still; */ select 2;',
        '',
        'select 3 -- trailing; comment',
        ';',
        '-- only a comment at the end; nothing to run',
      ].join('\n'),
    );
    expect(units.map((u) => [u.sql, u.comment, u.line])).toEqual([
      ['select 1;', 'first; with a semicolon\n  and a second line', 3],
      ['/* a; /* nested; */ still; */ select 2;', '', 3],
      ['select 3 -- trailing; comment\n;', '', 5],
    ]);
  });

  it('line numbers count from 1 past blank lines, comments and multi-line statements', () => {
    const text = '\n\nselect\n  1;\n\n-- why\nselect 2;\nselect 3;';
    expect(splitSql(text).map((u) => u.line)).toEqual([3, 7, 8]);
    for (const unit of splitSql(text)) expectAtItsLine(text, unit);
  });

  it('BEGIN … COMMIT stays one unit (transaction true); a DO block with BEGIN inside does not', () => {
    const units = splitSql(
      [
        '-- the move, reviewed',
        'BEGIN;',
        "insert into t values (1, 'a;b');",
        '-- a comment inside',
        'delete from d where k = 1;',
        'COMMIT;',
        'DO $$ BEGIN PERFORM 1; END $$;',
        'start transaction isolation level serializable;',
        'select 1;',
        'end;',
        'begin; rollback;',
      ].join('\n'),
    );
    expect(units.map((u) => [u.transaction, u.line, u.comment])).toEqual([
      [true, 2, 'the move, reviewed'],
      [false, 7, ''],
      [true, 8, ''],
      [true, 11, ''],
    ]);
    expect(units[0]?.sql).toBe(
      "BEGIN;\ninsert into t values (1, 'a;b');\ndelete from d where k = 1;\nCOMMIT;",
    );
    expect(units[2]?.sql).toBe('start transaction isolation level serializable;\nselect 1;\nend;');
    expect(units[3]?.sql).toBe('begin;\nrollback;');
  });

  it('ROLLBACK TO SAVEPOINT inside a block does not end it', () => {
    const units = splitSql(
      'BEGIN;\nsavepoint s;\ninsert into t values (1);\nrollback to savepoint s;\nROLLBACK TRANSACTION TO s;\ncommit;\nselect 1;',
    );
    expect(units.map((u) => [u.transaction, u.sql.split('\n').length])).toEqual([
      [true, 6],
      [false, 1],
    ]);
  });

  it('a block comment before BEGIN, and CRLF line ends, still make one transaction', () => {
    const text =
      '-- reviewed by ops\r\n/* step 1 */ BEGIN;\r\ninsert into t values (1);\r\nCOMMIT;\r\nselect 2;\r\n';
    const units = splitSql(text);
    expect(units.map((u) => [u.transaction, u.line, u.comment])).toEqual([
      [true, 2, 'reviewed by ops'],
      [false, 5, ''],
    ]);
    expect(units[0]?.sql).toBe('/* step 1 */ BEGIN;\ninsert into t values (1);\nCOMMIT;');
  });

  it('BEGIN without COMMIT is an error naming the line', () => {
    expect(() => splitSql('select 1;\n\nBEGIN;\ninsert into t values (1);\n')).toThrow(
      'line 3: BEGIN without COMMIT',
    );
  });

  it('nothing to run: empty text, blank lines, comments only', () => {
    expect(splitSql('')).toEqual([]);
    expect(splitSql('\n  \n-- a\n-- b;\n')).toEqual([]);
  });
});
