import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend for them (PGlite is CPU-bound WebAssembly).
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit+db', include: ['test/unit/**/*.test.ts', 'test/db/**/*.test.ts'] },
      },
      // The e2e tests run the bundles built from the current source; the build (~20 s) only runs
      // when an e2e test is in the run.
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/build-bundles.ts'],
        },
      },
    ],
  },
});
