// The shape of partitions.yml, field by field. Checks that need more than one field (or the
// defaults merged in) live in validate.ts.
import { z } from 'zod';
import { parseQualifiedName } from '../sql/quote';
import { isCalendarDate } from '../plan/calendar';
import { NAMING_TOKENS, unknownTokens } from '../plan/naming';
import { INTERVALS } from '../types';
import { notA, show } from './errors';

export const INTERVAL_CHOICES = INTERVALS.join(', ');
const TOKEN_LIST = NAMING_TOKENS.map((token) => `{${token}}`).join(' ');
export const PREMAKE_LIMIT = 1000;

/** Error option for a zod schema: "missing; expected X" or `"value" is not X`. */
const expecting = (expected: string) => ({
  error: (issue: { input?: unknown }) => notA(expected, issue.input),
});

const failWith = (ctx: z.RefinementCtx, message: string, input: unknown): typeof z.NEVER => {
  ctx.issues.push({ code: 'custom', message, input });
  return z.NEVER;
};

// Values expanded from ${VAR} are strings; numeric and boolean fields read them as such.
const fromNumericString = (value: unknown): unknown =>
  typeof value === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
const fromBooleanString = (value: unknown): unknown =>
  typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)
    ? value.trim().toLowerCase() === 'true'
    : value;

function wholeNumber(min: number, max?: { limit: number; message: (value: number) => string }) {
  const expected = expecting(`a whole number ≥ ${min}`);
  let schema = z.number(expected).int(expected).min(min, expected);
  if (max) schema = schema.max(max.limit, { error: (issue) => max.message(issue.input as number) });
  return z.preprocess(fromNumericString, schema);
}

const flag = z.preprocess(fromBooleanString, z.boolean(expecting('true or false')));

const interval = z.enum(INTERVALS, expecting(`one of ${INTERVAL_CHOICES}`));

const naming = z
  .string(expecting(`a naming pattern built from the tokens ${TOKEN_LIST}`))
  .min(1, expecting(`a naming pattern built from the tokens ${TOKEN_LIST}`))
  .check((ctx) => {
    const unknown = unknownTokens(ctx.value);
    if (unknown.length === 0) return;
    const list = unknown.map((token) => `{${token}}`).join(', ');
    const noun = unknown.length === 1 ? 'token' : 'tokens';
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: `${show(ctx.value)} uses unknown ${noun} ${list}; the tokens are ${TOKEN_LIST}`,
    });
  });

const premake = wholeNumber(0, {
  limit: PREMAKE_LIMIT,
  message: (value) => `${value} is more than ${PREMAKE_LIMIT}; premake counts whole periods ahead`,
});

const calendarDate = z
  .string(expecting('a date written YYYY-MM-DD, e.g. 2024-04-01'))
  .regex(/^\d{4}-\d{2}-\d{2}$/, { ...expecting('a date written YYYY-MM-DD, e.g. 2024-04-01'), abort: true })
  .refine(isCalendarDate, { error: (issue) => `${show(issue.input)} is not a real calendar date` });

const RETENTION_FORM =
  'a retention written "<n> <unit>" with n a whole number ≥ 1 and unit ' +
  'day(s), week(s), month(s), quarter(s) or year(s), e.g. "7 years"';

const retention = z.string(expecting(RETENTION_FORM)).transform((text, ctx) => {
  const match = /^\s*(\d+)\s+(day|week|month|quarter|year)s?\s*$/i.exec(text);
  const count = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(count) || count < 1)
    return failWith(ctx, notA(RETENTION_FORM, text), text);
  return { count, unit: (match[2] ?? '').toLowerCase() as (typeof INTERVALS)[number] };
});

const timezone = z.string(expecting('an IANA time zone, e.g. UTC or Europe/Berlin')).refine(isTimeZone, {
  error: (issue) => `${show(issue.input)} is not a valid IANA time zone, e.g. UTC or Europe/Berlin`,
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

/** A mapping that names its unknown keys and its allowed ones. */
function fieldsOf<Shape extends z.ZodRawShape>(shape: Shape, what: string, allowedNote = '') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field; allowed${allowedNote}: ${allowed}`
        : notA(`a mapping of ${what} (${allowed})`, issue.input),
  });
}

const archiveSchemaName = z.string(expecting('a schema name, e.g. archive')).transform((text, ctx) => {
  try {
    parseQualifiedName(text);
  } catch (error) {
    return failWith(ctx, `${show(text)} ${(error as Error).message}`, text);
  }
  // parseQualifiedName resolves a bare name into `public`, so probe with a second part: a
  // single part comes back as the schema, two parts make three and are refused.
  try {
    return parseQualifiedName(`${text.trim()}.x`).schema;
  } catch {
    return failWith(ctx, `${show(text)} has 2 parts; archive.schema is one schema name, e.g. archive`, text);
  }
});

const archive = fieldsOf(
  {
    schema: archiveSchemaName.optional(),
    dump: z
      .string(expecting('a directory to write dumps into, e.g. ./archive'))
      .min(1, expecting('a directory to write dumps into, e.g. ./archive'))
      .optional(),
    drop: flag.optional(),
  },
  'archive settings',
);

const coverage = fieldsOf({ minimumAhead: wholeNumber(0).optional() }, 'coverage settings');

/** Every per-table field except `table`; each may also be set in `defaults`. null unsets an optional one. */
const tableFields = {
  interval: interval.optional(),
  naming: naming.optional(),
  premake: premake.optional(),
  start: calendarDate.nullable().optional(),
  retention: retention.nullable().optional(),
  archive: archive.nullable().optional(),
  coverage: coverage.nullable().optional(),
  enabled: flag.optional(),
  timezone: timezone.optional(),
  maxPartitionsPerRun: wholeNumber(1).optional(),
};

const tableName = z
  .string(expecting('a table name written as in SQL, e.g. public.orders'))
  .transform((text, ctx) => {
    try {
      return { table: text, ...parseQualifiedName(text) };
    } catch (error) {
      return failWith(ctx, `${show(text)} ${(error as Error).message}`, text);
    }
  });

export const defaultsSchema = fieldsOf(
  tableFields,
  'per-table fields',
  ' in defaults (table is set per entry)',
);

export const tableEntrySchema = fieldsOf({ table: tableName, ...tableFields }, 'table fields');

/** The outer shape only; defaults and each entry are parsed on their own so one bad entry hides nothing. */
export const documentSchema = fieldsOf(
  {
    defaults: z.unknown().optional(),
    tables: z
      .array(z.unknown(), expecting('a list of tables, each with at least table and interval'))
      .min(1, { error: () => 'is empty; list at least one table, each with at least table and interval' }),
  },
  'defaults and tables',
);

export type Defaults = z.output<typeof defaultsSchema>;
export type TableEntry = z.output<typeof tableEntrySchema>;
