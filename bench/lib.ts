// Shared bits of the benchmark scripts: a database of their own on the local server, and timing.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { namePrefix } from '../src/catalog/archived';
import { PARENTS_SQL, membersSql } from '../src/catalog/queries';
import { quoteLiteral, quoteQualified } from '../src/sql/quote';
import type { TableSpec } from '../src/types';

export const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Connects, runs `work`, and always closes the connection. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops and recreates `name` on the server (as a copy of `template`, when given); returns its URL. */
export async function benchDatabase(name: string, template?: string): Promise<string> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    const from = template ? ` template ${pg.escapeIdentifier(template)}` : '';
    await admin.query(`create database ${pg.escapeIdentifier(name)}${from}`);
  });
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Wall-clock milliseconds of one run of a command; throws when it fails. */
export function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  // A plan of hundreds of tables prints megabytes of JSON: past spawnSync's 1 MB default it is killed.
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The p-th percentile (0–100) by the nearest-rank method: a value that was actually observed. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(adminUrl, (admin) =>
    admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`),
  );
}

/** The bench server's server_version_num (the catalog statement's text depends on it). */
export function serverVersionNum(url: string = adminUrl): number {
  const out = spawnSync('psql', [url, '-Atc', 'show server_version_num'], { encoding: 'utf8' });
  const version = Number(out.stdout.trim());
  if (!Number.isInteger(version)) throw new Error(`psql could not read the server version: ${out.stderr}`);
  return version;
}

/**
 * Writes our catalog statements into `file` as psql would run them: the arrays inlined (the
 * parents' oids looked up by name, as the first statement gives them), no sizes, jit off (as plan
 * and check send them, catalog/transaction.ts).
 */
export function writeCatalogSql(file: string, specs: readonly TableSpec[]): void {
  const array = (values: (string | null)[], type = 'text'): string =>
    `array[${values.map((v) => (v === null ? 'null' : quoteLiteral(v))).join(',')}]::${type}[]`;
  const schemas = array(specs.map((s) => s.schema));
  const archives = array(specs.map((s) => s.archive?.schema ?? null));
  const parents = PARENTS_SQL.replaceAll('$1::text[]', schemas)
    .replaceAll('$2::text[]', array(specs.map((s) => s.name)))
    .replaceAll('$3::text[]', archives);
  const members = membersSql(serverVersionNum(), false)
    .replaceAll('$1::int[]', `array[${specs.map((_, i) => i + 1).join(',')}]::int[]`)
    .replaceAll(
      '$2::oid[]',
      `array[${specs.map((s) => `to_regclass(${quoteLiteral(quoteQualified(s))})::oid`).join(',')}]`,
    )
    .replaceAll('$3::text[]', schemas)
    .replaceAll('$4::text[]', archives)
    .replaceAll('$5::text[]', array(specs.map((s) => namePrefix(s.naming, s.name))))
    .replaceAll('$6::boolean[]', `array[${specs.map(() => 'true').join(',')}]`);
  writeFileSync(file, `set jit = off;\n${parents};\n${members};\n`);
}
