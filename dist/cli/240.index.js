export const id = 240;
export const ids = [240];
export const modules = {

/***/ 5240:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ReattachRefused: () => (/* binding */ ReattachRefused),
  reattach: () => (/* binding */ reattach),
  reattachCommand: () => (/* binding */ reattachCommand)
});

// EXTERNAL MODULE: ./src/catalog/origin.ts
var catalog_origin = __webpack_require__(4925);
// EXTERNAL MODULE: ./src/db/connect.ts
var connect = __webpack_require__(8008);
// EXTERNAL MODULE: ./src/db/conninfo.ts + 1 modules
var conninfo = __webpack_require__(3602);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/sql/quote.ts
var quote = __webpack_require__(5196);
// EXTERNAL MODULE: ./src/sql/step-sql.ts
var step_sql = __webpack_require__(8097);
// EXTERNAL MODULE: ./src/steps/describe.ts
var describe = __webpack_require__(8058);
// EXTERNAL MODULE: ./src/run/archive/index.ts + 5 modules
var archive = __webpack_require__(2945);
// EXTERNAL MODULE: ./src/run/connections.ts
var connections = __webpack_require__(1852);
// EXTERNAL MODULE: ./src/run/lock.ts
var lock = __webpack_require__(8642);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/run/archive/tools.ts
var tools = __webpack_require__(359);
;// CONCATENATED MODULE: ./src/run/restore.ts
// `reattach --from-dump`: the dump fetched from its store, verified against its manifest, and
// pg_restore'd into the database (the table comes back where it was archived, with its origin mark).






/** A dump's store and name, from FILE (a local dump, its manifest beside it) or s3://bucket/prefix/name. */
function locateDump(location) {
    if (location.startsWith('s3://')) {
        const cut = location.lastIndexOf('/');
        if (cut <= 's3://'.length || cut === location.length - 1) {
            throw new Error(`${location} does not name a dump: write s3://bucket/prefix/name.pgdump`);
        }
        return { store: location.slice(0, cut), name: location.slice(cut + 1) };
    }
    return { store: (0,external_node_path_.dirname)(location), name: (0,external_node_path_.basename)(location) };
}
class RestoreError extends Error {
    name = 'RestoreError';
}
/**
 * Fetches the dump at `location`, verifies it against its manifest (size, sha256, pg_restore --list,
 * rows and content checksum) and, unless the table is already there, restores it. Returns what the
 * manifest says the table is. Nothing is restored from a dump that fails verification.
 */
async function restoreFromDump(client, target, location, env, 
/** The run's deadline: stops the download, the verification and pg_restore still running then. */
signal) {
    const bounded = signal ? { signal } : {};
    const { store: where, name } = locateDump(location);
    const store = (0,archive/* openStore */.Ch)(where, env);
    const manifest = await store.getManifest(name, bounded);
    if (!manifest)
        throw new RestoreError(`${location}: no manifest beside it (${name}.manifest.json) in ${store.label}`);
    const table = (0,quote/* parseQualifiedName */.z$)(manifest.table);
    const parent = (0,quote/* parseQualifiedName */.z$)(manifest.parent);
    // Already put back (a second run): its partition in the parent's schema, attached to the parent.
    const home = { schema: parent.schema, name: table.name };
    const back = await client.query('select coalesce((select i.inhparent = to_regclass($2) from pg_inherits i where i.inhrelid = to_regclass($1)), false) as attached', [(0,quote/* quoteQualified */.$s)(home), manifest.parent]);
    if (back.rows[0]?.attached)
        return { manifest, table: home, parent, restored: false };
    const { rows } = await client.query('select to_regclass($1)::oid as oid', [
        manifest.table,
    ]);
    if (rows[0]?.oid)
        return { manifest, table, parent, restored: false };
    const dir = await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'partition-keeper-restore-'));
    try {
        const file = (0,external_node_path_.join)(dir, 'dump.pgdump');
        await store.download(name, file, bounded);
        await (0,archive/* verifyDump */.S$)(target, file, manifest, bounded);
        const schema = await client.query('select to_regnamespace($1)::oid as oid', [
            (0,quote/* quoteIdent */.v4)(table.schema),
        ]);
        if (!schema.rows[0]?.oid)
            await client.query(`CREATE SCHEMA ${(0,quote/* quoteIdent */.v4)(table.schema)}`);
        const run = (0,tools/* runTool */.qI)(target, 'pg_restore', [
            `--dbname=${target.conn.database}`,
            '--no-password',
            '--no-owner',
            '--single-transaction',
            '--exit-on-error',
            file,
        ]);
        run.child.stdout.resume();
        const stop = () => void run.child.kill();
        signal?.addEventListener('abort', stop, { once: true });
        const result = await run.done;
        signal?.removeEventListener('abort', stop);
        if (result.spawnError || result.code !== 0) {
            throw new RestoreError(`pg_restore of ${location} failed: ${result.spawnError?.message ?? (0,tools/* failure */.V2)(result)}`);
        }
        return { manifest, table, parent, restored: true };
    }
    finally {
        await (0,promises_.rm)(dir, { recursive: true, force: true });
    }
}

// EXTERNAL MODULE: ./src/run/runner.ts + 1 modules
var runner = __webpack_require__(9877);
;// CONCATENATED MODULE: ./src/commands/reattach.ts
// `reattach TABLE`: an archived table put back (the seed's rollback) — into its parent's schema,
// attached with the bounds of its origin mark, rows of that range moved out of DEFAULT first.
// `reattach --from-dump FILE|s3://…`: the dump verified against its manifest and restored first.
// Under the run lock, the lock bound and the deadline, like apply.












class ReattachRefused extends Error {
    name = 'ReattachRefused';
}
function tableArgument(text) {
    try {
        return (0,quote/* parseQualifiedName */.z$)(text);
    }
    catch (error) {
        throw new errors/* UsageError */.e(`reattach: the table ${error.message}`);
    }
}
async function reattach(settings, logger, env = process.env) {
    const deadline = Date.now() + settings.deadlineSeconds * 1000;
    const named = settings.reattachTable === undefined ? undefined : tableArgument(settings.reattachTable);
    const client = await (0,connect/* connect */.Ng)(settings.databaseUrl, { applicationName: connections/* APPLY_APPLICATION_NAME */.wr });
    try {
        await (0,lock/* acquireRunLock */.Vd)(client, Math.min(settings.lockWaitSeconds, settings.deadlineSeconds));
        try {
            let table = named;
            let restored = false;
            // From a dump, its verified manifest says what the table is (and the restored table carries its mark).
            let fromManifest;
            if (settings.fromDump !== undefined) {
                const target = (0,archive/* dumpTarget */._x)((0,conninfo/* parseConnInfo */.uN)(settings.databaseUrl, env), await (0,archive/* readServerVersion */.se)(client), env);
                const fetched = await restoreFromDump(client, target, settings.fromDump, env, AbortSignal.timeout(Math.max(1, deadline - Date.now())));
                table = fetched.table;
                restored = fetched.restored;
                fromManifest = { parent: fetched.parent, from: fetched.manifest.from, to: fetched.manifest.to };
                logger.log('info', restored
                    ? `restored ${(0,quote/* quoteQualified */.$s)(table)} from ${settings.fromDump} (${fetched.manifest.rows} rows, verified against its manifest)`
                    : `${(0,quote/* quoteQualified */.$s)(table)} is there already: not restored again`);
            }
            if (!table)
                throw new errors/* UsageError */.e('reattach: no table');
            const { rows } = await client.query("select to_regclass($1) is not null as found, obj_description(to_regclass($1), 'pg_class') as mark", [(0,quote/* quoteQualified */.$s)(table)]);
            const origin = fromManifest ?? (0,catalog_origin/* parseOrigin */.ef)(rows[0]?.mark);
            if (!rows[0]?.found) {
                throw new ReattachRefused(`${(0,quote/* quoteQualified */.$s)(table)} does not exist; if it was dropped, reattach --from-dump its dump`);
            }
            if (!origin || 'problem' in origin) {
                throw new ReattachRefused(`${(0,quote/* quoteQualified */.$s)(table)} carries no partition-keeper origin mark${origin ? ` (${origin.problem})` : ''}: ` +
                    'reattach puts back only what partition-keeper archived');
            }
            const step = {
                kind: 'reattach',
                parent: origin.parent,
                partition: table,
                from: origin.from,
                to: origin.to,
            };
            const statements = (0,step_sql/* stepStatements */.lw)(step, settings.strategy);
            const [outcome] = await (0,runner/* runSteps */.r)([client], [{ step, index: 1, statements }], { lockTimeoutMs: settings.lockTimeoutMs, deadline }, logger);
            return { step, restored, ...(outcome && { outcome }) };
        }
        finally {
            await (0,lock/* releaseRunLock */.ai)(client).catch(() => undefined);
        }
    }
    finally {
        await client.end().catch(() => undefined);
    }
}
/** Refusals and failed verifications: the command's answer (exit 1), not an unexpected failure. */
const expected = (error) => error instanceof ReattachRefused ||
    error instanceof RestoreError ||
    error instanceof archive/* DumpVerificationError */.O$ ||
    error instanceof archive/* DumpToolError */.nR ||
    error instanceof archive/* StoreError */.AD;
async function reattachCommand(settings, logger) {
    let report;
    try {
        report = await reattach(settings, logger);
    }
    catch (error) {
        if (!expected(error))
            throw error;
        const output = `reattach: refused, nothing was attached: ${error.message}\n`;
        return {
            output,
            exitCode: errors/* EXIT */.d.failed,
            data: { summary: output.trim(), status: 'refused', restored: false },
        };
    }
    const ok = report.outcome?.status === 'done' || report.outcome?.status === 'already-done';
    const what = report.step ? (0,describe/* describeStep */.E)(report.step) : 'reattach';
    const output = ok
        ? `reattach: ${report.outcome?.status === 'done' ? 'done' : 'already done'}: ${what}\n`
        : `reattach: failed: ${what}: ${report.outcome?.error ?? 'not run'}\n`;
    return {
        output,
        exitCode: ok ? errors/* EXIT */.d.ok : errors/* EXIT */.d.failed,
        data: { summary: output.trim(), status: report.outcome?.status ?? 'not-run', restored: report.restored },
    };
}


/***/ })

};
