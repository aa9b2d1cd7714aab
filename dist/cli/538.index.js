export const id = 538;
export const ids = [538];
export const modules = {

/***/ 8538:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  apply: () => (/* binding */ apply_apply),
  applyCommand: () => (/* binding */ applyCommand),
  applyExitCode: () => (/* binding */ applyExitCode)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./src/core.ts + 25 modules
var core = __webpack_require__(6304);
// EXTERNAL MODULE: ./src/db/connect.ts
var connect = __webpack_require__(8008);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/sql/reviewed-file.ts
var reviewed_file = __webpack_require__(762);
// EXTERNAL MODULE: ./src/sql/quote.ts
var quote = __webpack_require__(5196);
// EXTERNAL MODULE: ./src/sql/step-sql.ts
var step_sql = __webpack_require__(8097);
// EXTERNAL MODULE: ./src/steps/build.ts
var build = __webpack_require__(9539);
// EXTERNAL MODULE: ./src/run/connections.ts
var connections = __webpack_require__(1852);
// EXTERNAL MODULE: ./src/report/apply.ts
var apply = __webpack_require__(1618);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/db/conninfo.ts + 1 modules
var conninfo = __webpack_require__(3602);
// EXTERNAL MODULE: ./src/words.ts
var words = __webpack_require__(5846);
// EXTERNAL MODULE: ./src/run/archive/index.ts + 5 modules
var archive = __webpack_require__(2945);
// EXTERNAL MODULE: ./src/run/execute.ts
var execute = __webpack_require__(5306);
// EXTERNAL MODULE: ./src/run/sleep.ts
var sleep = __webpack_require__(3278);
;// CONCATENATED MODULE: ./src/run/effects.ts
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










/** An effect that cannot go ahead; the step fails with this message (nothing was dropped). */
class EffectRefused extends Error {
    name = 'EffectRefused';
}
/** The location of a stored dump as the origin mark records it: the configured store, then the name. */
function storedAt(location, name) {
    return `${location.replace(/\/+$/, '')}/${name}`;
}
/** One apply's archival effects: stores opened once, local dumps kept in a directory removed at the end. */
class EffectRun {
    databaseUrl;
    deadline;
    env;
    stores = new Map();
    dumps = new Map();
    /** Tables whose verified dump the store already held when this run looked. */
    stored = new Map();
    workDir;
    target;
    database;
    constructor(databaseUrl, 
    /** Epoch ms: the run's deadline stops pg_dump, pg_restore and transfers still running then. */
    deadline, env = process.env) {
        this.databaseUrl = databaseUrl;
        this.deadline = deadline;
        this.env = env;
    }
    /** Aborts at the run's deadline: given to every store call and tool. */
    signal() {
        return { signal: AbortSignal.timeout(Math.max(1, this.deadline - Date.now())) };
    }
    store(location) {
        let store = this.stores.get(location);
        if (!store) {
            store = (0,archive/* openStore */.Ch)(location, this.env);
            this.stores.set(location, store);
        }
        return store;
    }
    async dumpTarget(client) {
        this.target ??= (0,archive/* dumpTarget */._x)((0,conninfo/* parseConnInfo */.uN)(this.databaseUrl, this.env), await (0,archive/* readServerVersion */.se)(client), this.env);
        return this.target;
    }
    async directory() {
        this.workDir ??= await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'partition-keeper-dumps-'));
        return this.workDir;
    }
    /** Removes the local dumps (stored ones live in the store). */
    async close() {
        if (this.workDir)
            await (0,promises_.rm)(this.workDir, { recursive: true, force: true });
    }
    async run(client, step) {
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
    async identity(client) {
        this.database ??= await (0,archive/* readDatabaseIdentity */.QE)(client);
        return this.database;
    }
    /**
     * The store's manifest for this table (refused when it names another parent or other bounds),
     * with `foreign` saying why it cannot be taken for this database's own: it names another
     * database, or none (version 1). Such a dump is never overwritten, and counts as this table's
     * only where its bytes and rows are shown to be exactly this table's (a database moved to a new
     * cluster keeps its archives); the dump's name carries no database.
     */
    async manifestOf(client, step) {
        const name = (0,archive/* dumpFileName */.Mq)(step.partition);
        const store = this.store(step.store);
        const manifest = await store.getManifest(name, this.signal());
        if (!manifest)
            return {};
        const parent = (0,quote/* quoteQualified */.$s)(step.parent);
        if (manifest.parent !== parent || manifest.from !== step.from || manifest.to !== step.to) {
            throw new EffectRefused(`the store ${store.label} holds ${name} for ${manifest.parent} [${manifest.from}, ${manifest.to}), ` +
                `not for ${parent} [${step.from}, ${step.to}): move it away or archive into another location`);
        }
        const here = await this.identity(client);
        const elsewhere = `archive this database's tables into another location, e.g. ${storedAt(step.store, here.name)}`;
        if (!manifest.database) {
            return {
                manifest,
                foreign: `${store.label} holds ${name} with a manifest that does not say which database it came from ` +
                    `(version ${manifest.version}, written before manifests recorded it), not shown to hold this table's rows: it is ` +
                    `neither overwritten nor counted as the dump of this ${(0,archive/* describeDatabase */.DZ)(here)}; ${elsewhere}, or, if ` +
                    `that dump is this database's own, move it and its manifest out of the way first`,
            };
        }
        if (!(0,archive/* sameDatabase */.KX)(manifest.database, here)) {
            return {
                manifest,
                foreign: `${store.label} holds ${name} from ${(0,archive/* describeDatabase */.DZ)(manifest.database)}, not from this ` +
                    `${(0,archive/* describeDatabase */.DZ)(here)}, not shown to hold this table's rows: it is neither overwritten nor counted as this ` +
                    `table's dump; ${elsewhere}`,
            };
        }
        return { manifest };
    }
    /** Why the store does not show the manifest's dump with its sha256, or undefined when it does. */
    async unconfirmed(step, manifest) {
        if (await this.store(step.store).confirm(manifest.file, manifest.sha256, this.signal()))
            return undefined;
        return `the store does not show ${manifest.file} with the sha256 its manifest records`;
    }
    /** The store holds a verified dump of exactly the table's rows. */
    async storedAndCurrent(client, step, manifest) {
        return ((await this.unconfirmed(step, manifest)) ??
            differs(step, await (0,archive/* tableFingerprint */.xo)(client, step.partition), manifest));
    }
    async exists(client, table) {
        const { rows } = await client.query('select to_regclass($1)::oid as oid', [
            (0,quote/* quoteQualified */.$s)(table),
        ]);
        return Boolean(rows[0]?.oid);
    }
    async dump(client, step) {
        const key = (0,quote/* relationKey */.Yb)(step.partition);
        const { manifest, foreign } = await this.manifestOf(client, step);
        if (!(await this.exists(client, step.partition))) {
            // Dropped after its dump was stored (a reviewed file run again): done, if the store shows it.
            if (foreign)
                throw new EffectRefused(foreign);
            if (manifest && (await this.store(step.store).confirm(manifest.file, manifest.sha256, this.signal()))) {
                this.stored.set(key, manifest);
                return {
                    status: 'already-done',
                    notices: [`dropped; its dump is ${storedAt(step.store, manifest.file)}`],
                };
            }
            throw new EffectRefused(`${(0,quote/* quoteQualified */.$s)(step.partition)} does not exist, and ${this.store(step.store).label} holds no confirmed dump of it`);
        }
        // Only detached tables carrying our mark for these bounds are ever dumped (a reviewed file
        // edited to name another table is refused here, before anything leaves the database).
        await client.query((0,step_sql/* ourArchivedTableSql */.pl)(step));
        if (manifest && (await this.storedAndCurrent(client, step, manifest)) === undefined) {
            this.stored.set(key, manifest);
            return {
                status: 'already-done',
                notices: [`${storedAt(step.store, manifest.file)} already holds this table's verified dump`],
            };
        }
        // Another database's dump (or one of unknown origin) holding other rows: never overwritten.
        if (foreign)
            throw new EffectRefused(foreign);
        const target = await this.dumpTarget(client);
        const name = (0,archive/* dumpFileName */.Mq)(step.partition);
        const file = (0,external_node_path_.join)(await this.directory(), name);
        // The fingerprint (this session) and pg_dump (its own connection) read the table side by side;
        // both are awaited whatever happens, so no query is left running on this session.
        const [counted, dumped] = await Promise.allSettled([
            (0,archive/* tableFingerprint */.xo)(client, step.partition),
            (0,archive/* dumpTable */.fz)(target, step.partition, file, this.signal()),
        ]);
        if (counted.status === 'rejected')
            throw counted.reason;
        if (dumped.status === 'rejected')
            throw dumped.reason;
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
    local(step) {
        const local = this.dumps.get((0,quote/* relationKey */.Yb)(step.partition));
        if (!local) {
            throw new EffectRefused(`no dump of ${(0,quote/* quoteQualified */.$s)(step.partition)} was made in this run: its dump step must run first`);
        }
        return local;
    }
    async verify(client, step) {
        if (this.stored.has((0,quote/* relationKey */.Yb)(step.partition))) {
            return { status: 'already-done', notices: [] };
        }
        const local = this.local(step);
        await (0,archive/* verifyDump */.S$)(await this.dumpTarget(client), local.file, { ...local.fingerprint, sha256: local.dump.sha256, size: local.dump.size }, this.signal());
        local.verified = true;
        return {
            status: 'done',
            notices: [`${local.fingerprint.rows} rows read back from the dump match the table`],
        };
    }
    async upload(client, step) {
        const store = this.store(step.store);
        const known = this.stored.get((0,quote/* relationKey */.Yb)(step.partition));
        if (known) {
            if (await this.exists(client, step.partition)) {
                await client.query((0,step_sql/* markStoredSql */.V6)(step, storedAt(step.store, known.file)));
            }
            return { status: 'already-done', notices: [] };
        }
        const local = this.local(step);
        if (!local.verified) {
            throw new EffectRefused(`the dump of ${(0,quote/* quoteQualified */.$s)(step.partition)} was not verified: it is not stored`);
        }
        // Looked at again: another database's dump may have arrived under this name since the dump step.
        const { foreign } = await this.manifestOf(client, step);
        if (foreign)
            throw new EffectRefused(foreign);
        await store.put(local.name, local.file, local.dump.sha256, this.signal());
        await store.putManifest({
            version: 2,
            database: await this.identity(client),
            table: (0,quote/* quoteQualified */.$s)(step.partition),
            parent: (0,quote/* quoteQualified */.$s)(step.parent),
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
        }, this.signal());
        await client.query((0,step_sql/* markStoredSql */.V6)(step, storedAt(step.store, local.name)));
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
    async drop(client, step) {
        if (!(await this.exists(client, step.partition)))
            return { status: 'already-done', notices: [] };
        // Before the store is read and the table locked for minutes: a live partition under that name
        // (reattached since) is refused here, not after its readers waited behind ACCESS EXCLUSIVE.
        await client.query((0,step_sql/* ourArchivedTableSql */.pl)(step, 'only those are dropped'));
        if (vanishesWithJob(step.store, this.env)) {
            throw new EffectRefused(`not dropped: ${step.store} lies in this job's workspace or temp directory, which the runner deletes ` +
                'when the job ends; store dumps in s3://… (or a directory the machine keeps) to drop archived tables');
        }
        // Whichever database wrote the manifest, its dump must be confirmed in the store and hold
        // exactly this table's rows (checked under the lock the DROP takes).
        const { manifest } = await this.manifestOf(client, step);
        if (!manifest) {
            throw new EffectRefused(`not dropped: ${this.store(step.store).label} holds no manifest for ${(0,archive/* dumpFileName */.Mq)(step.partition)}`);
        }
        const unconfirmed = await this.unconfirmed(step, manifest);
        if (unconfirmed)
            throw new EffectRefused(`not dropped: ${unconfirmed}`);
        for (let attempts = 1;; attempts += 1) {
            let problem;
            try {
                problem = await dropLocked(client, step, manifest);
            }
            catch (error) {
                // Dropped meanwhile by another run (undefined_table): nothing left to do.
                if (error.code === '42P01')
                    return { status: 'already-done', notices: [] };
                if (!(0,execute/* isRetryable */.r3)(error))
                    throw error;
                const wait = (0,execute/* retryDelay */.a2)(attempts, { deadline: this.deadline });
                if (wait === undefined) {
                    throw new EffectRefused(`not dropped: ${error.message} (gave up at the run deadline after ${(0,words/* plural */.L)(attempts, 'attempt')})`);
                }
                await (0,sleep/* sleep */.y)(wait);
                continue;
            }
            if (problem)
                throw new EffectRefused(`not dropped: ${problem}`);
            return { status: 'done', notices: [`dropped; its dump is ${storedAt(step.store, manifest.file)}`] };
        }
    }
}
/** Why the table's rows are not exactly those of its stored dump, or undefined when they are. */
function differs(step, now, manifest) {
    if (now.rows === manifest.rows && now.checksum === manifest.checksum)
        return undefined;
    return `${(0,quote/* quoteQualified */.$s)(step.partition)} now has ${now.rows} rows (checksum ${now.checksum}), its stored dump ${manifest.rows} (${manifest.checksum})`;
}
/**
 * One transaction: ACCESS EXCLUSIVE on the table (under the session's lock_timeout), its rows
 * checked against the manifest, DROP, COMMIT. Returns why not (rolled back), or undefined when dropped.
 */
async function dropLocked(client, step, manifest) {
    await client.query('BEGIN');
    try {
        await client.query((0,step_sql/* lockForDropSql */.MH)(step));
        const problem = differs(step, await (0,archive/* fingerprintInTransaction */.q4)(client, step.partition), manifest);
        if (problem) {
            await client.query('ROLLBACK');
            return problem;
        }
        await client.query((0,step_sql/* dropSql */.SA)(step));
        await client.query('COMMIT');
        return undefined;
    }
    catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
    }
}
/** A directory inside the job's workspace or temp directory vanishes when the job ends. */
function vanishesWithJob(location, env) {
    if (location.startsWith('s3://'))
        return false;
    const dir = (0,external_node_path_.resolve)(location);
    return [env.GITHUB_WORKSPACE, env.RUNNER_TEMP].some((root) => {
        if (!root)
            return false;
        const base = (0,external_node_path_.resolve)(root);
        return dir === base || dir.startsWith(base + external_node_path_.sep);
    });
}

// EXTERNAL MODULE: ./src/run/lock.ts
var lock = __webpack_require__(8642);
// EXTERNAL MODULE: ./src/run/runner.ts + 1 modules
var runner = __webpack_require__(9877);
// EXTERNAL MODULE: ./src/report/verdict.ts
var verdict = __webpack_require__(687);
;// CONCATENATED MODULE: ./src/commands/apply.ts
// `apply`: under the run lock, plan again from a fresh snapshot and run its steps; or, with --sql,
// run the steps of a reviewed file exactly as written (a file that is not what it says is refused
// before anything runs). One deadline covers the whole run, planning included.














async function readFileSteps(file) {
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(file, 'utf8');
    }
    catch {
        throw new errors/* UsageError */.e(`--sql: cannot read ${file}`);
    }
    try {
        const reviewed = await (0,reviewed_file/* readReviewedFile */.ax)(text);
        return reviewed.steps.map(({ step, strategy, index, block }) => ({
            step,
            index,
            statements: (0,step_sql/* stepStatements */.lw)(step, strategy),
            ...(block !== undefined && { block }),
        }));
    }
    catch (error) {
        if (error instanceof reviewed_file/* ReviewedFileError */._M) {
            throw new errors/* UsageError */.e(`--sql ${file}: refused, nothing was run: ${error.message}`);
        }
        throw error;
    }
}
const tablesIn = (steps) => new Set(steps.map((s) => (0,quote/* quoteQualified */.$s)(s.step.parent))).size;
async function apply_apply(settings, logger) {
    const started = Date.now();
    const deadline = started + settings.deadlineSeconds * 1000;
    // A reviewed file is read, and refused if it must be, before any connection is made.
    const fileSteps = settings.sqlFile === undefined ? undefined : await readFileSteps(settings.sqlFile);
    const config = fileSteps ? undefined : (0,core/* readConfig */.Xg)(settings);
    const client = await (0,connect/* connect */.Ng)(settings.databaseUrl, { applicationName: connections/* APPLY_APPLICATION_NAME */.wr });
    const opened = [];
    // The session holding the run lock; when it is the one lost, the lock went with it.
    let lockHolder = client;
    const reconnect = async (lost) => {
        const fresh = await (0,connect/* connect */.Ng)(settings.databaseUrl, { applicationName: connections/* APPLY_APPLICATION_NAME */.wr });
        opened.push(fresh);
        if (lost === lockHolder) {
            await (0,lock/* acquireRunLock */.Vd)(fresh, 0); // throws RunLockBusy when another run took it meanwhile
            lockHolder = fresh;
            logger.log('info', 'holding the run lock again, on a fresh connection');
        }
        return fresh;
    };
    // Dumps, verification, storage and drops (archival steps that are not SQL), with their local files.
    const effects = new EffectRun(settings.databaseUrl, deadline);
    const run = (steps, connections) => (0,runner/* runSteps */.r)(connections, steps, { lockTimeoutMs: settings.lockTimeoutMs, deadline, reconnect, effects }, logger);
    try {
        const lockWait = Math.min(settings.lockWaitSeconds, Math.max(0, (deadline - Date.now()) / 1000));
        await (0,lock/* acquireRunLock */.Vd)(client, lockWait);
        logger.log('info', 'holding the run lock');
        if (fileSteps) {
            opened.push(...(await (0,connections/* openConnections */.qP)(settings.databaseUrl, Math.min(settings.jobs, tablesIn(fileSteps)) - 1)));
            const outcomes = await run(fileSteps, [client, ...opened]);
            return { outcomes, deferred: 0, ms: Date.now() - started };
        }
        const tables = (config?.tables ?? []).filter((t) => t.enabled).length;
        // The other connections open while the catalog is read and the plan made.
        const opening = (0,connections/* openConnections */.qP)(settings.databaseUrl, Math.min(settings.jobs, tables) - 1);
        opening.catch(() => undefined); // awaited below, unless planning fails first
        try {
            // Planned under the lock from a fresh snapshot: nothing another run did is undone or repeated.
            const { plan } = await (0,core/* inspectWith */.ZF)(client, config, settings.now, (0,core/* catalogBoundsBy */.mQ)(settings.catalogLockWaitSeconds, deadline));
            opened.push(...(await opening));
            const deferred = plan.tables.reduce((n, t) => n + t.deferred, 0);
            const steps = (0,build/* buildSteps */.a)(plan);
            if (steps.length === 0)
                logger.log('info', 'nothing to do: every planned partition exists, nothing to archive');
            const outcomes = await run(steps.map((step, i) => {
                const call = (0,step_sql/* sessionCall */.td)(step, settings.strategy);
                return {
                    step,
                    index: i + 1,
                    statements: (0,step_sql/* stepStatements */.lw)(step, settings.strategy),
                    ...(call && { call }),
                };
            }), [client, ...opened]);
            const report = { outcomes, plan, deferred, ms: 0 };
            const allDone = outcomes.every((o) => o.status === 'done' || o.status === 'already-done');
            if (allDone)
                return { ...report, left: 0, ms: Date.now() - started };
            // Something failed: read the catalog again to say what is left (when we still can).
            const again = await (0,core/* inspectWith */.ZF)(client, config, settings.now).catch(() => undefined);
            const left = again?.plan.tables.reduce((n, t) => n + t.create.length, 0);
            // left counts partitions still to create; archival left undone shows in the step counts
            return { ...report, ...(left !== undefined && { left }), ms: Date.now() - started };
        }
        finally {
            await opening.catch(() => undefined);
        }
    }
    finally {
        await (0,lock/* releaseRunLock */.ai)(lockHolder).catch(() => undefined);
        await (0,connections/* closeAll */.S5)([client, ...opened]);
        await effects.close();
    }
}
function applyExitCode(report) {
    const c = (0,apply/* applyCounts */.lP)(report);
    if (c.failed > 0 || c.notRun > 0 || report.deferred > 0)
        return errors/* EXIT */.d.failed;
    if (report.plan && (0,verdict/* judge */.S4)(report.plan).configProblems.length > 0)
        return errors/* EXIT */.d.usage;
    return errors/* EXIT */.d.ok;
}
async function applyCommand(settings, logger) {
    const report = await apply_apply(settings, logger);
    const output = `${(0,apply/* summarize */.eh)(report)}\n`;
    const data = {
        summary: (0,apply/* summarize */.eh)(report),
        ...(0,apply/* applyCounts */.lP)(report),
        ...(report.plan && {
            planned: report.outcomes.filter((o) => o.step.kind === 'create').length,
            left: report.left ?? null,
            archival: (0,apply/* archivalCounts */.Fn)(report),
        }),
        deferred: report.deferred,
    };
    return { output, exitCode: applyExitCode(report), data, report };
}


/***/ })

};
