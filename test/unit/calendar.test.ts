import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  addPeriods,
  isCalendarDate,
  localDate,
  minusRetention,
  periodStart,
  periodStarts,
  utcDate,
} from '../../src/plan/calendar';
import { isRenderedName, renderName } from '../../src/plan/naming';

describe('periodStart', () => {
  it.each([
    ['day', '2024-02-29', '2024-02-29'],
    ['week', '2024-02-29', '2024-02-26'],
    ['week', '2024-02-26', '2024-02-26'],
    ['week', '2024-03-03', '2024-02-26'],
    ['month', '2024-01-31', '2024-01-01'],
    ['month', '2024-02-29', '2024-02-01'],
    ['quarter', '2024-03-31', '2024-01-01'],
    ['quarter', '2024-04-01', '2024-04-01'],
    ['quarter', '2024-12-31', '2024-10-01'],
    ['year', '2024-12-31', '2024-01-01'],
    ['year', '0099-06-15', '0099-01-01'],
  ] as const)('%s containing %s starts %s', (interval, date, start) => {
    expect(periodStart(date, interval)).toBe(start);
  });

  it('puts ISO weeks at year ends into the right week-year', () => {
    expect(periodStart('2020-12-31', 'week')).toBe('2020-12-28');
    expect(renderName('{parent}_y{IYYY}w{WW}', 't', '2020-12-28')).toBe('t_y2020w53');
    // 2021-01-03 is a Sunday: still in 2020-W53.
    expect(periodStart('2021-01-03', 'week')).toBe('2020-12-28');
    expect(periodStart('2021-01-04', 'week')).toBe('2021-01-04');
    // 2024-12-30 is the Monday of 2025-W01.
    expect(periodStart('2025-01-01', 'week')).toBe('2024-12-30');
    expect(renderName('{parent}_y{IYYY}w{WW}', 't', '2024-12-30')).toBe('t_y2025w01');
  });
});

describe('addPeriods', () => {
  it.each([
    ['day', '2024-02-28', 1, '2024-02-29'],
    ['day', '2024-02-29', 1, '2024-03-01'],
    ['day', '2023-02-28', 1, '2023-03-01'],
    ['day', '2024-12-31', 1, '2025-01-01'],
    ['week', '2020-12-28', 1, '2021-01-04'],
    ['week', '2024-12-30', -1, '2024-12-23'],
    ['month', '2024-01-01', 1, '2024-02-01'],
    ['month', '2024-12-01', 1, '2025-01-01'],
    ['month', '2024-02-01', -14, '2022-12-01'],
    ['quarter', '2024-10-01', 1, '2025-01-01'],
    ['quarter', '2024-01-01', -1, '2023-10-01'],
    ['year', '2024-01-01', 3, '2027-01-01'],
  ] as const)('%s: %s + %i = %s', (interval, start, n, expected) => {
    expect(addPeriods(start, interval, n)).toBe(expected);
  });

  it('lists period starts up to an end', () => {
    expect(periodStarts('2024-01-01', '2024-04-01', 'month')).toEqual([
      '2024-01-01',
      '2024-02-01',
      '2024-03-01',
    ]);
    expect(periodStarts('2024-01-01', '2024-01-01', 'month')).toEqual([]);
  });
});

describe('month arithmetic', () => {
  it('clamps to the end of shorter months', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2024-05-31', 1)).toBe('2024-06-30');
  });

  it('puts Jan 31 + 1 month into the February period', () => {
    expect(periodStart(addMonths('2024-01-31', 1), 'month')).toBe('2024-02-01');
  });

  it('adds days across leap days and years', () => {
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2024-01-01', -1)).toBe('2023-12-31');
    expect(addDays('2024-01-01', 366)).toBe('2025-01-01');
  });
});

describe('minusRetention', () => {
  it.each([
    ['2024-02-01', { count: 7, unit: 'year' }, '2017-02-01'],
    ['2024-02-29', { count: 1, unit: 'year' }, '2023-02-28'],
    ['2024-03-31', { count: 1, unit: 'month' }, '2024-02-29'],
    ['2024-02-01', { count: 2, unit: 'quarter' }, '2023-08-01'],
    ['2024-02-01', { count: 2, unit: 'week' }, '2024-01-18'],
    ['2024-03-01', { count: 1, unit: 'day' }, '2024-02-29'],
    ['2024-02-01', { count: 2023, unit: 'year' }, '0001-02-01'],
    ['0001-01-08', { count: 1, unit: 'week' }, '0001-01-01'],
    // Before year 1 nothing can be due: no cutoff rather than a date the calendar cannot write.
    ['2024-02-01', { count: 2024, unit: 'year' }, undefined],
    ['0001-01-07', { count: 1, unit: 'week' }, undefined],
    ['2024-02-01', { count: 1e15, unit: 'day' }, undefined],
  ] as const)('%s minus %o is %s', (date, retention, expected) => {
    expect(minusRetention(date, retention)).toBe(expected);
  });
});

describe('localDate', () => {
  const instant = new Date('2024-02-29T23:30:00Z');

  it('takes a bare date as that date in every zone', () => {
    for (const zone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect(localDate({ date: '2024-02-15' }, zone)).toBe('2024-02-15');
    }
  });

  it('converts an instant to the calendar date in the zone', () => {
    expect(localDate({ instant }, 'UTC')).toBe('2024-02-29');
    expect(localDate({ instant }, 'Europe/Berlin')).toBe('2024-03-01');
    expect(localDate({ instant }, 'Asia/Kolkata')).toBe('2024-03-01');
    expect(localDate({ instant }, 'America/New_York')).toBe('2024-02-29');
    expect(localDate({ instant: new Date('2024-03-01T03:00:00Z') }, 'America/New_York')).toBe('2024-02-29');
  });

  it('gives the plan date in UTC', () => {
    expect(utcDate({ instant })).toBe('2024-02-29');
    expect(utcDate({ date: '2024-02-15' })).toBe('2024-02-15');
  });
});

describe('isCalendarDate', () => {
  it('accepts real dates only', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-13-01')).toBe(false);
    expect(isCalendarDate('2024-2-1')).toBe(false);
    expect(isCalendarDate('infinity')).toBe(false);
  });
});

describe('isRenderedName', () => {
  const templates = [
    '{parent}_y{YYYY}m{MM}',
    '{parent}_y{YYYY}m{MM}d{DD}',
    '{parent}_y{IYYY}w{WW}',
    'p{YYYY}q{Q}_{parent}',
    '{parent}',
    'archive_{parent}_{YYYY}',
  ];
  const starts = ['2024-01-01', '2024-12-30', '0999-10-01', '2026-07-01'];

  it('says yes exactly for the name renderName gives', () => {
    for (const template of templates) {
      for (const start of starts) {
        const name = renderName(template, 'claims', start);
        expect(isRenderedName(name, template, 'claims', start), `${template} ${start}`).toBe(true);
        // One character more, less or changed anywhere, or another parent's name: not it.
        for (const other of [
          `${name}x`,
          name.slice(0, -1),
          `x${name}`,
          name.slice(1),
          `${name.slice(0, -1)}${name.endsWith('1') ? '2' : '1'}`,
          renderName(template, 'claim', start),
          renderName(template, 'claims_', start),
        ]) {
          expect(isRenderedName(other, template, 'claims', start), `${template} ${start} ${other}`).toBe(
            other === name,
          );
        }
      }
    }
  });
});
