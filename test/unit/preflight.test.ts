// Pre-flight findings from a Preflight and a real plan: raised only for planned work, each with its fix.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/planner';
import { PREFLIGHT_CODES, withPreflight } from '../../src/plan/preflight';
import type { Finding, Preflight, TableSpec } from '../../src/types';
import { relationKey } from '../../src/sql/quote';
import { type TableInput, snapshotOf, specOf } from '../helpers/snapshot';

/** Everything allowed, as for a superuser on a primary; override what the test is about. */
function preflightOf(overrides: Partial<Preflight> = {}): Preflight {
  return {
    role: 'ci',
    database: 'shop',
    readOnly: false,
    readOnlySource: 'default',
    inRecovery: false,
    canCreateSchemas: true,
    schemas: new Map([
      ['app', { exists: true, usage: true, create: true }],
      ['archive', { exists: true, usage: true, create: true }],
    ]),
    parents: new Map([
      [
        relationKey({ schema: 'app', name: 'orders' }),
        { owner: 'ci', ownerRights: true, tablespaceCreate: true },
      ],
    ]),
    ...overrides,
  };
}

const NOW = { date: '2024-02-15' };
const ORDERS = specOf({ schema: 'app', name: 'orders', premake: 2 });
/** Covered through 2024-05-01: two months ahead, nothing to create. */
const COVERED: Omit<TableInput, 'name'> = {
  schema: 'app',
  partitions: [
    ['orders_y2024m02', '2024-02-01', '2024-03-01'],
    ['orders_y2024m03', '2024-03-01', '2024-04-01'],
    ['orders_y2024m04', '2024-04-01', '2024-05-01'],
  ],
};

function findings(
  preflight: Preflight,
  table: Omit<TableInput, 'name'> = { schema: 'app' },
  spec: TableSpec = ORDERS,
): Finding[] {
  const plan = buildPlan([spec], snapshotOf([{ name: spec.name, ...table }]), NOW);
  const only = withPreflight(plan, [spec], preflight).tables[0];
  if (!only) throw new Error('no table plan');
  return only.findings;
}

const preflightOnly = (all: Finding[]): Finding[] =>
  all.filter((f) => (PREFLIGHT_CODES as readonly string[]).includes(f.code));

describe('pre-flight findings', () => {
  it('none when everything is allowed; the shortfall then says the plan fixes it', () => {
    const all = findings(preflightOf());
    expect(preflightOnly(all)).toEqual([]);
    expect(all.find((f) => f.code === 'shortfall')?.message).toMatch(/this plan fixes it\.$/);
  });

  it('none when the plan has nothing to do, however little the role may do', () => {
    const locked = preflightOf({
      readOnly: true,
      inRecovery: true,
      schemas: new Map([['app', { exists: true, usage: false, create: false }]]),
      parents: new Map([
        [relationKey(ORDERS), { owner: 'app_owner', ownerRights: false, tablespaceCreate: false }],
      ]),
    });
    expect(findings(locked, COVERED)).toEqual([]);
  });

  it('no CREATE on the schema: the GRANT, and the shortfall no longer says the plan fixes it', () => {
    const all = findings(
      preflightOf({ schemas: new Map([['app', { exists: true, usage: true, create: false }]]) }),
    );
    expect(preflightOnly(all)).toEqual([
      {
        level: 'error',
        code: 'missing-privilege',
        message:
          'role ci lacks CREATE on schema app, where the new partitions of app.orders go: GRANT CREATE ON SCHEMA app TO ci.',
      },
    ]);
    const shortfall = all.find((f) => f.code === 'shortfall')?.message;
    expect(shortfall).toMatch(
      /this plan would fix it, but apply cannot run it until the missing-privilege error is fixed\.$/,
    );
    expect(shortfall).not.toMatch(/this plan fixes it/);
  });

  it('premake alone (coverage fine) is planned work too', () => {
    const oneAhead = { schema: 'app', partitions: COVERED.partitions?.slice(0, 2) };
    const all = findings(
      preflightOf({ schemas: new Map([['app', { exists: true, usage: false, create: false }]]) }),
      oneAhead,
    );
    expect(all.map((f) => f.message)).toEqual([
      'role ci lacks USAGE and CREATE on schema app, where the new partitions of app.orders go: GRANT USAGE, CREATE ON SCHEMA app TO ci.',
    ]);
  });

  it('not the owner: GRANT the owner role, names quoted where SQL needs it', () => {
    const all = findings(
      preflightOf({
        role: 'CI Role',
        parents: new Map([
          [relationKey(ORDERS), { owner: 'user', ownerRights: false, tablespaceCreate: true }],
        ]),
      }),
    );
    expect(preflightOnly(all).map((f) => [f.code, f.message])).toEqual([
      [
        'not-owner',
        'role "CI Role" neither owns app.orders nor has the rights of its owner "user", which creating its partitions needs: ' +
          'GRANT "user" TO "CI Role" (or ALTER TABLE app.orders OWNER TO "CI Role").',
      ],
    ]);
  });

  it('no CREATE on the parent’s tablespace', () => {
    const all = findings(
      preflightOf({
        parents: new Map([
          [
            relationKey(ORDERS),
            { owner: 'ci', ownerRights: true, tablespace: 'fast', tablespaceCreate: false },
          ],
        ]),
      }),
    );
    expect(preflightOnly(all).map((f) => f.message)).toEqual([
      'role ci lacks CREATE on tablespace fast, where the new partitions of app.orders go: GRANT CREATE ON TABLESPACE fast TO ci.',
    ]);
  });

  it.each([
    ['database', 'ALTER DATABASE shop RESET default_transaction_read_only'],
    ['user', 'ALTER ROLE ci RESET default_transaction_read_only'],
    ['database user', 'ALTER ROLE ci IN DATABASE shop RESET default_transaction_read_only'],
    ['configuration file', 'ALTER SYSTEM RESET default_transaction_read_only'],
    ['client', "PGOPTIONS or the URL's options"],
    ['session', 'connect with a read-write session'],
  ])('a read-only session (set by %s): the way to turn it off', (source, fix) => {
    const [finding, ...rest] = preflightOnly(
      findings(preflightOf({ readOnly: true, readOnlySource: source })),
    );
    expect(rest).toEqual([]);
    expect(finding?.code).toBe('read-only');
    expect(finding?.message).toContain('the session is read-only');
    expect(finding?.message).toContain(fix);
  });

  it('a hot standby: connect to the primary', () => {
    const [finding] = preflightOnly(findings(preflightOf({ readOnly: true, inRecovery: true })));
    expect(finding?.message).toMatch(/hot standby.*connect to the primary, not a standby/);
  });

  describe('archival', () => {
    const archiving = specOf({
      schema: 'app',
      name: 'orders',
      retention: { count: 1, unit: 'month' },
      archive: { schema: 'archive', drop: false },
    });
    const withOld = {
      schema: 'app',
      partitions: [
        ['orders_y2023m12', '2023-12-01', '2024-01-01'] as [string, string, string],
        ['orders_y2024m01', '2024-01-01', '2024-02-01'] as [string, string, string],
        ...(COVERED.partitions ?? []),
      ],
    };

    it('detaching alone needs the owner’s rights and USAGE, not CREATE on the parent’s schema', () => {
      const all = findings(
        preflightOf({
          schemas: new Map([
            ['app', { exists: true, usage: true, create: false }],
            ['archive', { exists: true, usage: true, create: true }],
          ]),
          parents: new Map([
            [relationKey(ORDERS), { owner: 'app_owner', ownerRights: false, tablespaceCreate: true }],
          ]),
        }),
        withOld,
        archiving,
      );
      expect(preflightOnly(all).map((f) => f.message)).toEqual([
        expect.stringMatching(
          /^role ci neither owns app.orders .* which detaching its partitions needs: GRANT app_owner TO ci /,
        ),
      ]);
    });

    it('an archive schema that does not exist and may not be created', () => {
      const schemas = new Map([
        ['app', { exists: true, usage: true, create: true }],
        ['archive', { exists: false, usage: false, create: false }],
      ]);
      expect(
        preflightOnly(findings(preflightOf({ schemas, canCreateSchemas: false }), withOld, archiving)).map(
          (f) => f.message,
        ),
      ).toEqual([
        'schema archive, where archived partitions of app.orders move, does not exist, and role ci may not create it (no CREATE on database shop): ' +
          'CREATE SCHEMA archive AUTHORIZATION ci as its owner or a superuser, or GRANT CREATE ON DATABASE shop TO ci.',
      ]);
      expect(
        preflightOnly(findings(preflightOf({ schemas, canCreateSchemas: true }), withOld, archiving)),
      ).toEqual([]);
    });

    it('an archive schema without CREATE', () => {
      const schemas = new Map([
        ['app', { exists: true, usage: true, create: true }],
        ['archive', { exists: true, usage: true, create: false }],
      ]);
      expect(
        preflightOnly(findings(preflightOf({ schemas }), withOld, archiving)).map((f) => f.message),
      ).toEqual([
        'role ci lacks CREATE on schema archive, where archived partitions of app.orders move: GRANT CREATE ON SCHEMA archive TO ci.',
      ]);
    });
  });
});
