import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { ConfigError, loadConfig, parseConfig, selectTables } from '../../src/config/load';
import type { TableSpec } from '../../src/types';

const FILE = 'partitions.yml';
const SEEDS = 'test/fixtures/config/seeds.yml';

function parse(text: string, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(text, FILE, env);
}

/** The problems a config is rejected with, one per line as the user sees them. */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    parse(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as Error).message).toBe((error as ConfigError).problems.join('\n'));
    return (error as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

/** A config with one table entry written as the given YAML lines (indented under `- `). */
function oneTable(fields: string): string {
  return `tables:\n  - ${fields.trim().split('\n').join('\n    ')}\n`;
}

const claimLineItems: TableSpec = {
  table: 'public.claim_line_items',
  schema: 'public',
  name: 'claim_line_items',
  index: 0,
  interval: 'month',
  naming: '{parent}_y{YYYY}m{MM}',
  premake: 2,
  start: '2024-02-01',
  coverage: { minimumAhead: 1 },
  enabled: true,
  timezone: 'UTC',
  maxPartitionsPerRun: 300,
};
const claimsProduction: TableSpec = {
  table: 'claims_production',
  schema: 'public',
  name: 'claims_production',
  index: 1,
  interval: 'year',
  naming: '{parent}_y{YYYY}',
  premake: 2,
  coverage: { minimumAhead: 1 },
  enabled: true,
  timezone: 'UTC',
  maxPartitionsPerRun: 300,
};
const kidAbsences: TableSpec = {
  table: 'kid_absences',
  schema: 'public',
  name: 'kid_absences',
  index: 2,
  interval: 'year',
  naming: '{parent}_{YYYY}',
  premake: 1,
  archive: { schema: 'archive', drop: false },
  coverage: { minimumAhead: 1 },
  enabled: true,
  timezone: 'UTC',
  maxPartitionsPerRun: 300,
};

describe('the seed tables', () => {
  it('parse to exactly the expected table specs', () => {
    const config = loadConfig(SEEDS, {});
    expect(config).toStrictEqual({ file: SEEDS, tables: [claimLineItems, claimsProduction, kidAbsences] });
  });

  it('kid_absences follows ENABLE_ABSENCE_PARTITIONS, true by default', () => {
    const enabled = (env: NodeJS.ProcessEnv) => loadConfig(SEEDS, env).tables[2]?.enabled;
    expect(enabled({})).toBe(true);
    expect(enabled({ ENABLE_ABSENCE_PARTITIONS: '' })).toBe(true);
    expect(enabled({ ENABLE_ABSENCE_PARTITIONS: 'false' })).toBe(false);
    expect(enabled({ ENABLE_ABSENCE_PARTITIONS: 'FALSE' })).toBe(false);
    expect(enabled({ ENABLE_ABSENCE_PARTITIONS: 'True' })).toBe(true);
  });

  it('rejects an ENABLE_ABSENCE_PARTITIONS that is not a boolean', () => {
    expect(() => loadConfig(SEEDS, { ENABLE_ABSENCE_PARTITIONS: 'yes' })).toThrow(
      `${SEEDS}: tables[2] (kid_absences).enabled: "yes" is not true or false`,
    );
  });
});

describe('loading the file', () => {
  it('names a missing file and the option to pass', () => {
    expect(() => loadConfig('partitions.yml', {})).toThrow(
      new ConfigError('partitions.yml: file not found (pass --config FILE)'),
    );
    expect(() => loadConfig('no/such/dir/p.yml', {})).toThrow(
      'no/such/dir/p.yml: file not found (pass --config FILE)',
    );
  });

  it('gives the file, line and column of a YAML syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'partition-keeper-config-'));
    const file = join(dir, 'partitions.yml');
    writeFileSync(file, 'tables:\n  - table: public.orders\n    interval: month\n   premake: 2\n');
    try {
      expect(() => loadConfig(file, {})).toThrow(
        `${file}:4:1: invalid YAML: Sequence item without - indicator`,
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('rejects duplicate keys as a YAML error with their line', () => {
    expect(problemsOf('tables:\n  - table: a\n    interval: day\n    interval: month\n')).toEqual([
      'partitions.yml:4:5: invalid YAML: Map keys must be unique',
    ]);
  });

  it('keeps dates as strings (YAML 1.2 core schema)', () => {
    expect(parse(oneTable('table: t\ninterval: day\nstart: 2024-04-01')).tables[0]?.start).toBe('2024-04-01');
  });

  it('treats an empty file as one with no tables', () => {
    expect(problemsOf('')).toEqual([
      'partitions.yml: tables: missing; expected a list of tables, each with at least table and interval',
    ]);
  });
});

describe('environment variables', () => {
  const dumpOf = (value: string, env: NodeJS.ProcessEnv) =>
    parse(oneTable(`table: t\ninterval: month\narchive:\n  schema: archive\n  dump: "${value}"`), env)
      .tables[0]?.archive?.dump;

  it('replaces ${VAR} with its value', () => {
    expect(dumpOf('${DIR}/claims', { DIR: '/srv/dumps' })).toBe('/srv/dumps/claims');
  });

  it('uses the :- default when the variable is unset or empty', () => {
    expect(dumpOf('${DIR:-./archive}', {})).toBe('./archive');
    expect(dumpOf('${DIR:-./archive}', { DIR: '' })).toBe('./archive');
    expect(dumpOf('${DIR:-./archive}', { DIR: '/srv' })).toBe('/srv');
  });

  it('reads $${ as a literal ${', () => {
    expect(dumpOf('./$${DIR}', { DIR: '/srv' })).toBe('./${DIR}');
  });

  it('names the variable and the field when it is unset and has no default', () => {
    expect(problemsOf(oneTable('table: claims\ninterval: month\ntimezone: ${PK_TZ}'))).toEqual([
      'partitions.yml: tables[0] (claims).timezone: environment variable PK_TZ is not set and ${PK_TZ} has no ' +
        'default; set it or write ${PK_TZ:-VALUE}',
    ]);
  });

  it('rejects a ${ that is not a reference', () => {
    expect(problemsOf(oneTable('table: claims\ninterval: month\ntimezone: ${1TZ}'))).toEqual([
      'partitions.yml: tables[0] (claims).timezone: "${1TZ}" has a ${ that is not a reference; write ${NAME} ' +
        'or ${NAME:-default}, or $${ for a literal ${',
    ]);
  });

  it('expands after parsing, so a value cannot add YAML structure', () => {
    const config = parse(oneTable('table: t\ninterval: month\narchive:\n  dump: ${DIR}'), {
      DIR: 'x\n  drop: true',
    });
    expect(config.tables[0]?.archive).toEqual({ dump: 'x\n  drop: true', drop: false });
  });

  it('lets numeric and boolean fields take expanded strings', () => {
    const config = parse(
      oneTable(
        'table: t\ninterval: month\npremake: ${PREMAKE:-3}\nmaxPartitionsPerRun: "${MAX}"\n' +
          'coverage:\n  minimumAhead: ${AHEAD}\nenabled: ${ON}\narchive:\n  dump: d\n  drop: ${DROP}',
      ),
      { MAX: '50', AHEAD: '2', ON: 'FALSE', DROP: 'true' },
    );
    expect(config.tables[0]).toMatchObject({
      premake: 3,
      maxPartitionsPerRun: 50,
      coverage: { minimumAhead: 2 },
      enabled: false,
      archive: { dump: 'd', drop: true },
    });
  });

  it('expands the table name too', () => {
    const config = parse(oneTable('table: ${SCHEMA:-public}.claims\ninterval: month'), { SCHEMA: 'billing' });
    expect(config.tables[0]).toMatchObject({ table: 'billing.claims', schema: 'billing', name: 'claims' });
  });
});

describe('defaults', () => {
  it('applies the built-in defaults, with the naming of each interval', () => {
    const config = parse(
      'tables:\n' +
        ['day', 'week', 'month', 'quarter', 'year']
          .map((i) => `  - { table: t_${i}, interval: ${i} }\n`)
          .join(''),
    );
    expect(config.tables.map((t) => t.naming)).toEqual([
      '{parent}_y{YYYY}m{MM}d{DD}',
      '{parent}_y{IYYY}w{WW}',
      '{parent}_y{YYYY}m{MM}',
      '{parent}_y{YYYY}q{Q}',
      '{parent}_y{YYYY}',
    ]);
    expect(config.tables[0]).toStrictEqual({
      table: 't_day',
      schema: 'public',
      name: 't_day',
      index: 0,
      interval: 'day',
      naming: '{parent}_y{YYYY}m{MM}d{DD}',
      premake: 2,
      coverage: { minimumAhead: 1 },
      enabled: true,
      timezone: 'UTC',
      maxPartitionsPerRun: 300,
    });
  });

  it('makes minimumAhead 0 when premake is 0', () => {
    expect(parse(oneTable('table: t\ninterval: year\npremake: 0')).tables[0]?.coverage).toEqual({
      minimumAhead: 0,
    });
  });

  it('takes any per-table field from defaults; an entry overrides it', () => {
    const config = parse(`
defaults:
  interval: month
  premake: 4
  timezone: Europe/Berlin
  enabled: false
  maxPartitionsPerRun: 12
  retention: 2 years
  start: 2023-01-01
tables:
  - table: a
  - table: b
    interval: year
    premake: 1
    naming: "{parent}_{YYYY}"
    enabled: true
`);
    expect(config.tables[0]).toMatchObject({
      interval: 'month',
      naming: '{parent}_y{YYYY}m{MM}',
      premake: 4,
      timezone: 'Europe/Berlin',
      enabled: false,
      maxPartitionsPerRun: 12,
      retention: { count: 2, unit: 'year' },
      start: '2023-01-01',
      coverage: { minimumAhead: 1 },
    });
    expect(config.tables[1]).toMatchObject({
      interval: 'year',
      naming: '{parent}_{YYYY}',
      premake: 1,
      enabled: true,
      timezone: 'Europe/Berlin',
    });
  });

  it('merges archive and coverage field by field', () => {
    const config = parse(`
defaults:
  archive: { schema: archive, dump: ./archive }
  coverage: { minimumAhead: 2 }
tables:
  - table: a
    interval: month
    archive: { drop: true }
  - table: b
    interval: month
    archive: { schema: cold }
    coverage: { minimumAhead: 0 }
  - table: c
    interval: month
`);
    expect(config.tables.map((t) => [t.archive, t.coverage])).toEqual([
      [{ schema: 'archive', dump: './archive', drop: true }, { minimumAhead: 2 }],
      [{ schema: 'cold', dump: './archive', drop: false }, { minimumAhead: 0 }],
      [{ schema: 'archive', dump: './archive', drop: false }, { minimumAhead: 2 }],
    ]);
  });

  it('lets an entry unset an optional default with null', () => {
    const config = parse(`
defaults:
  retention: 2 years
  archive: { schema: archive }
  start: 2020-01-01
tables:
  - { table: a, interval: month, retention: null, archive: null, start: null }
`);
    expect(config.tables[0]).not.toHaveProperty('retention');
    expect(config.tables[0]).not.toHaveProperty('archive');
    expect(config.tables[0]).not.toHaveProperty('start');
  });

  it('says when a rejected value came from defaults', () => {
    expect(
      problemsOf('defaults:\n  retention: 2 weeks\ntables:\n  - { table: a, interval: month }\n'),
    ).toEqual([
      'partitions.yml: tables[0] (a).retention: 2 weeks (from defaults) is shorter than one month, the period of ' +
        'this table; partitions are archived whole, so keep at least 1 month',
    ]);
  });

  it('reports a bad default at defaults.field', () => {
    expect(problemsOf('defaults:\n  premake: -1\ntables:\n  - { table: a, interval: month }\n')).toEqual([
      'partitions.yml: defaults.premake: -1 is not a whole number ≥ 0',
    ]);
  });
});

describe('table names', () => {
  it('resolves bare names in public and keeps the field as written', () => {
    expect(parse(oneTable('table: Claims\ninterval: month')).tables[0]).toMatchObject({
      table: 'Claims',
      schema: 'public',
      name: 'claims',
    });
  });

  it('unquotes odd quoted names', () => {
    const config = parse(oneTable(`table: '"Sales EU"."Orders; 2024"'\ninterval: month`));
    expect(config.tables[0]).toMatchObject({
      table: '"Sales EU"."Orders; 2024"',
      schema: 'Sales EU',
      name: 'Orders; 2024',
    });
  });

  it('rejects a name that does not parse, with the parser’s reason', () => {
    expect(problemsOf(oneTable('table: a.b.c\ninterval: month'))).toEqual([
      'partitions.yml: tables[0] (a.b.c).table: "a.b.c" has 3 parts; write schema.table or table: a.b.c',
    ]);
    expect(problemsOf(oneTable(`table: '"sales.orders'\ninterval: month`))).toEqual([
      'partitions.yml: tables[0] ("sales.orders).table: "\\"sales.orders" has an unterminated quoted name: "sales.orders',
    ]);
  });

  it('rejects a missing table, labelling the entry by its index alone', () => {
    expect(problemsOf(oneTable('interval: month'))).toEqual([
      'partitions.yml: tables[0].table: missing; expected a table name written as in SQL, e.g. public.orders',
    ]);
  });

  it('rejects the same parent listed twice, however it is spelled', () => {
    expect(
      problemsOf(`
tables:
  - { table: claims, interval: month }
  - { table: public.claims, interval: month }
  - { table: '"public"."claims"', interval: month }
`),
    ).toEqual([
      'partitions.yml: tables[1] (public.claims).table: public.claims is already listed as tables[0] (claims); ' +
        'list each table once',
      'partitions.yml: tables[2] ("public"."claims").table: public.claims is already listed as tables[0] (claims); ' +
        'list each table once',
    ]);
  });
});

describe('rejected configs', () => {
  it('rejects an unknown interval (the message from the issue, verbatim)', () => {
    expect(
      problemsOf(`
tables:
  - table: public.claim_line_items
    interval: month
  - table: claims_production
    interval: yearly
`),
    ).toEqual([
      'partitions.yml: tables[1] (claims_production).interval: "yearly" is not one of day, week, month, quarter, year',
    ]);
  });

  it('rejects a table with no interval, here or in defaults', () => {
    expect(problemsOf(oneTable('table: claims'))).toEqual([
      'partitions.yml: tables[0] (claims).interval: missing; set it here or in defaults: one of day, week, month, ' +
        'quarter, year',
    ]);
  });

  it('rejects unknown fields everywhere, listing the allowed ones', () => {
    expect(
      problemsOf(`
version: 1
defaults:
  table: x
  premkae: 2
tables:
  - table: claims
    interval: month
    retension: 7 years
    archive: { schema: archive, keep: true }
    coverage: { minimumAhead: 1, max: 3 }
`),
    ).toEqual([
      'partitions.yml: version: unknown field; allowed: defaults, tables',
      'partitions.yml: defaults.table: unknown field; allowed in defaults (table is set per entry): interval, ' +
        'naming, premake, start, retention, archive, coverage, enabled, timezone, maxPartitionsPerRun',
      'partitions.yml: defaults.premkae: unknown field; allowed in defaults (table is set per entry): interval, ' +
        'naming, premake, start, retention, archive, coverage, enabled, timezone, maxPartitionsPerRun',
      'partitions.yml: tables[0] (claims).archive.keep: unknown field; allowed: schema, dump, drop',
      'partitions.yml: tables[0] (claims).coverage.max: unknown field; allowed: minimumAhead',
      'partitions.yml: tables[0] (claims).retension: unknown field; allowed: table, interval, naming, premake, ' +
        'start, retention, archive, coverage, enabled, timezone, maxPartitionsPerRun',
    ]);
  });

  it('rejects tables missing, empty or not a list, and entries that are not mappings', () => {
    expect(problemsOf('defaults: { premake: 1 }\n')).toEqual([
      'partitions.yml: tables: missing; expected a list of tables, each with at least table and interval',
    ]);
    expect(problemsOf('tables: []\n')).toEqual([
      'partitions.yml: tables: is empty; list at least one table, each with at least table and interval',
    ]);
    expect(problemsOf('tables: claims\n')).toEqual([
      'partitions.yml: tables: "claims" is not a list of tables, each with at least table and interval',
    ]);
    expect(problemsOf('tables:\n  - claims\n')).toEqual([
      'partitions.yml: tables[0]: "claims" is not a mapping of table fields (table, interval, naming, premake, ' +
        'start, retention, archive, coverage, enabled, timezone, maxPartitionsPerRun)',
    ]);
    expect(problemsOf('- table: claims\n')).toEqual([
      'partitions.yml: a list is not a mapping of defaults and tables (defaults, tables)',
    ]);
  });

  describe('naming', () => {
    it('rejects unknown tokens', () => {
      expect(problemsOf(oneTable('table: claims\ninterval: month\nnaming: "{parent}_{YYY}{mm}"'))).toEqual([
        'partitions.yml: tables[0] (claims).naming: "{parent}_{YYY}{mm}" uses unknown tokens {YYY}, {mm}; the ' +
          'tokens are {parent} {YYYY} {MM} {DD} {Q} {IYYY} {WW}',
      ]);
    });

    it('rejects names over 63 bytes, counting UTF-8 bytes with the real parent name', () => {
      const parent = 'ärztliche_leistungsabrechnungen_positionen_historie'; // 51 characters, 52 bytes
      expect(problemsOf(oneTable(`table: ${parent}\ninterval: day`))).toEqual([
        `partitions.yml: tables[0] (${parent}).naming: "{parent}_y{YYYY}m{MM}d{DD}" makes names of 64 bytes, ` +
          `e.g. "${parent}_y2019m01d01"; PostgreSQL cuts identifiers longer than 63 bytes, so shorten the pattern`,
      ]);
      expect(() =>
        parse(oneTable(`table: ${parent}\ninterval: day\nnaming: "{parent}{YYYY}{MM}{DD}"`)),
      ).not.toThrow();
    });

    it('says a parent name over 63 bytes is too long an identifier, not a naming problem', () => {
      const parent = 'p'.repeat(200);
      expect(problemsOf(oneTable(`table: ${parent}\ninterval: month`))).toEqual([
        `partitions.yml: tables[0] (${parent}).table: "${'p'.repeat(40)}…" is an identifier of 200 bytes, ` +
          `over PostgreSQL's 63-byte limit (it cuts longer names); write the table's real name`,
      ]);
      const schema = 's'.repeat(64);
      expect(problemsOf(oneTable(`table: ${schema}.t\ninterval: month`))).toEqual([
        `partitions.yml: tables[0] (${schema}.t).table: "${'s'.repeat(40)}…" is an identifier of 64 bytes, ` +
          `over PostgreSQL's 63-byte limit (it cuts longer names); write the table's real name`,
      ]);
    });

    it('rejects a daily pattern that gives two days one name', () => {
      expect(problemsOf(oneTable('table: events\ninterval: day\nnaming: "{parent}_{YYYY}{MM}"'))).toEqual([
        'partitions.yml: tables[0] (events).naming: "{parent}_{YYYY}{MM}" gives two day periods the same name ' +
          '"events_201901" (starting 2019-01-01 and 2019-01-02); use tokens that tell every day apart, e.g. ' +
          '{parent}_y{YYYY}m{MM}d{DD}',
      ]);
    });

    it('rejects a weekly pattern mixing the calendar year with the ISO week', () => {
      expect(problemsOf(oneTable('table: events\ninterval: week\nnaming: "{parent}_{YYYY}w{WW}"'))).toEqual([
        'partitions.yml: tables[0] (events).naming: "{parent}_{YYYY}w{WW}" gives two week periods the same name ' +
          '"events_2024w01" (starting 2024-01-01 and 2024-12-30); use tokens that tell every week apart, e.g. ' +
          '{parent}_y{IYYY}w{WW}',
      ]);
    });

    it('rejects a daily pattern mixing the ISO week-year with month and day', () => {
      expect(problemsOf(oneTable('table: events\ninterval: day\nnaming: "{parent}_{IYYY}{MM}{DD}"'))).toEqual(
        [
          'partitions.yml: tables[0] (events).naming: "{parent}_{IYYY}{MM}{DD}" gives two day periods the same name ' +
            '"events_20201230" (starting 2019-12-30 and 2020-12-30); use tokens that tell every day apart, e.g. ' +
            '{parent}_y{YYYY}m{MM}d{DD}',
        ],
      );
    });

    it('rejects yearly and monthly patterns on the ISO week-year (2026-01-01 and 2027-01-01 are both in 2026)', () => {
      expect(problemsOf(oneTable('table: events\ninterval: year\nnaming: "{parent}_{IYYY}"'))).toEqual([
        'partitions.yml: tables[0] (events).naming: "{parent}_{IYYY}" gives two year periods the same name ' +
          '"events_2020" (starting 2020-01-01 and 2021-01-01); use tokens that tell every year apart, e.g. ' +
          '{parent}_y{YYYY}',
      ]);
      expect(problemsOf(oneTable('table: events\ninterval: month\nnaming: "{parent}_{IYYY}m{MM}"'))).toEqual([
        'partitions.yml: tables[0] (events).naming: "{parent}_{IYYY}m{MM}" gives two month periods the same name ' +
          '"events_2020m01" (starting 2020-01-01 and 2021-01-01); use tokens that tell every month apart, e.g. ' +
          '{parent}_y{YYYY}m{MM}',
      ]);
    });

    it('rejects a pattern that gives the parent’s own name', () => {
      expect(problemsOf(oneTable('table: events\ninterval: year\nnaming: "{parent}"'))).toEqual([
        'partitions.yml: tables[0] (events).naming: "{parent}" gives the period starting 2023-01-01 the table\'s ' +
          'own name "events"',
      ]);
    });

    it('accepts every default naming and the seed namings', () => {
      for (const interval of ['day', 'week', 'month', 'quarter', 'year']) {
        expect(() => parse(oneTable(`table: events\ninterval: ${interval}`))).not.toThrow();
      }
      expect(() =>
        parse(oneTable('table: t\ninterval: week\nnaming: "{parent}_{YYYY}{MM}{DD}"')),
      ).not.toThrow();
      expect(() =>
        parse(oneTable('table: t\ninterval: quarter\nnaming: "{parent}_{YYYY}_{Q}"')),
      ).not.toThrow();
    });

    it('rejects a pattern that produces another configured table’s name', () => {
      expect(
        problemsOf(`
tables:
  - { table: orders, interval: year }
  - { table: orders_y2025, interval: month }
`),
      ).toEqual([
        'partitions.yml: tables[0] (orders).naming: "{parent}_y{YYYY}" makes "orders_y2025", which is the name of ' +
          "tables[1] (orders_y2025); choose a pattern that cannot produce another table's names",
      ]);
    });

    it('says when the naming came from defaults', () => {
      expect(
        problemsOf('defaults:\n  naming: "{parent}_{YYYY}"\ntables:\n  - { table: a, interval: month }\n'),
      ).toEqual([
        'partitions.yml: tables[0] (a).naming: "{parent}_{YYYY}" (from defaults) gives two month periods the same ' +
          'name "a_2023" (starting 2023-01-01 and 2023-02-01); use tokens that tell every month apart, e.g. ' +
          '{parent}_y{YYYY}m{MM}',
      ]);
    });
  });

  it('rejects premake that is not a whole number ≥ 0, or over 1000', () => {
    const premake = (value: string) => problemsOf(oneTable(`table: t\ninterval: month\npremake: ${value}`));
    expect(premake('-1')).toEqual(['partitions.yml: tables[0] (t).premake: -1 is not a whole number ≥ 0']);
    expect(premake('1.5')).toEqual(['partitions.yml: tables[0] (t).premake: 1.5 is not a whole number ≥ 0']);
    expect(premake('two')).toEqual([
      'partitions.yml: tables[0] (t).premake: "two" is not a whole number ≥ 0',
    ]);
    expect(premake('1001')).toEqual([
      'partitions.yml: tables[0] (t).premake: 1001 is more than 1000; premake counts whole periods ahead',
    ]);
    expect(parse(oneTable('table: t\ninterval: month\npremake: 1000')).tables[0]?.premake).toBe(1000);
  });

  it('rejects maxPartitionsPerRun that is not a whole number ≥ 1', () => {
    expect(problemsOf(oneTable('table: t\ninterval: month\nmaxPartitionsPerRun: 0'))).toEqual([
      'partitions.yml: tables[0] (t).maxPartitionsPerRun: 0 is not a whole number ≥ 1',
    ]);
  });

  it('rejects a start that is not a real YYYY-MM-DD date', () => {
    const start = (value: string) => problemsOf(oneTable(`table: t\ninterval: month\nstart: ${value}`));
    expect(start('2024-02-30')).toEqual([
      'partitions.yml: tables[0] (t).start: "2024-02-30" is not a real calendar date',
    ]);
    expect(start('April 2024')).toEqual([
      'partitions.yml: tables[0] (t).start: "April 2024" is not a date written YYYY-MM-DD, e.g. 2024-04-01',
    ]);
    expect(start('2024')).toEqual([
      'partitions.yml: tables[0] (t).start: 2024 is not a date written YYYY-MM-DD, e.g. 2024-04-01',
    ]);
    expect(parse(oneTable('table: t\ninterval: month\nstart: 2024-02-29')).tables[0]?.start).toBe(
      '2024-02-29',
    );
  });

  describe('retention', () => {
    const retention = (interval: string, value: string) =>
      parseConfig(oneTable(`table: t\ninterval: ${interval}\nretention: ${value}`), FILE, {}).tables[0]
        ?.retention;

    it('reads "<n> <unit>", singular or plural', () => {
      expect(retention('month', '7 years')).toEqual({ count: 7, unit: 'year' });
      expect(retention('day', '1 day')).toEqual({ count: 1, unit: 'day' });
      expect(retention('year', '12 months')).toEqual({ count: 12, unit: 'month' });
      expect(retention('quarter', '13 weeks')).toEqual({ count: 13, unit: 'week' });
    });

    it('rejects other forms', () => {
      const form =
        'is not a retention written "<n> <unit>" with n a whole number ≥ 1 and unit day(s), week(s), month(s), ' +
        'quarter(s) or year(s), e.g. "7 years"';
      expect(problemsOf(oneTable('table: t\ninterval: month\nretention: 7 yrs'))).toEqual([
        `partitions.yml: tables[0] (t).retention: "7 yrs" ${form}`,
      ]);
      expect(problemsOf(oneTable('table: t\ninterval: month\nretention: 0 days'))).toEqual([
        `partitions.yml: tables[0] (t).retention: "0 days" ${form}`,
      ]);
      expect(problemsOf(oneTable('table: t\ninterval: month\nretention: 7'))).toEqual([
        `partitions.yml: tables[0] (t).retention: 7 ${form}`,
      ]);
    });

    it('rejects a retention shorter than one period of the table', () => {
      expect(problemsOf(oneTable('table: t\ninterval: month\nretention: 2 weeks'))).toEqual([
        'partitions.yml: tables[0] (t).retention: 2 weeks is shorter than one month, the period of this table; ' +
          'partitions are archived whole, so keep at least 1 month',
      ]);
      expect(problemsOf(oneTable('table: t\ninterval: year\nretention: 11 months'))).toEqual([
        'partitions.yml: tables[0] (t).retention: 11 months is shorter than one year, the period of this table; ' +
          'partitions are archived whole, so keep at least 1 year',
      ]);
    });
  });

  describe('archive', () => {
    it('stores a quoted schema unquoted', () => {
      const config = parse(oneTable(`table: t\ninterval: month\narchive:\n  schema: '"Cold Storage"'`));
      expect(config.tables[0]?.archive).toEqual({ schema: 'Cold Storage', drop: false });
    });

    it('rejects a schema with two parts', () => {
      expect(problemsOf(oneTable('table: t\ninterval: month\narchive:\n  schema: public.archive'))).toEqual([
        'partitions.yml: tables[0] (t).archive.schema: "public.archive" has 2 parts; archive.schema is one ' +
          'schema name, e.g. archive',
      ]);
    });

    it('rejects a schema that does not parse', () => {
      expect(problemsOf(oneTable('table: t\ninterval: month\narchive:\n  schema: cold storage'))).toEqual([
        'partitions.yml: tables[0] (t).archive.schema: "cold storage" is not a valid name: cold storage (quote ' +
          `parts with spaces or symbols: '"Sales EU".orders')`,
      ]);
    });

    it('rejects the table’s own schema', () => {
      expect(problemsOf(oneTable('table: sales.t\ninterval: month\narchive:\n  schema: Sales'))).toEqual([
        'partitions.yml: tables[0] (sales.t).archive.schema: "sales" is the table\'s own schema; archived ' +
          'partitions move to another schema, e.g. archive',
      ]);
    });

    it('rejects drop: true without a dump', () => {
      expect(
        problemsOf(oneTable('table: t\ninterval: month\narchive:\n  schema: archive\n  drop: true')),
      ).toEqual([
        'partitions.yml: tables[0] (t).archive.drop: true needs archive.dump: nothing is dropped without a ' +
          'verified dump',
      ]);
    });

    it('rejects a drop that is not a boolean', () => {
      expect(problemsOf(oneTable('table: t\ninterval: month\narchive:\n  dump: d\n  drop: yes'))).toEqual([
        'partitions.yml: tables[0] (t).archive.drop: "yes" is not true or false',
      ]);
    });
  });

  it('rejects minimumAhead that is negative or more than premake', () => {
    expect(problemsOf(oneTable('table: t\ninterval: month\ncoverage:\n  minimumAhead: -1'))).toEqual([
      'partitions.yml: tables[0] (t).coverage.minimumAhead: -1 is not a whole number ≥ 0',
    ]);
    expect(
      problemsOf(oneTable('table: t\ninterval: month\npremake: 2\ncoverage:\n  minimumAhead: 3')),
    ).toEqual([
      'partitions.yml: tables[0] (t).coverage.minimumAhead: 3 is more than premake (2), so check could never ' +
        'pass after apply; raise premake or lower minimumAhead',
    ]);
  });

  it('rejects enabled that is not a boolean', () => {
    expect(problemsOf(oneTable('table: t\ninterval: month\nenabled: "on"'))).toEqual([
      'partitions.yml: tables[0] (t).enabled: "on" is not true or false',
    ]);
  });

  it('rejects a time zone that is not an IANA zone', () => {
    expect(problemsOf(oneTable('table: t\ninterval: month\ntimezone: Mars/Olympus_Mons'))).toEqual([
      'partitions.yml: tables[0] (t).timezone: "Mars/Olympus_Mons" is not a valid IANA time zone, e.g. UTC or ' +
        'Europe/Berlin',
    ]);
    expect(
      parse(oneTable('table: t\ninterval: month\ntimezone: America/Sao_Paulo')).tables[0]?.timezone,
    ).toBe('America/Sao_Paulo');
  });

  it('lists every problem, not only the first, in the order of the file', () => {
    expect(
      problemsOf(`
defaults:
  timezone: Nowhere
tables:
  - table: a
    interval: yearly
    premake: -2
  - table: b
    interval: month
    enabled: \${MISSING}
`),
    ).toEqual([
      'partitions.yml: defaults.timezone: "Nowhere" is not a valid IANA time zone, e.g. UTC or Europe/Berlin',
      'partitions.yml: tables[0] (a).interval: "yearly" is not one of day, week, month, quarter, year',
      'partitions.yml: tables[0] (a).premake: -2 is not a whole number ≥ 0',
      'partitions.yml: tables[1] (b).enabled: environment variable MISSING is not set and ${MISSING} has no ' +
        'default; set it or write ${MISSING:-VALUE}',
    ]);
  });
});

describe('selectTables', () => {
  const config = loadConfig(SEEDS, {});

  it('keeps the config unchanged for no names', () => {
    expect(selectTables(config, [])).toBe(config);
  });

  it('keeps the named tables in config order, however they are spelled', () => {
    const selected = selectTables(config, [
      '"public"."kid_absences"',
      'CLAIM_LINE_ITEMS',
      'public.kid_absences',
    ]);
    expect(selected.file).toBe(SEEDS);
    expect(selected.tables).toEqual([claimLineItems, kidAbsences]);
  });

  it('names an unknown table and lists the configured ones', () => {
    expect(() => selectTables(config, ['claims', 'kid_absences', 'a.b.c'])).toThrow(
      new ConfigError([
        `--table claims: not in ${SEEDS}; configured tables: public.claim_line_items, public.claims_production, ` +
          'public.kid_absences',
        '--table a.b.c: has 3 parts; write schema.table or table: a.b.c',
      ]),
    );
  });
});
