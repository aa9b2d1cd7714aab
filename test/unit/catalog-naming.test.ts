import { describe, expect, it } from 'vitest';
import { carriesNaming, namePrefix } from '../../src/catalog/archived';
import { classifyParent, keyTypeOf, type ParentFacts } from '../../src/catalog/problems';

describe('namePrefix (what the catalog query filters archived candidates on)', () => {
  it('fills in {parent} and stops at the first date token', () => {
    expect(namePrefix('{parent}_y{YYYY}m{MM}', 'claim_line_items')).toBe('claim_line_items_y');
    expect(namePrefix('{parent}_{YYYY}', 'kid_absences')).toBe('kid_absences_');
    expect(namePrefix('archive_{parent}_{YYYY}', 'orders')).toBe('archive_orders_');
  });

  it('is empty when the template starts with a date token (correct, only slower)', () => {
    expect(namePrefix('{YYYY}_{parent}', 'orders')).toBe('');
  });

  it('is a prefix of every name the full pattern accepts', () => {
    const template = '{parent}_y{IYYY}w{WW}';
    const ours = carriesNaming(template, 'Orders; 2024');
    expect(ours('Orders; 2024_y2024w07')).toBe(true);
    expect(ours('Orders; 2024_y2024w07_old')).toBe(false);
    expect('Orders; 2024_y2024w07'.startsWith(namePrefix(template, 'Orders; 2024'))).toBe(true);
  });
});

describe('keyTypeOf', () => {
  it('knows date, timestamp and timestamptz in format_type spelling, with any precision', () => {
    expect(keyTypeOf('date')).toBe('date');
    expect(keyTypeOf('timestamp without time zone')).toBe('timestamp');
    expect(keyTypeOf('timestamp(3) without time zone')).toBe('timestamp');
    expect(keyTypeOf('timestamp with time zone')).toBe('timestamptz');
    expect(keyTypeOf('timestamp(0) with time zone')).toBe('timestamptz');
    expect(keyTypeOf('integer')).toBeUndefined();
    expect(keyTypeOf('time without time zone')).toBeUndefined();
  });
});

describe('classifyParent', () => {
  const healthy: ParentFacts = {
    display: '"Sales EU".orders',
    schemaExists: true,
    relkind: 'p',
    strategy: 'r',
    keyColumns: 1,
    expressionKey: false,
    keyDefinition: 'RANGE (at)',
    keyColumn: 'at',
    keyTypeName: 'date',
  };

  it('accepts a single-column range key of a supported type', () => {
    expect(classifyParent(healthy)).toEqual({
      ok: true,
      keyColumn: 'at',
      keyTypeName: 'date',
      keyType: 'date',
    });
  });

  it('names the table as written in SQL in every problem', () => {
    const cases: [Partial<ParentFacts>, string][] = [
      [{ relkind: null }, 'missing'],
      [{ relkind: 'r', strategy: null }, 'not-partitioned'],
      [{ relkind: 'm', strategy: null }, 'not-partitioned'],
      [{ strategy: 'l' }, 'not-range'],
      [{ strategy: 'h' }, 'not-range'],
      [{ keyColumns: 2 }, 'multi-column'],
      [{ expressionKey: true, keyColumn: null, keyTypeName: null }, 'multi-column'],
      [{ keyTypeName: 'bigint' }, 'unsupported-key-type'],
    ];
    for (const [facts, code] of cases) {
      const verdict = classifyParent({ ...healthy, ...facts });
      expect(verdict, code).toMatchObject({
        ok: false,
        code,
        message: expect.stringMatching(/^"Sales EU"\.orders /),
      });
    }
  });

  it('says which strategy and which type it found', () => {
    expect(classifyParent({ ...healthy, strategy: 'h', keyDefinition: 'HASH (id)' })).toMatchObject({
      message: expect.stringContaining('partitioned by HASH (HASH (id)), not RANGE'),
    });
    expect(classifyParent({ ...healthy, keyTypeName: 'bigint' })).toMatchObject({
      message: expect.stringContaining('on at of type bigint'),
    });
    expect(classifyParent({ ...healthy, relkind: 'm' })).toMatchObject({
      message: expect.stringContaining('is a materialized view, not a table'),
    });
  });
});
