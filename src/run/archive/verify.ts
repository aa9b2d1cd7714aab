// Verification of a dump file: it is the file that was written (size, sha256), pg_restore can read
// it (--list), and the rows it gives back are the table's (count and content checksum).
import type { DumpTarget } from './dump';

/** Why a dump cannot be trusted, in words a person can act on. Blocks the drop. */
export class DumpVerificationError extends Error {
  override name = 'DumpVerificationError';
}

export interface ExpectedDump {
  rows: number;
  checksum: string;
  /** Lower-case hex. */
  sha256: string;
  size: number;
}

/**
 * Checks `file` against what was recorded when it was made; throws DumpVerificationError on the
 * first mismatch (truncated, corrupted, unreadable, other rows). pg_restore runs as in dumpTable
 * (same binary directory and environment); it only reads the file, and never connects.
 */
export async function verifyDump(_target: DumpTarget, _file: string, _expected: ExpectedDump): Promise<void> {
  throw new Error('not yet');
}
