// Carries out the archival steps that are not SQL (dump, verify, upload, drop) for `apply`: pg_dump
// of the table, the dump checked against the table's rows, stored with its manifest where the config
// says, and the table dropped only once the store confirms its verified dump. What one step hands the
// next (the local dump, its figures) lives in one EffectRun per apply, never in module state.
//
// Each effect is safe to run again: before dumping, the store's manifest for this table is read; a
// dump already stored, confirmed by the store and matching the table's rows counts as done. So a
// run killed after any step is completed by the next one with nothing dumped or stored twice.
// A manifest names the database its dump came from: one of another database (or one that does not
// say, written before manifests did) is never overwritten, and counts as this table's dump only
// when the store confirms it and it holds exactly this table's rows.
//
// The drop checks the table's rows against the stored dump and drops it in one transaction that
// first takes ACCESS EXCLUSIVE on it: no row can be written in between and dropped unarchived.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type pg from 'pg';
import { parseConnInfo, type Env } from '../db/conninfo';
import { quoteQualified, relationKey } from '../sql/quote';
import { dropSql, lockForDropSql, markStoredSql, ourArchivedTableSql } from '../sql/step-sql';
import type { EffectStep } from '../steps/step';
import { plural } from '../words';
import {
  describeDatabase,
  dumpFileName,
  dumpTable,
  dumpTarget,
  fingerprintInTransaction,
  openStore,
  readDatabaseIdentity,
  readServerVersion,
  sameDatabase,
  tableFingerprint,
  verifyDump,
  type ArchiveStore,
  type DatabaseIdentity,
  type DumpResult,
  type DumpTarget,
  type Fingerprint,
  type ManifestEntry,
} from './archive';
import { isRetryable, retryDelay } from './execute';
import { sleep } from './sleep';

/** What the dump step made, for verify and upload in the same run. */
interface LocalDump {
  file: string;
  name: string;
  fingerprint: Fingerprint;
  dump: DumpResult;
  serverVersion: string;
  createdAt: string;
  verified: boolean;
}

export interface EffectResult {
  /** `already-done`: the store already holds this table's verified dump (or the table is gone). */
  status: 'done' | 'already-done';
  notices: string[];
}

/** An effect that cannot go ahead; the step fails with this message (nothing was dropped). */
export class EffectRefused extends Error {
  override name = 'EffectRefused';
}

/** The location of a stored dump as the origin mark records it: the configured store, then the name. */
export function storedAt(location: string, name: string): string {
  return `${location.replace(/\/+$/, '')}/${name}`;
}

/** One apply's archival effects: stores opened once, local dumps kept in a directory removed at the end. */
export class EffectRun {
  private readonly stores = new Map<string, ArchiveStore>();
  private readonly dumps = new Map<string, LocalDump>();
  /** Tables whose verified dump the store already held when this run looked. */
  private readonly stored = new Map<string, ManifestEntry>();
  private workDir: string | undefined;
  private target: DumpTarget | undefined;
  private database: DatabaseIdentity | undefined;

  constructor(
    private readonly databaseUrl: string,
    /** Epoch ms: the run's deadline stops pg_dump, pg_restore and transfers still running then. */
    private readonly deadline: number,
    private readonly env: Env = process.env,
  ) {}

  /** Aborts at the run's deadline: given to every store call and tool. */
  private signal(): { signal: AbortSignal } {
    return { signal: AbortSignal.timeout(Math.max(1, this.deadline - Date.now())) };
  }

  private store(location: string): ArchiveStore {
    let store = this.stores.get(location);
    if (!store) {
      store = openStore(location, this.env);
      this.stores.set(location, store);
    }
    return store;
  }

  private async dumpTarget(client: pg.Client): Promise<DumpTarget> {
    this.target ??= dumpTarget(
      parseConnInfo(this.databaseUrl, this.env),
      await readServerVersion(client),
      this.env,
    );
    return this.target;
  }

  private async directory(): Promise<string> {
    this.workDir ??= await mkdtemp(join(tmpdir(), 'partition-keeper-dumps-'));
    return this.workDir;
  }

  /** Removes the local dumps (stored ones live in the store). */
  async close(): Promise<void> {
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true });
  }

  async run(client: pg.Client, step: EffectStep): Promise<EffectResult> {
    switch (step.kind) {
      case 'dump':
        return this.dump(client, step);
      case 'verify':
        return this.verify(client, step);
      case 'upload':
        return this.upload(client, step);
      case 'drop':
        return this.drop(client, step);
    }
  }

  /** This database (and cluster, where the role may read it), as manifests record it. */
  private async identity(client: pg.Client): Promise<DatabaseIdentity> {
    this.database ??= await readDatabaseIdentity(client);
    return this.database;
  }

  /**
   * The store's manifest for this table (refused when it names another parent or other bounds),
   * with `foreign` saying why it cannot be taken for this database's own: it names another
   * database, or none (version 1). Such a dump is never overwritten, and counts as this table's
   * only where its bytes and rows are shown to be exactly this table's (a database moved to a new
   * cluster keeps its archives); the dump's name carries no database.
   */
  private async manifestOf(
    client: pg.Client,
    step: EffectStep,
  ): Promise<{ manifest?: ManifestEntry; foreign?: string }> {
    const name = dumpFileName(step.partition);
    const store = this.store(step.store);
    const manifest = await store.getManifest(name, this.signal());
    if (!manifest) return {};
    const parent = quoteQualified(step.parent);
    if (manifest.parent !== parent || manifest.from !== step.from || manifest.to !== step.to) {
      throw new EffectRefused(
        `the store ${store.label} holds ${name} for ${manifest.parent} [${manifest.from}, ${manifest.to}), ` +
          `not for ${parent} [${step.from}, ${step.to}): move it away or archive into another location`,
      );
    }
    const here = await this.identity(client);
    const elsewhere = `archive this database's tables into another location, e.g. ${storedAt(step.store, here.name)}`;
    if (!manifest.database) {
      return {
        manifest,
        foreign:
          `${store.label} holds ${name} with a manifest that does not say which database it came from ` +
          `(version ${manifest.version}, written before manifests recorded it), not shown to hold this table's rows: it is ` +
          `neither overwritten nor counted as the dump of this ${describeDatabase(here)}; ${elsewhere}, or, if ` +
          `that dump is this database's own, move it and its manifest out of the way first`,
      };
    }
    if (!sameDatabase(manifest.database, here)) {
      return {
        manifest,
        foreign:
          `${store.label} holds ${name} from ${describeDatabase(manifest.database)}, not from this ` +
          `${describeDatabase(here)}, not shown to hold this table's rows: it is neither overwritten nor counted as this ` +
          `table's dump; ${elsewhere}`,
      };
    }
    return { manifest };
  }

  /** Why the store does not show the manifest's dump with its sha256, or undefined when it does. */
  private async unconfirmed(step: EffectStep, manifest: ManifestEntry): Promise<string | undefined> {
    if (await this.store(step.store).confirm(manifest.file, manifest.sha256, this.signal())) return undefined;
    return `the store does not show ${manifest.file} with the sha256 its manifest records`;
  }

  /** The store holds a verified dump of exactly the table's rows. */
  private async storedAndCurrent(
    client: pg.Client,
    step: EffectStep,
    manifest: ManifestEntry,
  ): Promise<string | undefined> {
    return (
      (await this.unconfirmed(step, manifest)) ??
      differs(step, await tableFingerprint(client, step.partition), manifest)
    );
  }

  private async exists(client: pg.Client, table: EffectStep['partition']): Promise<boolean> {
    const { rows } = await client.query<{ oid: string | null }>('select to_regclass($1)::oid as oid', [
      quoteQualified(table),
    ]);
    return Boolean(rows[0]?.oid);
  }

  private async dump(client: pg.Client, step: EffectStep): Promise<EffectResult> {
    const key = relationKey(step.partition);
    const { manifest, foreign } = await this.manifestOf(client, step);
    if (!(await this.exists(client, step.partition))) {
      // Dropped after its dump was stored (a reviewed file run again): done, if the store shows it.
      if (foreign) throw new EffectRefused(foreign);
      if (manifest && (await this.store(step.store).confirm(manifest.file, manifest.sha256, this.signal()))) {
        this.stored.set(key, manifest);
        return {
          status: 'already-done',
          notices: [`dropped; its dump is ${storedAt(step.store, manifest.file)}`],
        };
      }
      throw new EffectRefused(
        `${quoteQualified(step.partition)} does not exist, and ${this.store(step.store).label} holds no confirmed dump of it`,
      );
    }
    // Only detached tables carrying our mark for these bounds are ever dumped (a reviewed file
    // edited to name another table is refused here, before anything leaves the database).
    await client.query(ourArchivedTableSql(step));
    if (manifest && (await this.storedAndCurrent(client, step, manifest)) === undefined) {
      this.stored.set(key, manifest);
      return {
        status: 'already-done',
        notices: [`${storedAt(step.store, manifest.file)} already holds this table's verified dump`],
      };
    }
    // Another database's dump (or one of unknown origin) holding other rows: never overwritten.
    if (foreign) throw new EffectRefused(foreign);
    const target = await this.dumpTarget(client);
    const name = dumpFileName(step.partition);
    const file = join(await this.directory(), name);
    // The fingerprint (this session) and pg_dump (its own connection) read the table side by side;
    // both are awaited whatever happens, so no query is left running on this session.
    const [counted, dumped] = await Promise.allSettled([
      tableFingerprint(client, step.partition),
      dumpTable(target, step.partition, file, this.signal()),
    ]);
    if (counted.status === 'rejected') throw counted.reason;
    if (dumped.status === 'rejected') throw dumped.reason;
    const fingerprint = counted.value;
    const dump = dumped.value;
    this.dumps.set(key, {
      file,
      name,
      fingerprint,
      dump,
      serverVersion: target.server.text,
      createdAt: new Date().toISOString(),
      verified: false,
    });
    return {
      status: 'done',
      notices: [`dumped ${fingerprint.rows} rows, ${dump.size} bytes, sha256 ${dump.sha256}`],
    };
  }

  private local(step: EffectStep): LocalDump {
    const local = this.dumps.get(relationKey(step.partition));
    if (!local) {
      throw new EffectRefused(
        `no dump of ${quoteQualified(step.partition)} was made in this run: its dump step must run first`,
      );
    }
    return local;
  }

  private async verify(client: pg.Client, step: EffectStep): Promise<EffectResult> {
    if (this.stored.has(relationKey(step.partition))) {
      return { status: 'already-done', notices: [] };
    }
    const local = this.local(step);
    await verifyDump(
      await this.dumpTarget(client),
      local.file,
      { ...local.fingerprint, sha256: local.dump.sha256, size: local.dump.size },
      this.signal(),
    );
    local.verified = true;
    return {
      status: 'done',
      notices: [`${local.fingerprint.rows} rows read back from the dump match the table`],
    };
  }

  private async upload(client: pg.Client, step: EffectStep): Promise<EffectResult> {
    const store = this.store(step.store);
    const known = this.stored.get(relationKey(step.partition));
    if (known) {
      if (await this.exists(client, step.partition)) {
        await client.query(markStoredSql(step, storedAt(step.store, known.file)));
      }
      return { status: 'already-done', notices: [] };
    }
    const local = this.local(step);
    if (!local.verified) {
      throw new EffectRefused(
        `the dump of ${quoteQualified(step.partition)} was not verified: it is not stored`,
      );
    }
    // Looked at again: another database's dump may have arrived under this name since the dump step.
    const { foreign } = await this.manifestOf(client, step);
    if (foreign) throw new EffectRefused(foreign);
    await store.put(local.name, local.file, local.dump.sha256, this.signal());
    await store.putManifest(
      {
        version: 2,
        database: await this.identity(client),
        table: quoteQualified(step.partition),
        parent: quoteQualified(step.parent),
        from: step.from,
        to: step.to,
        rows: local.fingerprint.rows,
        checksum: local.fingerprint.checksum,
        file: local.name,
        size: local.dump.size,
        sha256: local.dump.sha256,
        serverVersion: local.serverVersion,
        pgDumpVersion: local.dump.pgDumpVersion,
        createdAt: local.createdAt,
      },
      this.signal(),
    );
    await client.query(markStoredSql(step, storedAt(step.store, local.name)));
    return {
      status: 'done',
      notices: [`stored as ${storedAt(step.store, local.name)}, sha256 confirmed by reading it back`],
    };
  }

  /**
   * DROP only when the store confirms this table's verified dump and the table still holds exactly
   * its rows, checked under the lock the DROP holds (dropLocked). A lock timeout is tried again, as
   * for SQL steps, until the run's deadline.
   */
  private async drop(client: pg.Client, step: EffectStep): Promise<EffectResult> {
    if (!(await this.exists(client, step.partition))) return { status: 'already-done', notices: [] };
    // Before the store is read and the table locked for minutes: a live partition under that name
    // (reattached since) is refused here, not after its readers waited behind ACCESS EXCLUSIVE.
    await client.query(ourArchivedTableSql(step, 'only those are dropped'));
    if (vanishesWithJob(step.store, this.env)) {
      throw new EffectRefused(
        `not dropped: ${step.store} lies in this job's workspace or temp directory, which the runner deletes ` +
          'when the job ends; store dumps in s3://… (or a directory the machine keeps) to drop archived tables',
      );
    }
    // Whichever database wrote the manifest, its dump must be confirmed in the store and hold
    // exactly this table's rows (checked under the lock the DROP takes).
    const { manifest } = await this.manifestOf(client, step);
    if (!manifest) {
      throw new EffectRefused(
        `not dropped: ${this.store(step.store).label} holds no manifest for ${dumpFileName(step.partition)}`,
      );
    }
    const unconfirmed = await this.unconfirmed(step, manifest);
    if (unconfirmed) throw new EffectRefused(`not dropped: ${unconfirmed}`);
    for (let attempts = 1; ; attempts += 1) {
      let problem: string | undefined;
      try {
        problem = await dropLocked(client, step, manifest);
      } catch (error) {
        // Dropped meanwhile by another run (undefined_table): nothing left to do.
        if ((error as { code?: string }).code === '42P01') return { status: 'already-done', notices: [] };
        if (!isRetryable(error)) throw error;
        const wait = retryDelay(attempts, { deadline: this.deadline });
        if (wait === undefined) {
          throw new EffectRefused(
            `not dropped: ${(error as Error).message} (gave up at the run deadline after ${plural(attempts, 'attempt')})`,
          );
        }
        await sleep(wait);
        continue;
      }
      if (problem) throw new EffectRefused(`not dropped: ${problem}`);
      return { status: 'done', notices: [`dropped; its dump is ${storedAt(step.store, manifest.file)}`] };
    }
  }
}

/** Why the table's rows are not exactly those of its stored dump, or undefined when they are. */
function differs(step: EffectStep, now: Fingerprint, manifest: ManifestEntry): string | undefined {
  if (now.rows === manifest.rows && now.checksum === manifest.checksum) return undefined;
  return `${quoteQualified(step.partition)} now has ${now.rows} rows (checksum ${now.checksum}), its stored dump ${manifest.rows} (${manifest.checksum})`;
}

/**
 * One transaction: ACCESS EXCLUSIVE on the table (under the session's lock_timeout), its rows
 * checked against the manifest, DROP, COMMIT. Returns why not (rolled back), or undefined when dropped.
 */
async function dropLocked(
  client: pg.Client,
  step: EffectStep,
  manifest: ManifestEntry,
): Promise<string | undefined> {
  await client.query('BEGIN');
  try {
    await client.query(lockForDropSql(step));
    const problem = differs(step, await fingerprintInTransaction(client, step.partition), manifest);
    if (problem) {
      await client.query('ROLLBACK');
      return problem;
    }
    await client.query(dropSql(step));
    await client.query('COMMIT');
    return undefined;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A directory inside the job's workspace or temp directory vanishes when the job ends. */
export function vanishesWithJob(location: string, env: NodeJS.ProcessEnv): boolean {
  if (location.startsWith('s3://')) return false;
  const dir = resolve(location);
  return [env.GITHUB_WORKSPACE, env.RUNNER_TEMP].some((root) => {
    if (!root) return false;
    const base = resolve(root);
    return dir === base || dir.startsWith(base + sep);
  });
}
