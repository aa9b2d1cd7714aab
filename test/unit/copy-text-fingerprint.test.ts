// The dump side of the content checksum (CopyTextFingerprint) against a plain reference: node:crypto's
// md5 of each row, its two halves read as signed 64-bit integers and summed as bigints. Enough rows
// to pass the flush of the plain-number sums (every 2^20 rows), fed in chunks that split rows.
import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CopyTextFingerprint } from '../../src/run/archive/fingerprint';

const ROWS = (1 << 20) + 12_345;

function reference(rows: string[]): { rows: number; checksum: string } {
  let high = 0n;
  let low = 0n;
  for (const row of rows) {
    const digest = hash('md5', row, 'buffer');
    high += digest.readBigInt64BE(0);
    low += digest.readBigInt64BE(8);
  }
  return { rows: rows.length, checksum: `md5sum:${high}:${low}` };
}

describe('CopyTextFingerprint', () => {
  it('sums past the flush exactly as bigints would, whatever the chunks, and result() twice says the same', async () => {
    const rows = Array.from(
      { length: ROWS },
      (_, i) => `${i}\t${i % 7 === 0 ? '\\N' : `note ${i * 7919}`}\t2025-01-01`,
    );
    const text = Buffer.from(
      `--\n-- Data for Name: t\n--\n\nCOPY public.t (id, note, day) FROM stdin;\n${rows.join('\n')}\n\\.\n\n`,
    );
    const fingerprint = await CopyTextFingerprint.create();
    for (let at = 0, size = 1; at < text.length; at += size, size = (size * 7 + 13) % 65_537) {
      fingerprint.update(text.subarray(at, at + size));
    }
    const expected = { ...reference(rows), copyBlocks: 1 };
    expect(fingerprint.result()).toEqual(expected);
    expect(fingerprint.result()).toEqual(expected);
  });

  it('an empty COPY block counts no rows; text ending inside a block is an error', async () => {
    const empty = await CopyTextFingerprint.create();
    empty.update(Buffer.from('COPY public.t (id) FROM stdin;\n\\.\n'));
    expect(empty.result()).toEqual({ rows: 0, checksum: 'md5sum:0:0', copyBlocks: 1 });
    const cut = await CopyTextFingerprint.create();
    cut.update(Buffer.from('COPY public.t (id) FROM stdin;\n1\n2\n'));
    expect(() => cut.result()).toThrow(/middle of a COPY block/);
  });
});
