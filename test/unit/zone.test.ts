// Wall clocks: UTC skips Intl, and must say exactly what Intl says for a zone without offsets.
import { expect, it } from 'vitest';
import { utcOffset, wallClock } from '../../src/plan/zone';

it('reads UTC as the instant itself, as Intl reads Etc/UTC, BC years and fractions of seconds included', () => {
  const instants = [
    0,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2026, 10, 30, 12, 0, 0, 1),
    Date.UTC(-44, 2, 15, 12, 30, 0), // 45 BC
    Date.UTC(9999, 11, 31, 23, 59, 59),
    -1,
  ];
  for (const instant of instants) {
    expect(wallClock(instant, 'UTC')).toBe(instant);
    expect(wallClock(instant, 'Etc/UTC')).toBe(instant);
  }
  expect(utcOffset(Date.UTC(2024, 6, 1), 'UTC')).toBe(0);
  expect(utcOffset(Date.UTC(2024, 6, 1), 'Europe/Berlin')).toBe(2 * 3_600_000);
});
