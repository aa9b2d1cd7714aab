export const id = 504;
export const ids = [504];
export const modules = {

/***/ 2945:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  nR: () => (/* reexport */ tools/* DumpToolError */.nR),
  O$: () => (/* reexport */ DumpVerificationError),
  AD: () => (/* reexport */ StoreError),
  DZ: () => (/* reexport */ describeDatabase),
  Mq: () => (/* reexport */ dumpFileName),
  fz: () => (/* reexport */ dumpTable),
  _x: () => (/* reexport */ dumpTarget),
  q4: () => (/* reexport */ fingerprintInTransaction),
  Ch: () => (/* reexport */ openStore),
  QE: () => (/* reexport */ readDatabaseIdentity),
  se: () => (/* reexport */ readServerVersion),
  KX: () => (/* reexport */ sameDatabase),
  xo: () => (/* reexport */ tableFingerprint),
  S$: () => (/* reexport */ verifyDump)
});

// UNUSED EXPORTS: MANIFEST_SUFFIX, PG_BIN_VARIABLE, manifestEntrySchema, manifestName, parseManifest, serializeManifest

// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 15 modules
var schemas = __webpack_require__(9691);
;// CONCATENATED MODULE: ./src/run/archive/manifest.ts
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

const MANIFEST_SUFFIX = '.manifest.json';
/** Where a dump came from: current_database(), and the cluster's system identifier when readable. */
const databaseIdentitySchema = schemas/* strictObject */.rej({
    name: schemas/* string */.YjP().min(1),
    /** pg_control_system().system_identifier, as text; absent when the role may not read it. */
    systemIdentifier: schemas/* string */.YjP()
        .regex(/^[0-9]+$/)
        .optional(),
});
const manifestEntrySchema = schemas/* strictObject */.rej({
    /** 1: written before manifests named their database; 2: `database` is required. */
    version: schemas/* union */.KCZ([schemas/* literal */.euz(1), schemas/* literal */.euz(2)]),
    /** The database the dump came from (version 2). */
    database: databaseIdentitySchema.optional(),
    /** The archived table, written as in SQL (quoteQualified), e.g. archive.kid_absences_2025. */
    table: schemas/* string */.YjP().min(1),
    /** Its parent, written as in SQL, e.g. public.kid_absences. */
    parent: schemas/* string */.YjP().min(1),
    /** The bound literals as PostgreSQL prints them (as in the origin comment). */
    from: schemas/* string */.YjP().min(1),
    to: schemas/* string */.YjP().min(1),
    /** Rows in the table when it was dumped (tableFingerprint). */
    rows: schemas/* number */.aig().int().nonnegative(),
    /** Order-independent content checksum (tableFingerprint). */
    checksum: schemas/* string */.YjP().min(1),
    /** The dump's name in its store (a file name in a directory, a key below the prefix in a bucket). */
    file: schemas/* string */.YjP().min(1),
    /** Size of the dump in bytes. */
    size: schemas/* number */.aig().int().nonnegative(),
    /** sha256 of the dump, lower-case hex. */
    sha256: schemas/* string */.YjP().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
    /** server_version of the database it came from. */
    serverVersion: schemas/* string */.YjP().min(1),
    /** `pg_dump --version` of the client that wrote it. */
    pgDumpVersion: schemas/* string */.YjP().min(1),
    /** When the dump was made, ISO 8601. */
    createdAt: schemas/* string */.YjP().datetime({ offset: true }),
})
    .refine((m) => m.version === 1 || m.database !== undefined, {
    message: 'is required from version 2 on',
    path: ['database'],
});
/** The database in words, for messages: "app" (cluster 7713972487180605569). */
function describeDatabase(identity) {
    const cluster = identity.systemIdentifier ? ` (cluster ${identity.systemIdentifier})` : '';
    return `database ${JSON.stringify(identity.name)}${cluster}`;
}
/**
 * Whether two identities are the same database: same name, and same cluster when both know it
 * (a role that may not read the system identifier compares by name alone).
 */
function sameDatabase(a, b) {
    if (a.name !== b.name)
        return false;
    return !a.systemIdentifier || !b.systemIdentifier || a.systemIdentifier === b.systemIdentifier;
}
/** The manifest's name beside the dump `file`. */
function manifestName(file) {
    return `${file}${MANIFEST_SUFFIX}`;
}
/**
 * The dump's name for a table: safe as a file name and as an S3 key whatever the table is called
 * (quotes, spaces, slashes, newlines are percent-encoded; so is ".", which then only separates the parts).
 */
function dumpFileName(table) {
    const part = (text) => encodeURIComponent(text).replace(/[.!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return `${part(table.schema)}.${part(table.name)}.pgdump`;
}
/** The manifest as stored (pretty, one entry). */
function serializeManifest(entry) {
    return `${JSON.stringify(manifestEntrySchema.parse(entry), null, 2)}\n`;
}
/** Parses a stored manifest; throws an Error naming `where` and the first field that is wrong. */
function parseManifest(text, where) {
    let data;
    try {
        data = JSON.parse(text);
    }
    catch {
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

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: ./src/run/archive/tools.ts
var tools = __webpack_require__(359);
;// CONCATENATED MODULE: ./src/run/archive/dump.ts
// pg_dump of one table into a file, streamed: the file is written and hashed as pg_dump produces
// it, so memory stays flat whatever the table's size. Connection parameters reach pg_dump through
// its environment (tools.ts), never the command line.







/**
 * How long pg_dump waits for its ACCESS SHARE lock on the table before giving up. The table is
 * detached (and moved) by then, so nobody else should hold it; never an unbounded wait.
 */
const DUMP_LOCK_WAIT_MS = 30_000;
/** The server's version, as a DumpTarget wants it. */
async function readServerVersion(client) {
    const { rows } = await client.query("SELECT current_setting('server_version') AS text, current_setting('server_version_num') AS num");
    const row = rows[0];
    if (!row)
        throw new Error('the server did not say its version');
    return { text: row.text, num: Number(row.num) };
}
/**
 * Which database this session is in, for the manifest: current_database(), and the cluster's system
 * identifier where the role may call pg_control_system() (PostgreSQL 15 lets any role by default;
 * a provider may revoke it, and then the name alone is recorded).
 */
async function readDatabaseIdentity(client) {
    const query = (cluster) => client.query(`SELECT current_database() AS name, ${cluster} AS cluster`);
    // A server whose pg_control_system() fails although granted (a managed fork: missing, refused or
    // unsupported) still has a name. Any other failure (a timeout, a lost connection) is an error: the
    // name alone would match a same-named database on another cluster.
    const NO_CLUSTER_ID = new Set(['42883', '42501', '0A000']);
    const { rows } = await query(`CASE WHEN has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
          THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) END`).catch((error) => {
        if (NO_CLUSTER_ID.has(error.code ?? ''))
            return query('NULL');
        throw error;
    });
    const row = rows[0];
    if (!row)
        throw new Error('the server did not say which database this is');
    return { name: row.name, ...(row.cluster ? { systemIdentifier: row.cluster } : {}) };
}
/** A DumpTarget for `conn`, with the binary directory taken from PARTITION_KEEPER_PG_BIN in `env`. */
function dumpTarget(conn, server, env) {
    const pgBin = env[tools/* PG_BIN_VARIABLE */.b6]?.trim();
    return { conn, server, env, ...(pgBin ? { pgBin } : {}) };
}
/**
 * The table as a pg_dump --table pattern that matches it alone: both parts double-quoted, so case,
 * dots, `*`, `?` and regex characters are literal (a `"` is doubled, as in SQL).
 */
function tablePattern(table) {
    const quote = (part) => `"${part.replace(/"/g, '""')}"`;
    return `${quote(table.schema)}.${quote(table.name)}`;
}
/**
 * `pg_dump -Fc` of exactly `table` (its definition and rows) into `file`, hashed as it is written.
 * Checks first that pg_dump exists and is not older than the server (DumpToolError naming both
 * versions and how to install the right client). The dump is written to `<file>.partial` and
 * renamed when complete, so a killed run never leaves a file that looks whole; a failed dump
 * leaves nothing behind. `options.signal` (the run's deadline) stops pg_dump when it aborts.
 */
async function dumpTable(target, table, file, options = {}) {
    const pgDumpVersion = await (0,tools/* checkToolVersion */.PS)(target, 'pg_dump');
    const partial = `${file}.partial`;
    const run = (0,tools/* runTool */.qI)(target, 'pg_dump', [
        '--format=custom',
        '--no-password',
        `--lock-wait-timeout=${DUMP_LOCK_WAIT_MS}`,
        '--strict-names',
        `--table=${tablePattern(table)}`,
    ], options);
    const hash = (0,external_node_crypto_.createHash)('sha256');
    let size = 0;
    const count = new external_node_stream_.Transform({
        transform(chunk, _encoding, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
        },
    });
    let written;
    try {
        await (0,external_node_stream_promises_.pipeline)(run.child.stdout, count, (0,external_node_fs_.createWriteStream)(partial));
    }
    catch (error) {
        written = error;
        run.child.kill();
    }
    const result = await run.done;
    const what = `pg_dump of ${tablePattern(table)}`;
    if (result.spawnError || result.code !== 0 || written) {
        await (0,promises_.rm)(partial, { force: true });
        const reason = result.spawnError && result.spawnError.name !== 'AbortError'
            ? result.spawnError.message
            : result.spawnError || result.code !== 0
                ? (0,tools/* failure */.V2)(result)
                : `writing ${partial}: ${written?.message}`;
        throw new tools/* DumpToolError */.nR(`${what} failed: ${reason}`);
    }
    await (0,promises_.rename)(partial, file);
    return { size, sha256: hash.digest('hex'), pgDumpVersion };
}

// EXTERNAL MODULE: ./src/sql/quote.ts
var quote = __webpack_require__(5196);
;// CONCATENATED MODULE: ./src/run/archive/fingerprint.ts

/** The checksum as text: a version tag and the two sums. */
function checksumText(high, low) {
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
const ESCAPES = [
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
function copyColumn(name, typeOid) {
    const column = (0,quote/* quoteIdent */.v4)(name);
    const castable = CAST_AS_OUTPUT.has(typeOid);
    let text = castable ? `${column}::text` : `concat(${column})`;
    if (!PLAIN_TYPES.has(typeOid)) {
        for (const [from, to] of ESCAPES)
            text = `replace(${text}, ${(0,quote/* quoteLiteral */.ce)(from)}, ${(0,quote/* quoteLiteral */.ce)(to)})`;
    }
    const nullText = (0,quote/* quoteLiteral */.ce)('\\N');
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
async function tableFingerprint(client, table) {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
        const fingerprint = await fingerprintInTransaction(client, table);
        await client.query('COMMIT');
        return fingerprint;
    }
    catch (error) {
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
async function fingerprintInTransaction(client, table) {
    await client.query("SET LOCAL datestyle = 'ISO'; SET LOCAL intervalstyle = 'postgres'; SET LOCAL extra_float_digits = 3; " +
        "SET LOCAL timezone = 'UTC'");
    const exists = await client.query(`SELECT to_regclass(${(0,quote/* quoteLiteral */.ce)((0,quote/* quoteQualified */.$s)(table))}) IS NOT NULL AS found`);
    if (!exists.rows[0]?.found)
        throw new Error(`table ${(0,quote/* quoteQualified */.$s)(table)} does not exist`);
    const columns = await client.query(`SELECT a.attname AS name, a.atttypid::int AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass(${(0,quote/* quoteLiteral */.ce)((0,quote/* quoteQualified */.$s)(table))})
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`);
    const line = columns.rows.length
        ? columns.rows.map((c) => copyColumn(c.name, c.type)).join(` || ${(0,quote/* quoteLiteral */.ce)('\t')} || `)
        : (0,quote/* quoteLiteral */.ce)('');
    // One md5 per row, as 128 bits parsed once; OFFSET 0 keeps the planner from inlining the subquery
    // into both sums, which computed every row's text and md5 twice (794 MB, 8.7 M rows, no parallel workers: 32 s → 15 s).
    const { rows } = await client.query(`SELECT count(*) AS rows,
            coalesce(sum(h::bit(64)::bigint), 0) AS high,
            coalesce(sum(substring(h FROM 65)::bit(64)::bigint), 0) AS low
       FROM (SELECT ('x' || md5(${line}))::bit(128) AS h FROM ONLY ${(0,quote/* quoteQualified */.$s)(table)} OFFSET 0)
         AS rows_as_copy_text`);
    const row = rows[0];
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
class CopyTextFingerprint {
    md5;
    rows = 0;
    high = 0n;
    low = 0n;
    // The sums of the four 32-bit parts of the rows' md5s since the last flush (the first of each
    // half signed, as the SQL side reads each half as a signed bigint).
    parts = [0, 0, 0, 0];
    copyBlocks = 0;
    inCopy = false;
    pending;
    constructor(md5) {
        this.md5 = md5;
    }
    static async create() {
        // Loaded here, not at the top: its WebAssembly (inline) is only for reading dumps back, and
        // every other command would compile it at start.
        const { createMD5 } = await __webpack_require__.e(/* import() */ 608).then(__webpack_require__.t.bind(__webpack_require__, 608, 23));
        return new CopyTextFingerprint(await createMD5());
    }
    /** Feeds the next chunk of pg_restore's output. */
    update(chunk) {
        let start = 0;
        let data = chunk;
        if (this.pending) {
            data = Buffer.concat([this.pending, chunk]);
            this.pending = undefined;
        }
        for (;;) {
            const end = data.indexOf(10, start);
            if (end === -1)
                break;
            this.line(data, start, end);
            start = end + 1;
        }
        if (start < data.length)
            this.pending = Buffer.from(data.subarray(start));
    }
    line(data, start, end) {
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
    addDigest(d) {
        const parts = this.parts;
        for (let i = 0; i < 4; i++) {
            const word = (d[4 * i] << 24) | (d[4 * i + 1] << 16) | (d[4 * i + 2] << 8) | d[4 * i + 3];
            parts[i] += i % 2 === 0 ? word : word >>> 0;
        }
        this.rows += 1;
        if (this.rows % FLUSH_EVERY === 0)
            this.flush();
    }
    flush() {
        const [highTop, highBottom, lowTop, lowBottom] = this.parts.map(BigInt);
        this.high += (highTop << 32n) + highBottom;
        this.low += (lowTop << 32n) + lowBottom;
        this.parts = [0, 0, 0, 0];
    }
    /** The fingerprint of everything fed; throws when the text ended inside a COPY block. */
    result() {
        if (this.inCopy) {
            throw new Error('the data ends in the middle of a COPY block (a truncated dump?)');
        }
        this.flush();
        return { rows: this.rows, checksum: checksumText(this.high, this.low), copyBlocks: this.copyBlocks };
    }
}

;// CONCATENATED MODULE: ./src/run/archive/verify.ts
// Verification of a dump file: it is the file that was written (size, sha256), pg_restore can read
// it (--list), and the rows it gives back are the table's (count and content checksum).







/** Why a dump cannot be trusted, in words a person can act on. Blocks the drop. */
class DumpVerificationError extends Error {
    name = 'DumpVerificationError';
}
/** sha256 of a file, streamed. */
async function fileSha256(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    await (0,external_node_stream_promises_.pipeline)((0,external_node_fs_.createReadStream)(file), hash);
    return hash.digest('hex');
}
const REDO = 'make a new dump (the next apply does, while the table is still there) or fetch the right file';
/** Runs pg_restore with `args` on the file; stdout goes to `sink`. A tool that cannot run is said so. */
async function restore(target, args, sink, file, options) {
    const run = (0,tools/* runTool */.qI)(target, 'pg_restore', [...args, file], options);
    let piped;
    try {
        await (0,external_node_stream_promises_.pipeline)(run.child.stdout, sink);
    }
    catch (error) {
        piped = error;
        run.child.kill();
    }
    const result = await run.done;
    if (result.spawnError && result.spawnError.name !== 'AbortError') {
        throw new DumpVerificationError(`cannot verify dump ${file}: pg_restore cannot run ${(0,tools/* toolPlace */._T)(target)} (${result.spawnError.message}); install the PostgreSQL client that wrote the dump`);
    }
    if (result.spawnError || result.code !== 0)
        return (0,tools/* failure */.V2)(result);
    if (piped)
        return piped.message;
    return undefined;
}
/**
 * Checks `file` against what was recorded when it was made; throws DumpVerificationError at the
 * first mismatch (truncated, corrupted, unreadable, other rows). pg_restore only reads the file (it
 * never connects); it runs from the same directory and environment as pg_dump (DumpTarget).
 * `options.signal` (the run's deadline) stops pg_restore when it aborts.
 */
async function verifyDump(target, file, expected, options = {}) {
    const fail = (reason) => new DumpVerificationError(`dump ${file} failed verification: ${reason}`);
    let size;
    try {
        size = (await (0,promises_.stat)(file)).size;
    }
    catch (error) {
        throw fail(`cannot read it (${error.code ?? error.message})`);
    }
    if (size !== expected.size) {
        throw fail(`it is ${size} bytes where ${expected.size} were recorded (truncated or another file); ${REDO}`);
    }
    const sha256 = await fileSha256(file);
    if (sha256 !== expected.sha256) {
        throw fail(`its sha256 is ${sha256} where ${expected.sha256} was recorded (the file changed after it was written); ${REDO}`);
    }
    let list = '';
    const listed = await restore(target, ['--list'], new external_node_stream_.Writable({
        write(chunk, _encoding, done) {
            if (list.length < 1_000_000)
                list += chunk.toString('utf8');
            done();
        },
    }), file, options);
    if (listed !== undefined)
        throw fail(`pg_restore --list cannot read it: ${listed}; ${REDO}`);
    if (!/^\d+; \d+ \d+ TABLE DATA /m.test(list)) {
        throw fail(`it holds no table data (pg_restore --list shows no TABLE DATA entry); ${REDO}`);
    }
    const rows = await CopyTextFingerprint.create();
    const read = await restore(target, ['--data-only', '--file=-'], new external_node_stream_.Writable({
        write(chunk, _encoding, done) {
            rows.update(chunk);
            done();
        },
    }), file, options);
    if (read !== undefined)
        throw fail(`pg_restore cannot read its rows back: ${read}; ${REDO}`);
    let back;
    try {
        back = rows.result();
    }
    catch (error) {
        throw fail(`${error.message}; ${REDO}`);
    }
    if (back.copyBlocks !== 1)
        throw fail(`it holds ${back.copyBlocks} tables' rows where one was expected; ${REDO}`);
    if (back.rows !== expected.rows) {
        throw fail(`it gives back ${back.rows} rows where the table had ${expected.rows}; ${REDO}`);
    }
    if (back.checksum !== expected.checksum) {
        throw fail(`the rows it gives back differ from the table's (checksum ${back.checksum}, the table's ${expected.checksum}); ${REDO}`);
    }
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/run/archive/store.ts
// Where dumps are kept: a directory, or an S3-compatible bucket (s3://bucket/prefix) through the AWS
// SDK for JavaScript v3. A dump counts as stored only when the stored object, read back and hashed,
// shows the recorded sha256. Not the store's own SHA-256 checksum: AWS keeps a whole-object one only
// for single-part uploads (a multipart object's is a checksum of its parts), other stores keep none
// or reject the headers, and no store here keeps one to test that path against.






/** A store failure (network, permissions, missing bucket, bad manifest), with no secret in its message. */
class StoreError extends Error {
    name = 'StoreError';
}
/** A dump's name must be one plain name (dumpFileName makes such names): no directories, no "..". */
function checkName(name) {
    if (!name ||
        name.includes('/') ||
        name.includes('\\') ||
        name === '.' ||
        name === '..' ||
        name.includes('\0')) {
        throw new StoreError(`"${name}" is not a valid dump name (one file name, no "/")`);
    }
}
async function streamSha256(stream, signal) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    await (0,external_node_stream_promises_.pipeline)(stream, hash, signal ? { signal } : {});
    return hash.digest('hex');
}
// ---------------------------------------------------------------------------------------------
// Directory
function directoryStore(location) {
    const root = (0,external_node_path_.resolve)(location);
    const path = (name) => {
        checkName(name);
        return (0,external_node_path_.join)(root, name);
    };
    const failed = (what, error) => new StoreError(`${what} in ${root}: ${error.message}`);
    /** Writes through a .partial file renamed when whole, so a killed run never leaves half a file. */
    const atomically = async (target, write) => {
        const partial = `${target}.partial`;
        try {
            await write(partial);
            await (0,promises_.rename)(partial, target);
        }
        catch (error) {
            await (0,promises_.rm)(partial, { force: true });
            throw error;
        }
    };
    const store = {
        label: root,
        async put(name, file, sha256) {
            const target = path(name);
            try {
                await (0,promises_.mkdir)(root, { recursive: true });
                if ((0,external_node_path_.resolve)(file) !== target)
                    await atomically(target, (partial) => (0,promises_.copyFile)(file, partial));
            }
            catch (error) {
                throw failed(`cannot store ${name}`, error);
            }
            if (!(await store.confirm(name, sha256))) {
                throw new StoreError(`stored ${name} in ${root}, but reading it back does not give sha256 ${sha256}`);
            }
        },
        async confirm(name, sha256) {
            try {
                return (await streamSha256((0,external_node_fs_.createReadStream)(path(name)))) === sha256;
            }
            catch (error) {
                if (error.code === 'ENOENT')
                    return false;
                throw failed(`cannot read ${name}`, error);
            }
        },
        async download(name, file) {
            try {
                await (0,promises_.mkdir)((0,external_node_path_.dirname)((0,external_node_path_.resolve)(file)), { recursive: true });
                await atomically(file, (partial) => (0,promises_.copyFile)(path(name), partial));
            }
            catch (error) {
                throw failed(`cannot fetch ${name}`, error);
            }
        },
        async putManifest(entry) {
            const target = path(manifestName(entry.file));
            try {
                await (0,promises_.mkdir)(root, { recursive: true });
                await atomically(target, (partial) => (0,promises_.writeFile)(partial, serializeManifest(entry)));
            }
            catch (error) {
                throw failed(`cannot write the manifest of ${entry.file}`, error);
            }
        },
        async getManifest(name) {
            const target = path(manifestName(name));
            let text;
            try {
                text = await (0,promises_.readFile)(target, 'utf8');
            }
            catch (error) {
                if (error.code === 'ENOENT')
                    return undefined;
                throw failed(`cannot read the manifest of ${name}`, error);
            }
            try {
                return parseManifest(text, target);
            }
            catch (error) {
                throw new StoreError(error.message);
            }
        },
    };
    return store;
}
// ---------------------------------------------------------------------------------------------
// S3
/** Part size of multipart uploads; with QUEUE_SIZE parts in flight this bounds the upload's memory. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
function parseS3Location(location) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location.trim());
    if (!match?.[1])
        throw new StoreError(`"${location}" is not an S3 location; write s3://bucket/prefix`);
    return { bucket: match[1], prefix: (match[2] ?? '').replace(/\/+$/, '') };
}
/** The endpoint the SDK will use when not AWS's own (it reads these variables itself). */
function configuredEndpoint(env) {
    return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}
/**
 * The client's settings beyond what the SDK reads itself (credentials, region, endpoint from the
 * standard chain and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL):
 * - forcePathStyle when an endpoint is given: MinIO, Ceph and most self-hosted stores serve
 *   http://host/bucket/key, not bucket.host;
 * - requestChecksumCalculation / responseChecksumValidation WHEN_REQUIRED unless the SDK's own
 *   AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION say otherwise: since
 *   early 2025 the SDK adds CRC32 checksums (aws-chunked trailers) to every upload by default,
 *   which many stores other than AWS reject. Our integrity check is the sha256 we confirm.
 */
function s3ClientConfig(env) {
    return {
        requestHandler: S3_TIMEOUTS,
        ...(configuredEndpoint(env) ? { forcePathStyle: true } : {}),
        ...(env.AWS_REQUEST_CHECKSUM_CALCULATION ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' }),
        ...(env.AWS_RESPONSE_CHECKSUM_VALIDATION ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' }),
    };
}
/**
 * Bounds on every request, for a store that hangs when no run deadline does (the deadline's signal
 * stops any call sooner): connecting, a socket idle that long, and one request (a part of 8 MB
 * included) from start to response. The SDK retries a failed request twice more.
 */
const S3_TIMEOUTS = {
    connectionTimeout: 10_000,
    socketTimeout: 30_000,
    requestTimeout: 300_000,
    throwOnRequestTimeout: true,
};
/** The endpoint for labels and messages: scheme, host and port only (never user info or a query). */
function endpointLabel(endpoint) {
    try {
        const url = new URL(endpoint);
        return `${url.protocol}//${url.host}`;
    }
    catch {
        return '(unparsable endpoint URL)';
    }
}
async function readText(stream, signal) {
    const chunks = [];
    await (0,external_node_stream_promises_.pipeline)(stream, async (source) => {
        for await (const chunk of source)
            chunks.push(chunk);
    }, signal ? { signal } : {});
    return Buffer.concat(chunks).toString('utf8');
}
function s3Store(location, env) {
    const { bucket, prefix } = parseS3Location(location);
    const endpoint = configuredEndpoint(env);
    const label = `s3://${bucket}${prefix ? `/${prefix}` : ''}${endpoint ? ` at ${endpointLabel(endpoint)}` : ''}`;
    // The SDK is loaded on the first call: only runs that archive to S3 pay for loading it.
    let loading;
    const aws = () => (loading ??= Promise.all([__webpack_require__.e(/* import() */ 711).then(__webpack_require__.t.bind(__webpack_require__, 3711, 19)), Promise.all(/* import() */[__webpack_require__.e(711), __webpack_require__.e(358)]).then(__webpack_require__.t.bind(__webpack_require__, 2358, 19))]).then(([sdk, storage]) => ({
        client: new sdk.S3Client(s3ClientConfig(env)),
        sdk,
        Upload: storage.Upload,
    })));
    const key = (name) => {
        checkName(name);
        return prefix ? `${prefix}/${name}` : name;
    };
    /** The SDK's error in a sentence, with any secret the environment holds masked. */
    const failed = (what, error) => {
        const e = error;
        const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
        let text = `${what} in ${label}: ${e.name ?? 'Error'}${status}: ${e.message ?? String(error)}`;
        for (const secret of [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN]) {
            if (secret)
                text = text.split(secret).join('***');
        }
        return new StoreError(text);
    };
    const missing = (error) => {
        // NoSuchBucket is not "missing": it is a wrong location, and an error.
        const e = error;
        return e.name === 'NoSuchKey' || e.name === 'NotFound';
    };
    const store = {
        label,
        async put(name, file, sha256, options = {}) {
            try {
                options.signal?.throwIfAborted();
                const { client, Upload } = await aws();
                const upload = new Upload({
                    client,
                    queueSize: QUEUE_SIZE,
                    partSize: PART_SIZE,
                    leavePartsOnError: false,
                    params: {
                        Bucket: bucket,
                        Key: key(name),
                        Body: (0,external_node_fs_.createReadStream)(file),
                        ContentType: 'application/octet-stream',
                    },
                });
                const stop = () => void upload.abort();
                options.signal?.addEventListener('abort', stop, { once: true });
                try {
                    await upload.done();
                }
                finally {
                    options.signal?.removeEventListener('abort', stop);
                }
            }
            catch (error) {
                if (error instanceof StoreError)
                    throw error;
                throw failed(`cannot upload ${name}`, error);
            }
            if (!(await store.confirm(name, sha256, options))) {
                throw new StoreError(`uploaded ${name} to ${label}, but the stored object does not carry sha256 ${sha256}`);
            }
        },
        async confirm(name, sha256, options = {}) {
            const abortSignal = options.signal;
            try {
                const { client, sdk } = await aws();
                const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name) }), {
                    abortSignal,
                });
                return (await streamSha256(object.Body, abortSignal)) === sha256;
            }
            catch (error) {
                if (error instanceof StoreError)
                    throw error;
                if (missing(error))
                    return false;
                throw failed(`cannot read ${name}`, error);
            }
        },
        async download(name, file, options = {}) {
            const partial = `${file}.partial`;
            const abortSignal = options.signal;
            try {
                const { client, sdk } = await aws();
                const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name) }), {
                    abortSignal,
                });
                await (0,promises_.mkdir)((0,external_node_path_.dirname)((0,external_node_path_.resolve)(file)), { recursive: true });
                await (0,external_node_stream_promises_.pipeline)(object.Body, (0,external_node_fs_.createWriteStream)(partial), abortSignal ? { signal: abortSignal } : {});
                await (0,promises_.rename)(partial, file);
            }
            catch (error) {
                await (0,promises_.rm)(partial, { force: true });
                if (error instanceof StoreError)
                    throw error;
                throw failed(`cannot fetch ${name}`, error);
            }
        },
        async putManifest(entry, options = {}) {
            try {
                const { client, sdk } = await aws();
                await client.send(new sdk.PutObjectCommand({
                    Bucket: bucket,
                    Key: key(manifestName(entry.file)),
                    Body: serializeManifest(entry),
                    ContentType: 'application/json',
                }), { abortSignal: options.signal });
            }
            catch (error) {
                if (error instanceof StoreError)
                    throw error;
                throw failed(`cannot write the manifest of ${entry.file}`, error);
            }
        },
        async getManifest(name, options = {}) {
            const where = `${label}/${manifestName(name)}`;
            let text;
            try {
                const { client, sdk } = await aws();
                const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(manifestName(name)) }), { abortSignal: options.signal });
                // A manifest is small; the body is read under the same signal.
                text = object.Body ? await readText(object.Body, options.signal) : '';
            }
            catch (error) {
                if (error instanceof StoreError)
                    throw error;
                if (missing(error))
                    return undefined;
                throw failed(`cannot read the manifest of ${name}`, error);
            }
            try {
                return parseManifest(text, where);
            }
            catch (error) {
                throw new StoreError(error.message);
            }
        },
    };
    return store;
}
/**
 * The store at `location`: `s3://bucket[/prefix]`, or a directory path (created when needed).
 * `env` is where the S3 client's endpoint and checksum settings are looked up (the SDK itself
 * reads credentials and region from the process environment and the AWS config files).
 */
function openStore(location, env = process.env) {
    if (/^s3:\/\//.test(location.trim()))
        return s3Store(location, env);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location.trim())) {
        throw new StoreError(`"${location}": only s3:// locations and directories are supported`);
    }
    return directoryStore(location);
}

;// CONCATENATED MODULE: ./src/run/archive/index.ts
// Archival's side effects that are not SQL: dump one table, fingerprint its rows, verify a dump,
// store it (directory or S3) with its manifest. The archival steps (src/steps, src/run) call these.
//
// The flow, for one detached (and moved) table T, on a connection `client` made by connect():
//   const target = dumpTarget(parseConnInfo(url, env), await readServerVersion(client), env);
//   const name = dumpFileName(T);                                   // safe file name / S3 key
//   const fp = await tableFingerprint(client, T);                   // rows + checksum, live table
//   const dump = await dumpTable(target, T, localFile, { signal }); // size, sha256, pgDumpVersion
//   await verifyDump(target, localFile, { ...fp, ...dump }, { signal }); // DumpVerificationError
//   const store = openStore(spec.archive.dump);
//   await store.put(name, localFile, dump.sha256, { signal });     // resolves only once confirmed
//   await store.putManifest({ version: 2, database: await readDatabaseIdentity(client), table, parent,
//                             from, to, ...fp, file: name, size, sha256,
//                             serverVersion: target.server.text, pgDumpVersion, createdAt });
//   // drop only when store.confirm(name, (await store.getManifest(name)).sha256) is true
// And back (reattach --from-dump): getManifest(name) → download(name, file) → verifyDump(target,
// file, manifest) → pg_restore (the steps' side).
// `signal` is the run's deadline (AbortSignal.timeout(ms left)); tableFingerprint runs under the
// session's statement_timeout instead. The fingerprint and the dump are independent (two sessions),
// as are verify and upload (both only read the file): BENCHMARKS.md measures them overlapped.







/***/ }),

/***/ 359:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   PS: () => (/* binding */ checkToolVersion),
/* harmony export */   V2: () => (/* binding */ failure),
/* harmony export */   _T: () => (/* binding */ toolPlace),
/* harmony export */   b6: () => (/* binding */ PG_BIN_VARIABLE),
/* harmony export */   nR: () => (/* binding */ DumpToolError),
/* harmony export */   qI: () => (/* binding */ runTool)
/* harmony export */ });
/* unused harmony exports toolPath, toolEnv, mask, clientMajor, serverMajor, installHint */
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _db_connect__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8008);
/* harmony import */ var _settings__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2480);
// Running pg_dump and pg_restore: which binary, in which environment, and what they said on stderr.
// The connection reaches them through PG* variables only (never argv, which `ps` shows to everyone).




/** The variable that chooses the directory of pg_dump and pg_restore. */
const PG_BIN_VARIABLE = 'PARTITION_KEEPER_PG_BIN';
/** A missing pg_dump/pg_restore, one older than the server, or one that failed: what and what to do. */
class DumpToolError extends Error {
    name = 'DumpToolError';
}
/** The program to run: in the chosen directory, or the bare name looked up on PATH. */
function toolPath(target, tool) {
    return target.pgBin ? (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(target.pgBin, tool) : tool;
}
/** Where we looked for a tool, for messages. */
function toolPlace(target) {
    return target.pgBin ? `in ${PG_BIN_VARIABLE}=${target.pgBin}` : 'on PATH';
}
/**
 * The tools' environment: `env` without any PG* variable, plus exactly the parameters of `conn`.
 * PGTZ=UTC makes pg_dump write timestamptz values as our fingerprint reads them (src/db/connect.ts
 * sets the same zone).
 */
function toolEnv(target) {
    const out = {};
    for (const [key, value] of Object.entries(target.env)) {
        if (!key.startsWith('PG') && value !== undefined)
            out[key] = value;
    }
    const c = target.conn;
    const set = (key, value) => {
        if (value !== undefined && value !== '')
            out[key] = String(value);
    };
    set('PGHOST', c.host);
    set('PGPORT', c.port);
    set('PGUSER', c.user);
    set('PGDATABASE', c.database);
    set('PGPASSWORD', c.password);
    set('PGSSLMODE', c.sslmode);
    set('PGSSLROOTCERT', c.sslrootcert);
    set('PGSSLCERT', c.sslcert);
    set('PGSSLKEY', c.sslkey);
    set('PGAPPNAME', c.applicationName ?? c.fallbackApplicationName ?? _settings__WEBPACK_IMPORTED_MODULE_3__/* .DEFAULTS */ .zY.applicationName);
    set('PGOPTIONS', c.options);
    set('PGCONNECT_TIMEOUT', c.connectTimeoutSeconds ?? _settings__WEBPACK_IMPORTED_MODULE_3__/* .DEFAULTS */ .zY.connectTimeoutSeconds);
    set('PGCHANNELBINDING', c.channelBinding);
    set('PGTZ', 'UTC');
    return out;
}
/** Masks the password of `target` wherever a tool's output repeats it. */
function mask(target, text) {
    return (0,_db_connect__WEBPACK_IMPORTED_MODULE_2__/* .redact */ .E$)(text, undefined, { PGPASSWORD: target.conn.password });
}
const STDERR_LIMIT = 16 * 1024;
/**
 * Starts `tool` with `args` in the tools' environment, keeping the first 16 kB of its stderr; an
 * abort of `signal` ends it (SIGTERM) and shows as its spawnError.
 */
function runTool(target, tool, args, options = {}) {
    const child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(toolPath(target, tool), args, {
        env: toolEnv(target),
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(options.signal ? { signal: options.signal } : {}),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
        if (stderr.length < STDERR_LIMIT)
            stderr += text.slice(0, STDERR_LIMIT - stderr.length);
    });
    const done = new Promise((resolve) => {
        let spawnError;
        child.on('error', (error) => {
            spawnError = error;
        });
        child.on('close', (code, signal) => resolve({ code, signal, stderr: mask(target, stderr.trim()), spawnError }));
    });
    return { child, done };
}
/** What a failed run said: stopped by an abort, its stderr, else its exit status. */
function failure(result) {
    if (result.spawnError?.name === 'AbortError')
        return 'stopped: the run deadline passed (aborted)';
    if (result.stderr)
        return result.stderr;
    return result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
}
/** The major version of a `pg_dump --version` line ("pg_dump (PostgreSQL) 15.10 …" → 15; 9.6.24 → 9.6). */
function clientMajor(versionLine) {
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionLine);
    if (!match)
        return undefined;
    const first = Number(match[1]);
    return first >= 10 ? first : Number(`${first}.${match[2] ?? 0}`);
}
/** The major version of server_version_num (150010 → 15; 90624 → 9.6). */
function serverMajor(num) {
    return num >= 100_000 ? Math.floor(num / 10_000) : Math.floor(num / 100) / 100;
}
/** How to get a client of the server's major version, for messages. */
function installHint(major) {
    return (`install a PostgreSQL ${major} (or newer) client and put its bin directory on PATH or in ${PG_BIN_VARIABLE}; ` +
        `on GitHub's Ubuntu runners: the PGDG \`postgresql-client-${major}\` package ` +
        `(sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y && sudo apt-get install -y postgresql-client-${major}), ` +
        `then ${PG_BIN_VARIABLE}=/usr/lib/postgresql/${major}/bin`);
}
/**
 * `tool --version`, checked against the server: a tool that is missing or older than the server
 * is a DumpToolError naming both versions and how to install the right client.
 */
async function checkToolVersion(target, tool) {
    const wanted = serverMajor(target.server.num);
    // `--version` answers at once; a tool that hangs (a broken wrapper) is stopped after 30 s.
    const run = runTool(target, tool, ['--version'], { signal: AbortSignal.timeout(30_000) });
    let out = '';
    run.child.stdout.setEncoding('utf8');
    run.child.stdout.on('data', (text) => {
        out += text;
    });
    const result = await run.done;
    if (result.spawnError) {
        const missing = result.spawnError.code === 'ENOENT';
        throw new DumpToolError(`${tool} ${missing ? 'not found' : `cannot run (${result.spawnError.message})`} ${toolPlace(target)}; ` +
            `the server is PostgreSQL ${target.server.text}: ${installHint(Math.ceil(wanted))}`);
    }
    const line = out.trim().split('\n')[0] ?? '';
    const major = clientMajor(line);
    if (result.code !== 0 || major === undefined) {
        throw new DumpToolError(`${toolPath(target, tool)} --version did not say its version (${result.code !== 0 ? failure(result) : JSON.stringify(line)}); ${installHint(Math.ceil(wanted))}`);
    }
    if (major < wanted) {
        throw new DumpToolError(`${tool} is version ${major} (${line}, ${toolPlace(target)}), older than the server's PostgreSQL ${target.server.text}; ` +
            `${tool} must be at least as new as the server: ${installHint(Math.ceil(wanted))}`);
    }
    return line;
}


/***/ }),

/***/ 1852:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   S5: () => (/* binding */ closeAll),
/* harmony export */   qP: () => (/* binding */ openConnections),
/* harmony export */   wr: () => (/* binding */ APPLY_APPLICATION_NAME)
/* harmony export */ });
/* harmony import */ var _db_connect__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8008);

const APPLY_APPLICATION_NAME = 'partition-keeper apply';
async function openConnections(databaseUrl, count) {
    const settled = await Promise.allSettled(Array.from({ length: Math.max(0, count) }, () => (0,_db_connect__WEBPACK_IMPORTED_MODULE_0__/* .connect */ .Ng)(databaseUrl, { applicationName: APPLY_APPLICATION_NAME })));
    const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
        await closeAll(opened);
        throw failed.reason;
    }
    return opened;
}
async function closeAll(connections) {
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
}


/***/ }),

/***/ 5306:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   M3: () => (/* binding */ executeBatch),
/* harmony export */   a2: () => (/* binding */ retryDelay),
/* harmony export */   r3: () => (/* binding */ isRetryable)
/* harmony export */ });
/* harmony import */ var _sql_step_sql__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8097);
/* harmony import */ var _words__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5846);
/* harmony import */ var _sleep__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3278);



// lock_not_available (lock_timeout), deadlock_detected, serialization_failure: someone else's
// transaction was in the way, so the same statement can simply be tried again.
const RETRYABLE = new Set(['55P03', '40P01', '40001']);
/** Whether the statement failed only because someone else's transaction was in the way. */
function isRetryable(error) {
    return RETRYABLE.has(error.code ?? '');
}
/**
 * The wait before trying again after `attempts` attempts (backoff with jitter), or undefined when the
 * next attempt would start after the deadline.
 */
function retryDelay(attempts, options) {
    const random = options.random ?? Math.random;
    const wait = Math.min(options.maxBackoffMs ?? 5000, (options.backoffMs ?? 100) * 2 ** (attempts - 1)) *
        (0.5 + random());
    return Date.now() + wait <= options.deadline ? wait : undefined;
}
/** Runs a batch; one outcome per step, in order. The first failure ends the batch. */
async function executeBatch(client, batch, options) {
    const started = Date.now();
    // Notices per step of the batch, for the attempt under way.
    let notices = batch.steps.map(() => []);
    let current = 0;
    const onNotice = (notice) => void notices[current]?.push(notice);
    client.on('notice', onNotice);
    let attempts = 0;
    const outcome = (i, status, extra = {}) => {
        const s = batch.steps[i];
        const own = notices[i] ?? [];
        return {
            step: s.step,
            index: s.index,
            status,
            attempts,
            ms: Date.now() - started,
            notices: own.filter((n) => n.detail !== _sql_step_sql__WEBPACK_IMPORTED_MODULE_0__/* .ALREADY_DONE */ .sr).map((n) => n.message ?? ''),
            ...extra,
        };
    };
    /** Whether every statement of step i said it found its work already done. */
    const alreadyDone = (i, statements) => statements > 0 && (notices[i] ?? []).filter((n) => n.detail === _sql_step_sql__WEBPACK_IMPORTED_MODULE_0__/* .ALREADY_DONE */ .sr).length >= statements;
    /** One attempt at the whole block, in one transaction: the failure, if any (all rolled back). */
    async function attemptBlock() {
        try {
            await options.beforeStatement?.();
            await client.query('BEGIN');
        }
        catch (error) {
            return { at: 0, error };
        }
        for (const [i, s] of batch.steps.entries()) {
            current = i;
            for (const sql of s.statements) {
                try {
                    await client.query(sql);
                }
                catch (error) {
                    await client.query('ROLLBACK').catch(() => undefined);
                    return { at: i, error };
                }
            }
        }
        try {
            await client.query('COMMIT');
            return undefined;
        }
        catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            return { at: batch.steps.length - 1, error };
        }
    }
    try {
        if (!batch.transaction) {
            // One step, each statement its own transaction: a lock timeout retries just that statement.
            return [await runAlone()];
        }
        for (;;) {
            attempts += 1;
            notices = batch.steps.map(() => []);
            const failure = await attemptBlock();
            if (!failure) {
                return batch.steps.map((s, i) => outcome(i, alreadyDone(i, s.statements.length) ? 'already-done' : 'done'));
            }
            const retryIn = backoff(failure.error);
            if (retryIn === undefined) {
                const failed = outcome(failure.at, 'failed', failedWith(failure.error));
                const failedStep = batch.steps[failure.at].index;
                return batch.steps.map((_, i) => i === failure.at
                    ? failed
                    : outcome(i, 'not-run', {
                        error: i < failure.at
                            ? `rolled back: step ${failedStep} of its BEGIN … COMMIT block failed`
                            : `step ${failedStep} of its BEGIN … COMMIT block failed`,
                    }));
            }
            await (0,_sleep__WEBPACK_IMPORTED_MODULE_1__/* .sleep */ .y)(retryIn);
        }
    }
    finally {
        client.off('notice', onNotice);
    }
    /**
     * A step of several statements (a DETACH … CONCURRENTLY between its checks) starts over from its
     * first statement after a lock timeout, since that one checks where things stand (a detach cut off
     * half-way is left pending, and the check finalizes it). Its first statement may find the whole
     * step done (ALREADY_DONE), and any statement may finish it (STEP_COMPLETE): the rest is skipped.
     */
    async function runAlone() {
        const s = batch.steps[0];
        current = 0;
        for (let n = 0; n < s.statements.length;) {
            attempts += 1;
            const before = notices[0].length;
            try {
                await options.beforeStatement?.();
                await client.query(s.statements[n]);
            }
            catch (error) {
                notices[0].length = before;
                const retryIn = backoff(error);
                if (retryIn === undefined)
                    return outcome(0, 'failed', failedWith(error));
                await (0,_sleep__WEBPACK_IMPORTED_MODULE_1__/* .sleep */ .y)(retryIn);
                n = 0;
                continue;
            }
            const said = notices[0].slice(before).map((notice) => notice.detail);
            if (said.includes(_sql_step_sql__WEBPACK_IMPORTED_MODULE_0__/* .STEP_COMPLETE */ .vG))
                return outcome(0, 'done');
            if (n === 0 && s.statements.length > 1 && said.includes(_sql_step_sql__WEBPACK_IMPORTED_MODULE_0__/* .ALREADY_DONE */ .sr))
                return outcome(0, 'already-done');
            n += 1;
        }
        return outcome(0, alreadyDone(0, s.statements.length) ? 'already-done' : 'done');
    }
    /** How long to wait before trying again, or undefined when the error is final. */
    function backoff(error) {
        return isRetryable(error) ? retryDelay(attempts, options) : undefined;
    }
    function failedWith(error) {
        const code = error.code ?? '';
        const gaveUp = RETRYABLE.has(code)
            ? ` (gave up at the run deadline after ${(0,_words__WEBPACK_IMPORTED_MODULE_2__/* .plural */ .L)(attempts, 'attempt')})`
            : '';
        return { error: `${error.message}${gaveUp}`, ...(code && { code }) };
    }
}


/***/ }),

/***/ 9877:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  r: () => (/* binding */ runSteps)
});

// EXTERNAL MODULE: ./src/sql/quote.ts
var quote = __webpack_require__(5196);
// EXTERNAL MODULE: ./src/sql/step-sql.ts
var step_sql = __webpack_require__(8097);
// EXTERNAL MODULE: ./src/steps/describe.ts
var describe = __webpack_require__(8058);
// EXTERNAL MODULE: ./src/steps/step.ts
var step = __webpack_require__(961);
;// CONCATENATED MODULE: ./src/run/effect-step.ts
async function executeEffect(client, step, index, effects) {
    const started = Date.now();
    try {
        const result = await effects.run(client, step);
        return {
            step,
            index,
            status: result.status,
            attempts: 1,
            ms: Date.now() - started,
            notices: result.notices,
        };
    }
    catch (error) {
        const code = error.code;
        return {
            step,
            index,
            status: 'failed',
            attempts: 1,
            ms: Date.now() - started,
            notices: [],
            error: error.message,
            ...(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && { code }),
        };
    }
}

// EXTERNAL MODULE: ./src/run/execute.ts
var execute = __webpack_require__(5306);
;// CONCATENATED MODULE: ./src/run/runner.ts






/** The server ended the session (admin shutdown, terminated backend) or the socket closed. */
const isConnectionLost = (o) => /^(57P|08)/.test(o.code ?? '') || /connection terminated|not queryable|ECONNRESET/i.test(o.error ?? '');
/**
 * Bounds every lock wait by lock_timeout, and every statement by the time left to the deadline
 * (or the role's own statement_timeout, when that is shorter: it stays in force and is named when
 * it cancels a step). The time left shrinks: boundByDeadline sets it again before each batch.
 */
async function openSession(client, settings) {
    const left = Math.max(1, settings.deadline - Date.now());
    const { rows } = await client.query(`select set_config('lock_timeout', $1, false),
            -- PL/pgSQL then parses each statement of a step once, when it runs it, and never the
            -- branches it skips: 6% fewer server instructions per create step (callgrind,
            -- BENCHMARKS.md, issue 8). Nothing is lost: these sessions run only SQL we generate
            -- (apply --sql refuses a file whose steps differ from it), tested under psql's default.
            set_config('check_function_bodies', 'off', false),
            set_config('statement_timeout',
              case when reset_val::bigint = 0 or reset_val::bigint > $2 then $2::text else reset_val end, false),
            reset_val as own
       from pg_settings where name = 'statement_timeout'`, [`${settings.lockTimeoutMs}ms`, left]);
    return {
        client,
        functions: new Map(),
        ownStatementTimeoutMs: Number(rows[0]?.own ?? 0),
        timeoutSetAt: Date.now(),
    };
}
/**
 * How far past the deadline a statement may run, at most: statement_timeout is set to the time left
 * again only once this much has passed since it was last set. (Set before every step, its round
 * trips took 70 ms of Node's time in a profile of an apply of 800 partitions.)
 */
const DEADLINE_SLACK_MS = 1000;
/**
 * statement_timeout set to the time left to the deadline now (or the role's own, when shorter),
 * before a batch and before each statement (or BEGIN) it runs, retries included: set once per
 * session, a later statement could run past the deadline by as long as those before it took.
 */
async function boundByDeadline(session, settings) {
    const now = Date.now();
    if (now - session.timeoutSetAt < DEADLINE_SLACK_MS)
        return;
    const left = Math.max(1, settings.deadline - now);
    const own = session.ownStatementTimeoutMs;
    const ms = own > 0 && own < left ? own : left;
    await session.client.query("select set_config('statement_timeout', $1, false)", [String(ms)]);
    session.timeoutSetAt = now;
}
/** Whether the session function for `strategy` is made on this session (once; a failure is said once). */
async function sessionFunction(session, strategy, logger) {
    const known = session.functions.get(strategy);
    if (known !== undefined)
        return known;
    try {
        await session.client.query((0,step_sql/* sessionFunctionSql */.vT)(strategy));
        session.functions.set(strategy, true);
        return true;
    }
    catch (error) {
        fallBack(session, strategy, logger, error.message);
        return false;
    }
}
function fallBack(session, strategy, logger, why) {
    logger.log('info', `create steps run as DO blocks on this connection: ${why}`);
    session.functions.set(strategy, false);
}
// undefined_function, invalid_schema_name: the function may be gone (DISCARD TEMP, or a pooler that
// moved us to another backend), or the step's own parent schema (the DO block would say the same).
const MAYBE_GONE = new Set(['42883', '3F000']);
/**
 * A step with a call, run as that call on this session; undefined when its DO block must run
 * instead: a role without TEMP on the database cannot make the function, and a session may lose it.
 */
async function runCall(session, s, options, logger) {
    if (!(await sessionFunction(session, s.call.strategy, logger)))
        return undefined;
    const outcomes = await (0,execute/* executeBatch */.M3)(session.client, { steps: [{ ...s, statements: [s.call.sql] }], transaction: false }, options);
    const code = outcomes[0]?.code ?? '';
    if (!MAYBE_GONE.has(code))
        return outcomes;
    const present = await session.client
        .query((0,step_sql/* sessionFunctionExistsSql */.l8)(s.call.strategy))
        .then((r) => r.rows[0]?.present === true, () => false);
    if (present)
        return outcomes;
    fallBack(session, s.call.strategy, logger, outcomes[0]?.error ?? code);
    return undefined;
}
function explainCancel(outcome, session, settings) {
    if (outcome.code !== '57014')
        return outcome;
    const own = session.ownStatementTimeoutMs;
    const error = own > 0 && Date.now() < settings.deadline
        ? `cancelled by the role's statement_timeout (${own} ms) while it ran; raise it for this role ` +
            "(ALTER ROLE … SET statement_timeout = '…') or run in a quieter hour"
        : 'cancelled: the run deadline (--deadline) passed while it ran';
    return { ...outcome, error };
}
function logOutcome(logger, o, total) {
    const what = `step ${o.index}/${total} ${(0,describe/* describeStep */.E)(o.step)}`;
    const fields = { step: o.index, status: o.status, ms: o.ms, attempts: o.attempts };
    if (o.status === 'failed')
        logger.log('error', `failed: ${what}: ${o.error}`, fields);
    else if (o.status === 'not-run')
        logger.log('warn', `not run: ${what}: ${o.error}`, fields);
    else
        logger.log('info', `${o.status === 'done' ? 'done' : 'already done'}: ${what}`, fields);
    for (const notice of o.notices)
        logger.log('info', `  ${notice}`, { step: o.index });
}
const notRun = (s, why) => ({
    step: s.step,
    index: s.index,
    status: 'not-run',
    attempts: 0,
    ms: 0,
    notices: [],
    error: why,
});
const notRunEffect = (s) => ({
    ...notRun(s, `${s.step.kind} is not SQL and nothing here can carry it out`),
    status: 'failed',
});
/**
 * Groups steps by parent, keeping their order (a table's steps run in order on one connection),
 * and each table's steps into batches: a step alone, or the steps of one BEGIN … COMMIT block.
 */
function byTable(steps) {
    const groups = new Map();
    for (const s of steps) {
        const key = (0,quote/* relationKey */.Yb)(s.step.parent);
        const batches = groups.get(key) ?? [];
        const last = batches.at(-1);
        if (s.block !== undefined && last?.transaction && last.steps[0]?.block === s.block)
            last.steps.push(s);
        else
            batches.push({ steps: [s], transaction: s.block !== undefined });
        groups.set(key, batches);
    }
    return [...groups.values()];
}
async function runSteps(connections, steps, settings, logger) {
    const total = Math.max(0, ...steps.map((s) => s.index));
    const outcomes = [];
    const record = (o) => {
        outcomes.push(o);
        logOutcome(logger, o, total);
    };
    const queue = byTable(steps);
    const stepsOf = (batches) => batches.flatMap((b) => b.steps);
    const run = async (session, batch) => {
        try {
            await boundByDeadline(session, settings);
        }
        catch (error) {
            // The session is gone (or broken): the batch fails as a whole, and a lost connection is retried.
            const code = error.code;
            return batch.steps.map((s) => ({
                ...notRun(s, error.message),
                status: 'failed',
                ...(typeof code === 'string' && { code }),
            }));
        }
        const [first] = batch.steps;
        if (batch.steps.length === 1 && first && (0,step/* isEffect */.y)(first.step)) {
            if (!settings.effects)
                return [notRunEffect(first)];
            return [
                explainCancel(await executeEffect(session.client, first.step, first.index, settings.effects), session, settings),
            ];
        }
        const options = { ...settings, beforeStatement: () => boundByDeadline(session, settings) };
        const called = !batch.transaction && first?.call
            ? await runCall(session, { ...first, call: first.call }, options, logger)
            : undefined;
        return (called ?? (await (0,execute/* executeBatch */.M3)(session.client, batch, options))).map((o) => explainCancel(o, session, settings));
    };
    async function runTable(session, table) {
        for (const [i, batch] of table.entries()) {
            if (Date.now() >= settings.deadline) {
                for (const rest of stepsOf(table.slice(i)))
                    record(notRun(rest, 'the run deadline passed'));
                return session;
            }
            let results = await run(session, batch);
            const lost = results.find((o) => o.status === 'failed' && isConnectionLost(o));
            if (lost) {
                logger.log('warn', `the connection was lost during step ${lost.index}: ${lost.error}; reconnecting`);
                const fresh = await reopen(session);
                if (!fresh) {
                    for (const o of results)
                        record(o);
                    for (const rest of stepsOf(table.slice(i + 1)))
                        record(notRun(rest, 'the connection was lost'));
                    return undefined;
                }
                session = fresh;
                results = await run(session, batch);
            }
            for (const o of results)
                record(o);
            const failed = results.find((o) => o.status === 'failed');
            if (failed) {
                for (const rest of stepsOf(table.slice(i + 1))) {
                    record(notRun(rest, `step ${failed.index} of this table failed`));
                }
                return session;
            }
        }
        return session;
    }
    async function reopen(lost) {
        await lost.client.end().catch(() => undefined);
        if (!settings.reconnect || Date.now() >= settings.deadline)
            return undefined;
        try {
            return await openSession(await settings.reconnect(lost.client), settings);
        }
        catch (error) {
            logger.log('error', `could not reconnect: ${error.message}`);
            return undefined;
        }
    }
    await Promise.all(connections.slice(0, Math.max(1, queue.length)).map(async (client) => {
        let session = await openSession(client, settings);
        for (let table = queue.shift(); table; table = queue.shift()) {
            session = await runTable(session, table);
            if (!session)
                return; // this worker's connection is gone: the others take the queue
        }
    }));
    // Every worker lost its connection: what is left in the queue was never started.
    for (const s of stepsOf(queue.flat()))
        record(notRun(s, 'no connection left'));
    return outcomes.sort((a, b) => a.index - b.index);
}


/***/ })

};
