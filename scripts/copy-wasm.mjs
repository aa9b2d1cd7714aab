// The bundles hold libpg-query, whose WebAssembly file ncc does not copy: put it beside each one.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const wasm = 'node_modules/libpg-query/wasm/libpg-query.wasm';
for (const dir of process.argv.slice(2)) copyFileSync(wasm, join(dir, 'libpg-query.wasm'));
