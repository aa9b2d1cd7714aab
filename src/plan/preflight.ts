// Pre-flight findings: what `apply` would fail to do as the connected role in this session, each an
// error with its fix. Raised only for work the plan has: a plan with nothing to do cannot fail.
import type { Finding, FindingCode, Plan, Preflight, TablePlan, TableSpec } from '../types';
import { quoteIdent, relationKey } from '../sql/quote';
import { shortfallFinding } from './findings';

export const PREFLIGHT_CODES = [
  'missing-privilege',
  'not-owner',
  'read-only',
] as const satisfies readonly FindingCode[];

/** The kinds of work a table's plan asks of the database. */
interface Work {
  /** Partitions to make: planned creates, or coverage short (apply would have to make some). */
  creates: boolean;
  detaches: boolean;
  /** Schemas archived partitions move into. */
  moveTo: string[];
}

function workOf(table: TablePlan): Work {
  const moves = table.archive.filter((a) => a.steps.includes('move')).map((a) => a.targetSchema);
  return {
    creates: table.create.length > 0 || !table.coverage.ok,
    detaches: table.archive.some((a) => a.steps.includes('detach')),
    moveTo: [...new Set(moves)],
  };
}

const error = (code: FindingCode, message: string): Finding => ({ level: 'error', code, message });

export function preflightFindings(preflight: Preflight, table: TablePlan): Finding[] {
  if (table.skipped) return [];
  const work = workOf(table);
  if (!work.creates && !work.detaches && work.moveTo.length === 0) return [];
  return [
    ...readOnlyFinding(preflight),
    ...schemaFinding(preflight, table, work),
    ...ownerFinding(preflight, table, work),
    ...tablespaceFinding(preflight, table, work),
    ...work.moveTo.flatMap((schema) => archiveSchemaFinding(preflight, table, schema)),
  ];
}

function readOnlyFinding(preflight: Preflight): Finding[] {
  if (preflight.inRecovery) {
    return [
      error(
        'read-only',
        'the server is a hot standby (in recovery), where nothing can be created or detached: connect to the primary, not a standby.',
      ),
    ];
  }
  if (!preflight.readOnly) return [];
  return [
    error(
      'read-only',
      `the session is read-only (transaction_read_only is on), so apply cannot write: ${readOnlyFix(preflight)}.`,
    ),
  ];
}

/** Where default_transaction_read_only came from decides where to turn it off. */
function readOnlyFix(preflight: Preflight): string {
  const role = quoteIdent(preflight.role);
  const database = quoteIdent(preflight.database);
  const setting = 'default_transaction_read_only';
  switch (preflight.readOnlySource) {
    case 'database':
      return `${setting} is on for database ${database}; ALTER DATABASE ${database} RESET ${setting}, then reconnect`;
    case 'user':
      return `${setting} is on for role ${role}; ALTER ROLE ${role} RESET ${setting}, then reconnect`;
    case 'database user':
      return `${setting} is on for role ${role} in database ${database}; ALTER ROLE ${role} IN DATABASE ${database} RESET ${setting}, then reconnect`;
    case 'configuration file':
    case 'command line':
      return `${setting} is on for the whole server (${preflight.readOnlySource}); turn it off there (or ALTER SYSTEM RESET ${setting}) and reload`;
    case 'client':
      return `the connection asks for ${setting} (PGOPTIONS or the URL's options); connect without it`;
    default:
      return 'connect with a read-write session';
  }
}

/** USAGE on the parent's schema for any work, CREATE too where partitions are made. */
function schemaFinding(preflight: Preflight, table: TablePlan, work: Work): Finding[] {
  const access = preflight.schemas.get(table.schema);
  const missing = [
    ...(access?.usage ? [] : ['USAGE']),
    ...(work.creates && !access?.create ? ['CREATE'] : []),
  ];
  if (missing.length === 0) return [];
  const schema = quoteIdent(table.schema);
  const role = quoteIdent(preflight.role);
  const why = work.creates ? `where the new partitions of ${table.table} go` : `which holds ${table.table}`;
  return [
    error(
      'missing-privilege',
      `role ${role} lacks ${missing.join(' and ')} on schema ${schema}, ${why}: GRANT ${missing.join(', ')} ON SCHEMA ${schema} TO ${role}.`,
    ),
  ];
}

/** CREATE TABLE … PARTITION OF, ATTACH and DETACH all need the parent's owner's rights. */
function ownerFinding(preflight: Preflight, table: TablePlan, work: Work): Finding[] {
  const access = preflight.parents.get(relationKey(table));
  if (!access || access.ownerRights || (!work.creates && !work.detaches)) return [];
  const role = quoteIdent(preflight.role);
  const owner = quoteIdent(access.owner);
  const doing = [work.creates ? 'creating' : '', work.detaches ? 'detaching' : '']
    .filter(Boolean)
    .join(' and ');
  return [
    error(
      'not-owner',
      `role ${role} neither owns ${table.table} nor has the rights of its owner ${owner}, which ${doing} its partitions needs: ` +
        `GRANT ${owner} TO ${role} (or ALTER TABLE ${table.table} OWNER TO ${role}).`,
    ),
  ];
}

/** New partitions go into the parent's tablespace. */
function tablespaceFinding(preflight: Preflight, table: TablePlan, work: Work): Finding[] {
  const access = preflight.parents.get(relationKey(table));
  if (!work.creates || !access?.tablespace || access.tablespaceCreate) return [];
  const role = quoteIdent(preflight.role);
  const tablespace = quoteIdent(access.tablespace);
  return [
    error(
      'missing-privilege',
      `role ${role} lacks CREATE on tablespace ${tablespace}, where the new partitions of ${table.table} go: GRANT CREATE ON TABLESPACE ${tablespace} TO ${role}.`,
    ),
  ];
}

/** Moving a partition needs CREATE on the archive schema, or on the database to create the schema. */
function archiveSchemaFinding(preflight: Preflight, table: TablePlan, name: string): Finding[] {
  const access = preflight.schemas.get(name);
  const role = quoteIdent(preflight.role);
  const schema = quoteIdent(name);
  const where = `schema ${schema}, where archived partitions of ${table.table} move`;
  if (!access?.exists) {
    if (preflight.canCreateSchemas) return [];
    const database = quoteIdent(preflight.database);
    return [
      error(
        'missing-privilege',
        `${where}, does not exist, and role ${role} may not create it (no CREATE on database ${database}): ` +
          `CREATE SCHEMA ${schema} AUTHORIZATION ${role} as its owner or a superuser, or GRANT CREATE ON DATABASE ${database} TO ${role}.`,
      ),
    ];
  }
  const missing = [...(access.usage ? [] : ['USAGE']), ...(access.create ? [] : ['CREATE'])];
  if (missing.length === 0) return [];
  return [
    error(
      'missing-privilege',
      `role ${role} lacks ${missing.join(' and ')} on ${where}: GRANT ${missing.join(', ')} ON SCHEMA ${schema} TO ${role}.`,
    ),
  ];
}

/**
 * The plan with each table's pre-flight findings added. Where they block a plan that would restore
 * coverage, its shortfall finding stops saying "this plan fixes it".
 */
export function withPreflight(
  plan: Plan,
  specs: readonly Pick<TableSpec, 'schema' | 'name' | 'coverage'>[],
  preflight: Preflight,
): Plan {
  const specOf = new Map(specs.map((s) => [relationKey(s), s]));
  return {
    ...plan,
    tables: plan.tables.map((t) => tableWithPreflight(t, specOf.get(relationKey(t)), preflight)),
  };
}

function tableWithPreflight(
  table: TablePlan,
  spec: Pick<TableSpec, 'coverage'> | undefined,
  preflight: Preflight,
): TablePlan {
  const added = preflightFindings(preflight, table);
  if (added.length === 0) return table;
  const blockedBy = [...new Set(added.map((f) => f.code))];
  const findings = table.findings.map((f) =>
    f.code === 'shortfall' && spec
      ? (shortfallFinding(
          table.coverage,
          table.coverageAfterPlan,
          spec.coverage.minimumAhead,
          table.interval,
          blockedBy,
        )[0] ?? f)
      : f,
  );
  return { ...table, findings: [...findings, ...added] };
}
