import { describe, expect, it } from 'vitest';
import { daysFromCivil, parsePartitionBound } from '../../src/catalog/bounds';

const range = (from: string, to: string): string => `FOR VALUES FROM (${from}) TO (${to})`;

describe('parsePartitionBound', () => {
  it('reads DEFAULT', () => {
    expect(parsePartitionBound('DEFAULT', 'date')).toEqual({ kind: 'default' });
    expect(parsePartitionBound('DEFAULT', 'timestamptz')).toEqual({ kind: 'default' });
  });

  it('reads a date range as UTC midnights, keeping the literals', () => {
    expect(parsePartitionBound(range("'2024-01-01'", "'2024-02-01'"), 'date')).toEqual({
      kind: 'range',
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 1, 1),
      fromText: '2024-01-01',
      toText: '2024-02-01',
    });
  });

  it('reads MINVALUE and MAXVALUE as infinities', () => {
    expect(parsePartitionBound(range('MINVALUE', "'2024-01-01'"), 'date')).toEqual({
      kind: 'range',
      from: -Infinity,
      to: Date.UTC(2024, 0, 1),
      fromText: 'MINVALUE',
      toText: '2024-01-01',
    });
    expect(parsePartitionBound(range("'2024-01-01 00:00:00+00'", 'MAXVALUE'), 'timestamptz')).toMatchObject({
      from: Date.UTC(2024, 0, 1),
      to: Infinity,
      toText: 'MAXVALUE',
    });
  });

  it("reads 'infinity' and '-infinity' for every key type", () => {
    for (const keyType of ['date', 'timestamp', 'timestamptz'] as const) {
      expect(parsePartitionBound(range("'-infinity'", "'infinity'"), keyType)).toEqual({
        kind: 'range',
        from: -Infinity,
        to: Infinity,
        fromText: '-infinity',
        toText: 'infinity',
      });
    }
  });

  it('reads timestamps as wall-clock time taken as UTC, with fractional seconds', () => {
    expect(
      parsePartitionBound(range("'2024-01-01 00:00:00'", "'2024-01-01 06:30:15.123456'"), 'timestamp'),
    ).toEqual({
      kind: 'range',
      from: Date.UTC(2024, 0, 1),
      to: Date.UTC(2024, 0, 1, 6, 30, 15, 123) + 0.456,
      fromText: '2024-01-01 00:00:00',
      toText: '2024-01-01 06:30:15.123456',
    });
    const half = parsePartitionBound(range("'2024-01-01 00:00:00.5'", "'2024-01-01 00:00:01'"), 'timestamp');
    expect(half).toMatchObject({ from: Date.UTC(2024, 0, 1, 0, 0, 0, 500) });
  });

  it('reads timestamptz values at the instant their offset says', () => {
    const berlinMidnight = Date.UTC(2023, 11, 31, 23);
    expect(
      parsePartitionBound(range("'2023-12-31 23:00:00+00'", "'2024-01-01 00:00:00+01'"), 'timestamptz'),
    ).toEqual({
      kind: 'range',
      from: berlinMidnight,
      to: berlinMidnight,
      fromText: '2023-12-31 23:00:00+00',
      toText: '2024-01-01 00:00:00+01',
    });
    const bound = (literal: string): number => {
      const parsed = parsePartitionBound(range(`'${literal}'`, 'MAXVALUE'), 'timestamptz');
      if (parsed.kind !== 'range') throw new Error('not a range');
      return parsed.from;
    };
    expect(bound('2024-01-01 05:30:00+05:30')).toBe(Date.UTC(2024, 0, 1));
    expect(bound('2023-12-31 21:00:00-03')).toBe(Date.UTC(2024, 0, 1));
    expect(bound('2024-01-01 00:00:00.123456+00')).toBe(Date.UTC(2024, 0, 1, 0, 0, 0, 123) + 0.456);
    // Local mean time before standard zones: offsets carry seconds.
    expect(bound('1800-01-01 00:53:28+00:53:28')).toBe(Date.UTC(1800, 0, 1));
  });

  it('maps BC dates to finite values on the proleptic Gregorian calendar', () => {
    const ides = new Date(0);
    ides.setUTCFullYear(-43, 2, 15); // 44 BC is astronomical year -43
    ides.setUTCHours(0, 0, 0, 0);
    const parsed = parsePartitionBound(range("'0044-03-15 BC'", "'0001-01-01'"), 'date');
    expect(parsed).toEqual({
      kind: 'range',
      from: ides.getTime(),
      to: new Date('0001-01-01T00:00:00Z').getTime(),
      fromText: '0044-03-15 BC',
      toText: '0001-01-01',
    });
    expect(parsePartitionBound(range("'0044-03-15 00:00:00 BC'", 'MAXVALUE'), 'timestamp')).toMatchObject({
      from: ides.getTime(),
    });
    expect(
      parsePartitionBound(range("'0044-03-15 00:00:00+00 BC'", 'MAXVALUE'), 'timestamptz'),
    ).toMatchObject({
      from: ides.getTime(),
    });
  });

  it('reads years beyond 9999', () => {
    expect(parsePartitionBound(range("'9999-12-31'", "'10000-01-01'"), 'date')).toMatchObject({
      from: Date.UTC(9999, 11, 31),
      to: Date.UTC(10000, 0, 1),
    });
  });

  it('rejects, naming the expression, what is not a one-column range bound of the key type', () => {
    const bad: [string, 'date' | 'timestamp' | 'timestamptz'][] = [
      ["FOR VALUES IN ('2024-01-01')", 'date'],
      ['FOR VALUES WITH (modulus 4, remainder 0)', 'date'],
      [range("'2024-01-01', 1", "'2024-02-01', 1"), 'date'],
      [range("'2024-01-01 00:00:00'", "'2024-02-01 00:00:00'"), 'date'],
      [range("'2024-01-01'", "'2024-02-01'"), 'timestamp'],
      [range("'2024-01-01 00:00:00+00'", "'2024-02-01 00:00:00+00'"), 'timestamp'],
      [range("'2024-01-01 00:00:00'", "'2024-02-01 00:00:00'"), 'timestamptz'],
      [range("'2024-13-01'", "'2024-02-01'"), 'date'],
      [range("'2023-02-29'", "'2024-02-01'"), 'date'],
      [range("'01/01/2024'", "'02/01/2024'"), 'date'],
      ['', 'date'],
    ];
    for (const [expr, keyType] of bad) {
      expect(() => parsePartitionBound(expr, keyType), `${expr} as ${keyType}`).toThrow(
        `partition bound ${JSON.stringify(expr)}`,
      );
    }
  });
});

describe('daysFromCivil', () => {
  it('agrees with Date.UTC across leap years and centuries', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2000, 2, 29],
      [1900, 3, 1],
      [2100, 2, 28],
      [1600, 12, 31],
      [2024, 7, 15],
    ] as const) {
      expect(daysFromCivil(y, m, d) * 86_400_000, `${y}-${m}-${d}`).toBe(Date.UTC(y, m - 1, d));
    }
  });
});
