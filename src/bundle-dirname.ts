// The bundles are ES modules, and libpg-query's WebAssembly loader looks for libpg-query.wasm
// beside `__dirname`, which ES modules lack. The build copies the .wasm beside each bundle; here
// the bundle's own directory becomes that `__dirname`. Outside a bundle (no .wasm beside this
// file) nothing is set and the library finds its own file.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!('__dirname' in globalThis) && existsSync(join(here, 'libpg-query.wasm'))) {
  Object.defineProperty(globalThis, '__dirname', { value: here, configurable: true });
}
