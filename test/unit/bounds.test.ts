import { describe, expect, it } from 'vitest';
import { boundToDay, dateToBound, formatBound } from '../../src/plan/bounds';
import { addDays } from '../../src/plan/calendar';

const utc = (text: string): number => Date.parse(text);

describe('dateToBound', () => {
  it('reads dates and timestamps as UTC wall clocks, whatever the zone', () => {
    expect(dateToBound('2024-02-29', 'date', 'Asia/Kolkata')).toBe(utc('2024-02-29T00:00:00Z'));
    expect(dateToBound('2024-02-29', 'timestamp', 'America/New_York')).toBe(utc('2024-02-29T00:00:00Z'));
  });

  it('gives timestamptz the real instant of midnight in the zone', () => {
    expect(dateToBound('2024-02-01', 'timestamptz', 'UTC')).toBe(utc('2024-02-01T00:00:00Z'));
    expect(dateToBound('2024-02-01', 'timestamptz', 'Europe/Berlin')).toBe(utc('2024-01-31T23:00:00Z'));
    expect(dateToBound('2024-07-01', 'timestamptz', 'Europe/Berlin')).toBe(utc('2024-06-30T22:00:00Z'));
    expect(dateToBound('2024-01-01', 'timestamptz', 'Asia/Kolkata')).toBe(utc('2023-12-31T18:30:00Z'));
    expect(dateToBound('2024-03-10', 'timestamptz', 'America/New_York')).toBe(utc('2024-03-10T05:00:00Z'));
    expect(dateToBound('2024-03-11', 'timestamptz', 'America/New_York')).toBe(utc('2024-03-11T04:00:00Z'));
  });

  it('uses the first instant of the day where midnight does not exist (as PostgreSQL does)', () => {
    // America/Sao_Paulo jumped from 00:00 -03 to 01:00 -02 on 2018-11-04.
    expect(dateToBound('2018-11-04', 'timestamptz', 'America/Sao_Paulo')).toBe(utc('2018-11-04T03:00:00Z'));
    expect(dateToBound('2018-11-05', 'timestamptz', 'America/Sao_Paulo')).toBe(utc('2018-11-05T02:00:00Z'));
  });

  it('takes the later midnight where it happens twice (PostgreSQL prefers the offset after a fall-back)', () => {
    // America/Havana fell back from 01:00 -04 to 00:00 -05 on 2024-11-03.
    expect(dateToBound('2024-11-03', 'timestamptz', 'America/Havana')).toBe(utc('2024-11-03T05:00:00Z'));
  });

  it('maps infinity to ±Infinity', () => {
    expect(dateToBound('infinity', 'date', 'UTC')).toBe(Infinity);
    expect(dateToBound('-infinity', 'timestamptz', 'UTC')).toBe(-Infinity);
  });

  it('does not depend on the TZ of the machine', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      expect(dateToBound('2024-03-31', 'timestamptz', 'Europe/Berlin')).toBe(utc('2024-03-30T23:00:00Z'));
      expect(dateToBound('2024-03-31', 'date', 'Europe/Berlin')).toBe(utc('2024-03-31T00:00:00Z'));
    } finally {
      process.env.TZ = before;
    }
  });
});

describe('formatBound', () => {
  const printed = (date: string, tz: string): string =>
    formatBound(dateToBound(date, 'timestamptz', tz), 'timestamptz', tz);

  it('prints dates and timestamps as PostgreSQL does', () => {
    expect(formatBound(dateToBound('2024-02-01', 'date', 'UTC'), 'date', 'UTC')).toBe('2024-02-01');
    expect(formatBound(dateToBound('2024-02-01', 'timestamp', 'UTC'), 'timestamp', 'UTC')).toBe(
      '2024-02-01 00:00:00',
    );
    expect(formatBound(utc('2024-02-01T13:05:09Z'), 'timestamp', 'UTC')).toBe('2024-02-01 13:05:09');
  });

  it('prints timestamptz with the offset in force, DST included', () => {
    expect(printed('2024-02-01', 'Europe/Berlin')).toBe('2024-02-01 00:00:00+01');
    expect(printed('2024-03-31', 'Europe/Berlin')).toBe('2024-03-31 00:00:00+01');
    expect(printed('2024-04-01', 'Europe/Berlin')).toBe('2024-04-01 00:00:00+02');
    expect(printed('2024-10-27', 'Europe/Berlin')).toBe('2024-10-27 00:00:00+02');
    expect(printed('2024-10-28', 'Europe/Berlin')).toBe('2024-10-28 00:00:00+01');
    expect(printed('2024-03-10', 'America/New_York')).toBe('2024-03-10 00:00:00-05');
    expect(printed('2024-03-11', 'America/New_York')).toBe('2024-03-11 00:00:00-04');
    expect(printed('2024-01-01', 'Asia/Kolkata')).toBe('2024-01-01 00:00:00+05:30');
    expect(printed('2024-01-01', 'UTC')).toBe('2024-01-01 00:00:00+00');
    expect(printed('2018-11-04', 'America/Sao_Paulo')).toBe('2018-11-04 01:00:00-02');
    expect(printed('2024-11-03', 'America/Havana')).toBe('2024-11-03 00:00:00-05');
  });

  it('prints local mean time offsets with their seconds', () => {
    expect(printed('1850-01-01', 'America/New_York')).toBe('1850-01-01 00:00:00-04:56:02');
  });

  it('prints fractional seconds only when there are some, without trailing zeros', () => {
    const midnight = utc('2024-01-01T00:00:00Z');
    expect(formatBound(midnight + 500, 'timestamp', 'UTC')).toBe('2024-01-01 00:00:00.5');
    expect(formatBound(midnight + 250, 'timestamptz', 'Asia/Kolkata')).toBe('2024-01-01 05:30:00.25+05:30');
    expect(formatBound(midnight + 0.123, 'timestamp', 'UTC')).toBe('2024-01-01 00:00:00.000123');
    expect(formatBound(midnight + 999.9999, 'timestamp', 'UTC')).toBe('2024-01-01 00:00:01');
  });

  it('prints years before 1 AD with BC, as PostgreSQL does', () => {
    const ides = new Date(0);
    ides.setUTCFullYear(-43, 2, 15); // astronomical year -43 is 44 BC
    const lmt = ((4 * 60 + 56) * 60 + 2) * 1000;
    expect(formatBound(ides.getTime(), 'date', 'UTC')).toBe('0044-03-15 BC');
    expect(formatBound(ides.getTime(), 'timestamp', 'UTC')).toBe('0044-03-15 00:00:00 BC');
    expect(formatBound(ides.getTime() + lmt, 'timestamptz', 'America/New_York')).toBe(
      '0044-03-15 00:00:00-04:56:02 BC',
    );
    expect(boundToDay(ides.getTime(), 'date', 'UTC')).toBe('0044-03-15 BC');
  });

  it('prints MINVALUE and MAXVALUE for the infinities', () => {
    expect(formatBound(-Infinity, 'date', 'UTC')).toBe('MINVALUE');
    expect(formatBound(Infinity, 'timestamptz', 'Europe/Berlin')).toBe('MAXVALUE');
  });
});

describe('boundToDay', () => {
  it('gives the calendar day a value falls on, in the zone for timestamptz', () => {
    expect(boundToDay(utc('2024-02-29T23:59:59Z'), 'timestamp', 'Europe/Berlin')).toBe('2024-02-29');
    expect(boundToDay(utc('2024-02-29T23:30:00Z'), 'timestamptz', 'Europe/Berlin')).toBe('2024-03-01');
    expect(boundToDay(utc('2024-02-29T23:30:00Z'), 'timestamptz', 'America/New_York')).toBe('2024-02-29');
    expect(boundToDay(Infinity, 'date', 'UTC')).toBe('infinity');
    expect(boundToDay(-Infinity, 'date', 'UTC')).toBe('-infinity');
  });

  it('round-trips every day of a DST year in several zones', () => {
    for (const tz of ['Europe/Berlin', 'America/Sao_Paulo', 'Asia/Kolkata', 'America/New_York', 'UTC']) {
      for (let day = '2018-01-01'; day < '2019-01-01'; day = addDays(day, 1)) {
        expect(boundToDay(dateToBound(day, 'timestamptz', tz), 'timestamptz', tz)).toBe(day);
      }
    }
  });
});
