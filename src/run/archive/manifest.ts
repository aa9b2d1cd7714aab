// The manifest: one small JSON file beside each dump (`<file>.manifest.json`), saying what the dump
// holds (table, parent, bounds, rows, content checksum) and what the file is (size, sha256), so a
// dropped partition can be verified and put back with no other state. One file per dump: nothing
// shared to race on. Never holds a secret: only names, bounds, counts, hashes and versions.
import { z } from 'zod';
import type { QualifiedName } from '../../types';

export const MANIFEST_SUFFIX = '.manifest.json';

export const manifestEntrySchema = z.strictObject({
  version: z.literal(1),
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
});

export type ManifestEntry = z.infer<typeof manifestEntrySchema>;

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
