// The reviewed file round trip: for random steps, the steps read back from the written file are
// the steps that were written, whatever the names hold (quotes, backslashes, line breaks, $pk$).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readReviewedFile, writeReviewedFile } from '../../src/sql/reviewed-file';
import type { Step } from '../../src/steps/step';

const namePart = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('\u0000')),
  fc.constantFrom(
    'a\nb',
    'semi;colon',
    'quote"d',
    "it's",
    'back\\slash',
    '$pk$',
    '-- step 1/1: x',
    'Ünïcødé 😀',
  ),
);
const relation = fc.record({ schema: namePart, name: namePart });

const bounds = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['2024-01-01', '2024-02-01'],
    ['2024-03-31 00:00:00', '2024-04-01 00:00:00'],
  ),
  fc.constantFrom<[string, string]>(
    ['2024-03-01 00:00:00+01', '2024-04-01 00:00:00+02'],
    ['2024-01-01 00:00:00-03:30', '2024-02-01 00:00:00-03:30'],
  ),
);

const step: fc.Arbitrary<Step> = fc
  .record({
    kind: fc.constant('create' as const),
    parent: relation,
    partition: relation,
    bounds,
    reason: fc.constantFrom('gap' as const, 'current' as const, 'premake' as const),
    adopt: fc.boolean(),
    fromDefault: fc.boolean(),
    defaultRows: fc.nat({ max: 5000 }),
  })
  // Rows in DEFAULT for the range imply a DEFAULT partition.
  .map(({ bounds: [from, to], fromDefault, defaultRows, ...rest }) => ({
    ...rest,
    fromDefault,
    defaultRows: fromDefault ? defaultRows : 0,
    from: from ?? '',
    to: to ?? '',
  }));

describe('reviewed file', () => {
  it('reads back exactly the steps it was written from, for either strategy', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 6 }),
        fc.constantFrom('attach' as const, 'partition-of' as const),
        async (steps, strategy) => {
          const text = writeReviewedFile(steps, { now: '2024-02-15', lockTimeoutMs: 100, strategy });
          const read = await readReviewedFile(text);
          expect(read.steps.map((s) => s.step)).toEqual(steps);
          expect(read.steps.map((s) => s.strategy)).toEqual(steps.map(() => strategy));
          expect(read.steps.map((s) => s.index)).toEqual(steps.map((_, i) => i + 1));
          // Every comment line stays one line: no name ends it.
          for (const line of text.split('\n').filter((l) => l.startsWith('-- step '))) {
            expect(line).not.toMatch(/[\r\u2028\u2029]/);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
