// A table's content as two figures: its row count and an order-independent checksum. Each row is
// written the way COPY's text format writes it (which is how pg_dump stores rows), hashed with md5,
// and the hashes are added up (as two signed 64-bit halves, in numeric: no overflow). So the same
// checksum comes out of the live table (in SQL, tableFingerprint) and out of the rows a dump gives
// back (pg_restore's COPY text hashed in Node, CopyTextFingerprint), whatever order rows come in.
//
// Reading the dump back: pg_restore --data-only -f - streamed into Node, not a restore into a
// scratch database and the same SQL there. Measured by bench/archive-bench.ts (BENCHMARKS.md,
// "Archival"), 794 MB table, 8.7 M rows, 276 MB dump, 2026-11-30: the stream took 5.2 s, the restore
// 10.1 s plus 14.6 s for the SQL fingerprint there; and a restore writes every row again and needs
// CREATEDB (or a scratch schema, which the dump's schema-qualified names cannot be pointed at).
import type { IHasher } from 'hash-wasm';
import type pg from 'pg';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../sql/quote';
import type { QualifiedName } from '../../types';

export interface Fingerprint {
  rows: number;
  checksum: string;
}

/** The checksum as text: a version tag and the two sums. */
function checksumText(high: bigint | string, low: bigint | string): string {
  return `md5sum:${high}:${low}`;
}

// Types whose output never holds a backslash or a control character: COPY writes them as they are.
const PLAIN_TYPES = new Set([
  16, // bool
  20, // int8
  21, // int2
  23, // int4
  26, // oid
  700, // float4
  701, // float8
  1082, // date
  1083, // time
  1114, // timestamp
  1184, // timestamptz
  1186, // interval
  1266, // timetz
  1700, // numeric
  2950, // uuid
]);

// Types whose cast to text is their output function (pg_cast has no function for them), as COPY
// writes them; ::text is cheaper than concat(). Not bool: true::text is 'true', COPY writes 't'.
const CAST_AS_OUTPUT = new Set([...PLAIN_TYPES, 25, 1043]); // and text, varchar
CAST_AS_OUTPUT.delete(16);

// COPY text escapes: backslash first, then the control characters it writes as \b \f \n \r \t \v.
const ESCAPES: [string, string][] = [
  ['\\', '\\\\'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
];

/**
 * One column as COPY's text format writes it: \N for NULL, else the type's output function
 * (::text where the cast is that function, else concat(), which calls it), escaped. The NULL test
 * is on the value itself: coalesce, or num_nulls where concat() would turn NULL into ''
 * (IS NULL would call a row of NULLs null).
 */
function copyColumn(name: string, typeOid: number): string {
  const column = quoteIdent(name);
  const castable = CAST_AS_OUTPUT.has(typeOid);
  let text = castable ? `${column}::text` : `concat(${column})`;
  if (!PLAIN_TYPES.has(typeOid)) {
    for (const [from, to] of ESCAPES) text = `replace(${text}, ${quoteLiteral(from)}, ${quoteLiteral(to)})`;
  }
  const nullText = quoteLiteral('\\N');
  return castable
    ? `coalesce(${text}, ${nullText})`
    : `CASE WHEN num_nulls(${column}) = 1 THEN ${nullText} ELSE ${text} END`;
}

/**
 * The fingerprint of `table`'s own rows (ONLY), in one snapshot. Runs in its own transaction, with
 * the output settings pg_dump uses (see fingerprintInTransaction). It runs under the session's
 * statement_timeout and lock_timeout (the runner sets them to the time left and the lock bound; a
 * big table takes minutes). Not to be called inside a transaction of the caller's.
 */
export async function tableFingerprint(client: pg.Client, table: QualifiedName): Promise<Fingerprint> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const fingerprint = await fingerprintInTransaction(client, table);
    await client.query('COMMIT');
    return fingerprint;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The fingerprint of `table`'s own rows, inside the caller's open transaction (the drop takes its
 * lock first, then fingerprints and drops in that one transaction). Sets, for the rest of that
 * transaction, the output settings pg_dump uses (ISO dates, postgres intervals, extra_float_digits 3)
 * and UTC, as pg_dump runs with PGTZ=UTC (tools.ts). The columns are those pg_dump copies: not
 * dropped, not generated, in attnum order.
 */
export async function fingerprintInTransaction(
  client: pg.Client,
  table: QualifiedName,
): Promise<Fingerprint> {
  await client.query(
    "SET LOCAL datestyle = 'ISO'; SET LOCAL intervalstyle = 'postgres'; SET LOCAL extra_float_digits = 3; " +
      "SET LOCAL timezone = 'UTC'",
  );
  const exists = await client.query<{ found: boolean }>(
    `SELECT to_regclass(${quoteLiteral(quoteQualified(table))}) IS NOT NULL AS found`,
  );
  if (!exists.rows[0]?.found) throw new Error(`table ${quoteQualified(table)} does not exist`);
  const columns = await client.query<{ name: string; type: number }>(
    `SELECT a.attname AS name, a.atttypid::int AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass(${quoteLiteral(quoteQualified(table))})
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
  );
  const line = columns.rows.length
    ? columns.rows.map((c) => copyColumn(c.name, c.type)).join(` || ${quoteLiteral('\t')} || `)
    : quoteLiteral('');
  // One md5 per row, as 128 bits parsed once; OFFSET 0 keeps the planner from inlining the subquery
  // into both sums, which computed every row's text and md5 twice (794 MB, 8.7 M rows, no parallel workers: 32 s → 15 s).
  const { rows } = await client.query<{ rows: string; high: string; low: string }>(
    `SELECT count(*) AS rows,
            coalesce(sum(h::bit(64)::bigint), 0) AS high,
            coalesce(sum(substring(h FROM 65)::bit(64)::bigint), 0) AS low
       FROM (SELECT ('x' || md5(${line}))::bit(128) AS h FROM ONLY ${quoteQualified(table)} OFFSET 0)
         AS rows_as_copy_text`,
  );
  const row = rows[0] as { rows: string; high: string; low: string };
  return { rows: Number(row.rows), checksum: checksumText(row.high, row.low) };
}

// Rows summed in plain numbers between flushes into the bigint sums: each adds under 2^32 to a
// 32-bit part, so 2^20 rows stay under 2^53, exact.
const FLUSH_EVERY = 1 << 20;

/**
 * Fingerprints the rows of the COPY blocks in a plain-text dump (pg_restore --data-only -f -) as
 * they stream by: lines between `COPY … FROM stdin;` and `\.` are rows (a newline inside a value is
 * written \n, so a raw newline always ends a row). Memory: one partial line at a time.
 * Each row's md5 comes from hash-wasm: 0.41 µs a row against 0.82 µs for node:crypto's hash(),
 * whose cost is the call itself (8.7 M rows: 3.6 s against 7.2 s). Made by CopyTextFingerprint.create().
 */
export class CopyTextFingerprint {
  private rows = 0;
  private high = 0n;
  private low = 0n;
  // The sums of the four 32-bit parts of the rows' md5s since the last flush (the first of each
  // half signed, as the SQL side reads each half as a signed bigint).
  private parts = [0, 0, 0, 0];
  private copyBlocks = 0;
  private inCopy = false;
  private pending: Buffer | undefined;

  private constructor(private readonly md5: IHasher) {}

  static async create(): Promise<CopyTextFingerprint> {
    // Loaded here, not at the top: its WebAssembly (inline) is only for reading dumps back, and
    // every other command would compile it at start.
    const { createMD5 } = await import('hash-wasm');
    return new CopyTextFingerprint(await createMD5());
  }

  /** Feeds the next chunk of pg_restore's output. */
  update(chunk: Buffer): void {
    let start = 0;
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    for (;;) {
      const end = data.indexOf(10, start);
      if (end === -1) break;
      this.line(data, start, end);
      start = end + 1;
    }
    if (start < data.length) this.pending = Buffer.from(data.subarray(start));
  }

  private line(data: Buffer, start: number, end: number): void {
    if (this.inCopy) {
      if (end - start === 2 && data[start] === 0x5c && data[start + 1] === 0x2e) {
        this.inCopy = false; // "\." ends the block
        return;
      }
      this.md5.init();
      this.md5.update(data.subarray(start, end));
      this.addDigest(this.md5.digest('binary'));
      return;
    }
    // A COPY header may span lines (a newline inside a quoted name); it ends with " FROM stdin;".
    if (data.subarray(start, end).toString('latin1').endsWith(' FROM stdin;')) {
      this.inCopy = true;
      this.copyBlocks += 1;
    }
  }

  private addDigest(d: Uint8Array): void {
    const parts = this.parts;
    for (let i = 0; i < 4; i++) {
      const word = (d[4 * i]! << 24) | (d[4 * i + 1]! << 16) | (d[4 * i + 2]! << 8) | d[4 * i + 3]!;
      parts[i]! += i % 2 === 0 ? word : word >>> 0;
    }
    this.rows += 1;
    if (this.rows % FLUSH_EVERY === 0) this.flush();
  }

  private flush(): void {
    const [highTop, highBottom, lowTop, lowBottom] = this.parts.map(BigInt) as [
      bigint,
      bigint,
      bigint,
      bigint,
    ];
    this.high += (highTop << 32n) + highBottom;
    this.low += (lowTop << 32n) + lowBottom;
    this.parts = [0, 0, 0, 0];
  }

  /** The fingerprint of everything fed; throws when the text ended inside a COPY block. */
  result(): Fingerprint & { copyBlocks: number } {
    if (this.inCopy) {
      throw new Error('the data ends in the middle of a COPY block (a truncated dump?)');
    }
    this.flush();
    return { rows: this.rows, checksum: checksumText(this.high, this.low), copyBlocks: this.copyBlocks };
  }
}
