// Load test: how long do readers and writers of a busy partitioned table wait while something
// creates 60 daily partitions ahead, with a long-running reader open at the time?
// Subjects: pg_partman's run_maintenance(), bare DDL through psql, `partition-keeper apply` with each
// strategy, or any command given with --subject. See bench/README.md.
// Usage: bash bench/setup-partman.sh && npm run build && npx tsx bench/load.ts [--help]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminUrl, withClient } from './lib';
import { LOAD_USAGE, parseLoadOptions } from './load-options';
import { markdownDetails, markdownTable } from './load-report';
import { runScenario, type ScenarioResult } from './load-scenario';

const settings = (() => {
  try {
    return parseLoadOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${LOAD_USAGE}`);
    process.exit(2);
  }
})();
if (settings === 'help') {
  console.log(LOAD_USAGE);
  process.exit(0);
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(repoRoot, '.bench-out', 'load');
mkdirSync(outDir, { recursive: true });

const { rows } = await withClient(adminUrl, (admin) =>
  admin.query<{ version: string }>(`select current_setting('server_version') as version`),
);

const heading =
  `load test: PostgreSQL ${rows[0]!.version}, 2 writers + 2 readers on the parent for ${settings.loadSeconds} s, ` +
  `a ${settings.longReaderSeconds} s long reader from 3 s, subject from 4 s` +
  (settings.lockTimeoutMs === undefined ? '' : `, keeper --lock-timeout ${settings.lockTimeoutMs}`);
console.log(heading);

const results: ScenarioResult[] = [];
for (const subject of settings.subjects) {
  for (const withDefault of settings.variants) {
    const result = await runScenario(subject, withDefault, {
      loadSeconds: settings.loadSeconds,
      longReaderSeconds: settings.longReaderSeconds,
      lockTimeoutMs: settings.lockTimeoutMs,
      warmUpMs: 3_000,
      subjectDelayMs: 1_000,
      subjectTimeoutSeconds: settings.subjectTimeoutSeconds,
      repoRoot,
      workDir: outDir,
      keepDatabase: settings.keepDatabase,
    });
    results.push(result);
    const took = result.run ? `${(result.run.durationMs / 1000).toFixed(1)} s` : '–';
    console.log(
      `${subject.name} ${withDefault ? 'with' : 'without'} DEFAULT: ${result.status}, subject ${took}, ` +
        `created ${result.created}, reader max ${result.readers.maxMs.toFixed(0)} ms, writer max ${result.writers.maxMs.toFixed(0)} ms`,
    );
  }
}

const report = `${heading}\n\n${markdownTable(results)}\n\n${markdownDetails(results)}\n`;
console.log(`\n${report}`);
writeFileSync(join(outDir, 'results.md'), report);
writeFileSync(
  join(outDir, 'results.json'),
  `${JSON.stringify({ heading, settings: { ...settings, subjects: settings.subjects.map((s) => s.name) }, results }, null, 2)}\n`,
);
console.log(`(also written to ${join('.bench-out', 'load', 'results.md')} and results.json)`);
