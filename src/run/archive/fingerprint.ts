// A table's content as two numbers: its row count and an order-independent checksum. Each row is
// written the way COPY's text format writes it (pg_dump's data), hashed with md5, and the hashes are
// added up; so the same checksum comes out of the live table (in SQL) and out of the rows a dump
// gives back (pg_restore's COPY text, hashed in Node by fingerprintCopyText).
import type pg from 'pg';
import type { QualifiedName } from '../../types';

export interface Fingerprint {
  rows: number;
  checksum: string;
}

/** The fingerprint of `table`'s rows (only its own: ONLY), read in one consistent snapshot. */
export async function tableFingerprint(_client: pg.Client, _table: QualifiedName): Promise<Fingerprint> {
  throw new Error('not yet');
}
