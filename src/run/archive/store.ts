// Where dumps are kept: a directory, or an S3-compatible bucket (s3://bucket/prefix) through the AWS
// SDK for JavaScript v3. A dump counts as stored only when the store shows the recorded sha256: the
// store's own SHA-256 checksum where it keeps one, else the object read back and hashed.
import type { ManifestEntry } from './manifest';

export interface ArchiveStore {
  /** Where, for messages and reports: the directory, or s3://bucket/prefix (never a credential). */
  readonly label: string;
  /** Stores local `file` as `name`; resolves only once confirm(name, sha256) holds. */
  put(name: string, file: string, sha256: string): Promise<void>;
  /** True when `name` is stored and its content's sha256 is `sha256`; false when missing or different. */
  confirm(name: string, sha256: string): Promise<boolean>;
  /** Copies `name` into local `file` (streamed). */
  download(name: string, file: string): Promise<void>;
  /** Stores the manifest beside its dump, as `<entry.file>.manifest.json`. */
  putManifest(entry: ManifestEntry): Promise<void>;
  /** The manifest of dump `name`; undefined when there is none; throws when it is invalid. */
  getManifest(name: string): Promise<ManifestEntry | undefined>;
}

/** A store failure (network, permissions, missing bucket), with no secret in its message. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The store at `location`: `s3://bucket[/prefix]`, or a directory path (created when missing). */
export function openStore(_location: string): ArchiveStore {
  throw new Error('not yet');
}
