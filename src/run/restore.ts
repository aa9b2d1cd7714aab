// `reattach --from-dump`: the dump fetched from its store, verified against its manifest, and
// pg_restore'd into the database (the table comes back where it was archived, with its origin mark).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type pg from 'pg';
import { parseQualifiedName, quoteIdent, quoteQualified } from '../sql/quote';
import type { QualifiedName } from '../types';
import { openStore, verifyDump, type DumpTarget, type ManifestEntry } from './archive';
import { failure, runTool } from './archive/tools';

/** A dump's store and name, from FILE (a local dump, its manifest beside it) or s3://bucket/prefix/name. */
export function locateDump(location: string): { store: string; name: string } {
  if (location.startsWith('s3://')) {
    const cut = location.lastIndexOf('/');
    if (cut <= 's3://'.length || cut === location.length - 1) {
      throw new Error(`${location} does not name a dump: write s3://bucket/prefix/name.pgdump`);
    }
    return { store: location.slice(0, cut), name: location.slice(cut + 1) };
  }
  return { store: dirname(location), name: basename(location) };
}

export class RestoreError extends Error {
  override name = 'RestoreError';
}

export interface FetchedDump {
  manifest: ManifestEntry;
  table: QualifiedName;
  parent: QualifiedName;
}

/**
 * Fetches the dump at `location`, verifies it against its manifest (size, sha256, pg_restore --list,
 * rows and content checksum) and, unless the table is already there, restores it. Returns what the
 * manifest says the table is. Nothing is restored from a dump that fails verification.
 */
export async function restoreFromDump(
  client: pg.Client,
  target: DumpTarget,
  location: string,
  env: NodeJS.ProcessEnv,
  /** The run's deadline: stops the download, the verification and pg_restore still running then. */
  signal?: AbortSignal,
): Promise<FetchedDump & { restored: boolean }> {
  const bounded = signal ? { signal } : {};
  const { store: where, name } = locateDump(location);
  const store = openStore(where, env);
  const manifest = await store.getManifest(name, bounded);
  if (!manifest)
    throw new RestoreError(`${location}: no manifest beside it (${name}.manifest.json) in ${store.label}`);
  const table = parseQualifiedName(manifest.table);
  const parent = parseQualifiedName(manifest.parent);
  // Already put back (a second run): its partition in the parent's schema, attached to the parent.
  const home = { schema: parent.schema, name: table.name };
  const back = await client.query<{ attached: boolean }>(
    'select coalesce((select i.inhparent = to_regclass($2) from pg_inherits i where i.inhrelid = to_regclass($1)), false) as attached',
    [quoteQualified(home), manifest.parent],
  );
  if (back.rows[0]?.attached) return { manifest, table: home, parent, restored: false };
  const { rows } = await client.query<{ oid: string | null }>('select to_regclass($1)::oid as oid', [
    manifest.table,
  ]);
  if (rows[0]?.oid) return { manifest, table, parent, restored: false };

  const dir = await mkdtemp(join(tmpdir(), 'partition-keeper-restore-'));
  try {
    const file = join(dir, 'dump.pgdump');
    await store.download(name, file, bounded);
    await verifyDump(target, file, manifest, bounded);
    const schema = await client.query<{ oid: string | null }>('select to_regnamespace($1)::oid as oid', [
      quoteIdent(table.schema),
    ]);
    if (!schema.rows[0]?.oid) await client.query(`CREATE SCHEMA ${quoteIdent(table.schema)}`);
    const run = runTool(target, 'pg_restore', [
      `--dbname=${target.conn.database}`,
      '--no-password',
      '--no-owner',
      '--single-transaction',
      '--exit-on-error',
      file,
    ]);
    run.child.stdout.resume();
    const stop = (): void => void run.child.kill();
    signal?.addEventListener('abort', stop, { once: true });
    const result = await run.done;
    signal?.removeEventListener('abort', stop);
    if (result.spawnError || result.code !== 0) {
      throw new RestoreError(
        `pg_restore of ${location} failed: ${result.spawnError?.message ?? failure(result)}`,
      );
    }
    return { manifest, table, parent, restored: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
