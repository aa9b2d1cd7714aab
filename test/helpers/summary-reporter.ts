// Ends every run with one plain line, `N passed, N failed, N skipped`, that any CI can read.
// A test that could not run because its suite's or file's setup failed (say a required server that
// cannot be reached) counts as failed, not skipped; so does a file that failed before any test.
import type { Reporter, TestCase, TestModule } from 'vitest/node';

function setupFailed(test: TestCase): boolean {
  for (let entity = test.parent; ; entity = entity.parent) {
    if (entity.errors().length > 0) return true;
    if (entity.type === 'module') return false;
  }
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      let tests = 0;
      for (const test of module.children.allTests()) {
        tests += 1;
        const state = test.result().state;
        if (state === 'passed' || state === 'failed') count[state] += 1;
        else if (test.options.mode === 'run' && setupFailed(test)) count.failed += 1;
        else count.skipped += 1;
      }
      if (tests === 0 && module.errors().length > 0) count.failed += 1;
    }
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
