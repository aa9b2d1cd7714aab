export const id = 603;
export const ids = [603];
export const modules = {

/***/ 5603:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  statusCommand: () => (/* binding */ statusCommand)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/core.ts + 25 modules
var core = __webpack_require__(6304);
// EXTERNAL MODULE: ./src/plan/bounds.ts
var bounds = __webpack_require__(3002);
// EXTERNAL MODULE: ./src/sql/quote.ts
var quote = __webpack_require__(5196);
// EXTERNAL MODULE: ./src/report/units.ts
var units = __webpack_require__(7885);
// EXTERNAL MODULE: ./src/words.ts
var words = __webpack_require__(5846);
;// CONCATENATED MODULE: ./src/report/status.ts




function tableStatuses(specs, snapshot) {
    return specs.map((spec) => {
        const parent = snapshot.parents.get((0,quote/* relationKey */.Yb)(spec));
        const table = (0,quote/* quoteQualified */.$s)(spec);
        if (!parent || parent.problem || !parent.keyType) {
            return {
                table,
                problem: parent?.problem?.message ?? `${table} does not exist`,
                partitions: [],
                archived: [],
            };
        }
        const keyType = parent.keyType;
        const bound = (v) => (0,bounds/* formatBound */.Sp)(v, keyType, spec.timezone);
        const def = parent.defaultPartition;
        return {
            table,
            keyColumn: parent.keyColumn,
            keyType,
            partitions: [...parent.partitions]
                .sort((a, b) => a.from - b.from)
                .map((p) => ({
                name: p.name,
                schema: p.schema,
                from: bound(p.from),
                to: bound(p.to),
                bytes: p.bytes,
                estimatedRows: p.estimatedRows,
            })),
            defaultPartition: def && {
                name: def.name,
                schema: def.schema,
                bytes: def.bytes,
                rows: def.rows?.count ?? def.rowsByDay.reduce((n, d) => n + d.rows, 0),
            },
            archived: parent.archived.map((a) => ({
                name: a.name,
                schema: a.schema,
                bytes: a.bytes,
                estimatedRows: a.estimatedRows,
            })),
        };
    });
}
function renderStatusText(statuses) {
    const out = [];
    for (const s of statuses) {
        out.push(s.keyColumn ? `${s.table}  (key ${s.keyColumn} ${s.keyType})` : s.table);
        if (s.problem) {
            out.push(`  ${s.problem}`, '');
            continue;
        }
        const rows = [['partition', 'from', 'to', 'size', 'est. rows']];
        for (const p of s.partitions)
            rows.push([p.name, p.from, p.to, (0,units/* formatBytes */.z3)(p.bytes), (0,units/* formatRows */.dZ)(p.estimatedRows)]);
        out.push(...(0,units/* columns */.YB)(rows));
        if (s.partitions.length === 0)
            out.push('  (no partitions)');
        out.push(s.defaultPartition
            ? `  DEFAULT ${s.defaultPartition.name}: ${(0,words/* plural */.L)(s.defaultPartition.rows, 'row')} (${(0,units/* formatBytes */.z3)(s.defaultPartition.bytes)})`
            : '  no DEFAULT partition');
        for (const a of s.archived) {
            out.push(`  archived ${(0,quote/* quoteQualified */.$s)(a)}: ${(0,units/* formatBytes */.z3)(a.bytes)}, ${(0,units/* formatRows */.dZ)(a.estimatedRows)} est. rows (detached)`);
        }
        out.push('');
    }
    return `${out.join('\n')}`;
}

;// CONCATENATED MODULE: ./src/commands/status.ts
// `status`: each table's partitions with bounds, sizes, estimated rows and DEFAULT-partition rows.



async function statusCommand(settings) {
    const { config, snapshot } = await (0,core/* readStatus */.rk)(settings);
    const statuses = tableStatuses(config.tables, snapshot);
    const output = settings.format === 'json' ? `${JSON.stringify(statuses, null, 2)}\n` : renderStatusText(statuses);
    return {
        output,
        exitCode: statuses.some((s) => s.problem) ? errors/* EXIT */.d.usage : errors/* EXIT */.d.ok,
        data: settings.format === 'json' ? statuses : { report: output },
    };
}


/***/ })

};
