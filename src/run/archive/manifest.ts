// The manifest: one small JSON file beside each dump (`<file>.manifest.json`), saying what the dump
// holds (table, parent, bounds, rows, content checksum) and what the file is (size, sha256), so a
// dropped partition can be verified and put back with no other state. One file per dump: nothing
// shared to race on. Never holds a secret: only names, bounds, counts, hashes and versions.
//
// Version 2 adds `database`: which database (and, where the role may read it, which cluster) the
// dump came from. The dump's name carries only schema and table, so two databases archiving a
// same-named table into one prefix meet at one name; the archival steps never overwrite a manifest of
// another database, or a version 1 one (its database is unknown), and count its dump as this
// table's only when the store confirms it and it holds exactly this table's rows (a database
// restored onto another cluster).
import { z } from 'zod';
import type { QualifiedName } from '../../types';

export const MANIFEST_SUFFIX = '.manifest.json';

/** Where a dump came from: current_database(), and the cluster's system identifier when readable. */
export const databaseIdentitySchema = z.strictObject({
  name: z.string().min(1),
  /** pg_control_system().system_identifier, as text; absent when the role may not read it. */
  systemIdentifier: z
    .string()
    .regex(/^[0-9]+$/)
    .optional(),
});

export type DatabaseIdentity = z.infer<typeof databaseIdentitySchema>;

export const manifestEntrySchema = z
  .strictObject({
    /** 1: written before manifests named their database; 2: `database` is required. */
    version: z.union([z.literal(1), z.literal(2)]),
    /** The database the dump came from (version 2). */
    database: databaseIdentitySchema.optional(),
    /** The archived table, written as in SQL (quoteQualified), e.g. archive.kid_absences_2025. */
    table: z.string().min(1),
    /** Its parent, written as in SQL, e.g. public.kid_absences. */
    parent: z.string().min(1),
    /** The bound literals as PostgreSQL prints them (as in the origin comment). */
    from: z.string().min(1),
    to: z.string().min(1),
    /** Rows in the table when it was dumped (tableFingerprint). */
    rows: z.number().int().nonnegative(),
    /** Order-independent content checksum (tableFingerprint). */
    checksum: z.string().min(1),
    /** The dump's name in its store (a file name in a directory, a key below the prefix in a bucket). */
    file: z.string().min(1),
    /** Size of the dump in bytes. */
    size: z.number().int().nonnegative(),
    /** sha256 of the dump, lower-case hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
    /** server_version of the database it came from. */
    serverVersion: z.string().min(1),
    /** `pg_dump --version` of the client that wrote it. */
    pgDumpVersion: z.string().min(1),
    /** When the dump was made, ISO 8601. */
    createdAt: z.string().datetime({ offset: true }),
  })
  .refine((m) => m.version === 1 || m.database !== undefined, {
    message: 'is required from version 2 on',
    path: ['database'],
  });

export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

/** The database in words, for messages: "app" (cluster 7713972487180605569). */
export function describeDatabase(identity: DatabaseIdentity): string {
  const cluster = identity.systemIdentifier ? ` (cluster ${identity.systemIdentifier})` : '';
  return `database ${JSON.stringify(identity.name)}${cluster}`;
}

/**
 * Whether two identities are the same database: same name, and same cluster when both know it
 * (a role that may not read the system identifier compares by name alone).
 */
export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  if (a.name !== b.name) return false;
  return !a.systemIdentifier || !b.systemIdentifier || a.systemIdentifier === b.systemIdentifier;
}

/** The manifest's name beside the dump `file`. */
export function manifestName(file: string): string {
  return `${file}${MANIFEST_SUFFIX}`;
}

/**
 * The dump's name for a table: safe as a file name and as an S3 key whatever the table is called
 * (quotes, spaces, slashes, newlines are percent-encoded; so is ".", which then only separates the parts).
 */
export function dumpFileName(table: QualifiedName): string {
  const part = (text: string): string =>
    encodeURIComponent(text).replace(/[.!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${part(table.schema)}.${part(table.name)}.pgdump`;
}

/** The manifest as stored (pretty, one entry). */
export function serializeManifest(entry: ManifestEntry): string {
  return `${JSON.stringify(manifestEntrySchema.parse(entry), null, 2)}\n`;
}

/** Parses a stored manifest; throws an Error naming `where` and the first field that is wrong. */
export function parseManifest(text: string, where: string): ManifestEntry {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`manifest ${where} is not JSON`);
  }
  const result = manifestEntrySchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || '(top level)';
    throw new Error(`manifest ${where}: field ${field} ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}
