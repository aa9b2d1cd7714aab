// The load test's results as Markdown: one table row per scenario, then what each one waited on.
import { MIN_AHEAD, type ScenarioResult } from './load-scenario';
import { STALL_MS, type LatencySummary } from './load-stats';

const ms = (value: number): string => value.toFixed(0);
const seconds = (value: number): string => (value / 1000).toFixed(1);

function subjectCells(result: ScenarioResult): string[] {
  if (!result.run) return ['–', '–'];
  return [seconds(result.run.durationMs), String(result.run.exitCode ?? 'killed')];
}

function latencyCells(summary: LatencySummary): string[] {
  return summary.statements === 0 ? ['–', '–'] : [ms(summary.maxMs), ms(summary.p99Ms)];
}

export function markdownTable(results: ScenarioResult[]): string {
  const header = [
    'subject',
    'DEFAULT',
    'status',
    'subject s',
    'exit',
    'created',
    `ahead (≥${MIN_AHEAD})`,
    'failed r/w',
    'reader max ms',
    'reader p99 ms',
    'writer max ms',
    'writer p99 ms',
    `>${STALL_MS} ms r/w`,
  ];
  const rows = results.map((r) => [
    r.subject,
    r.withDefault ? 'yes' : 'no',
    r.status === 'failed to start' ? '**subject failed to start**' : r.status,
    ...subjectCells(r),
    String(r.created),
    String(r.ahead),
    `${r.readers.failures}/${r.writers.failures}`,
    ...latencyCells(r.readers),
    ...latencyCells(r.writers),
    `${r.readers.stalled}/${r.writers.stalled}`,
  ]);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (i < 3 ? '---' : '---:'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** The first line (usually what went wrong), any error lines (the cause), and the last lines (the outcome). */
export function stderrExcerpt(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.slice(0, 300));
  const errors = lines.filter((line) => /\b(ERROR|FATAL|Error)\b/.test(line)).slice(0, 3);
  const picked = [...new Set([lines[0] ?? '', ...errors, ...lines.slice(-2)])];
  return picked.filter((line) => line.trim() !== '').join('\n');
}

/** Per scenario: statement counts, who waited for which lock, and what a failing subject said. */
export function markdownDetails(results: ScenarioResult[]): string {
  const blocks = results.map((r) => {
    const lines = [`### ${r.subject}, ${r.withDefault ? 'with' : 'without'} DEFAULT: ${r.status}`];
    if (r.setupError) {
      lines.push(`setup failed: ${r.setupError}`);
      return lines.join('\n');
    }
    lines.push(`- command: \`${r.command}\``);
    lines.push(
      `- statements: ${r.readers.statements} reads, ${r.writers.statements} writes; ` +
        `partitions ahead ${r.ahead}, covered through ${r.coveredThrough ?? '–'}`,
    );
    for (const summary of [r.readers, r.writers]) {
      if (summary.slowestStartedAtMs !== null && summary.maxMs > STALL_MS) {
        lines.push(
          `- slowest ${summary.role}: ${ms(summary.maxMs)} ms, started ${seconds(summary.slowestStartedAtMs)} s into the load`,
        );
      }
    }
    for (const wait of r.lockWaits) {
      const by = wait.blockedBy.length ? `, blocked by ${wait.blockedBy.join(' + ')}` : '';
      const who = wait.connections > 1 ? `${wait.connections} ${wait.who}s` : wait.who;
      const each = wait.connections > 1 ? ' each' : '';
      lines.push(
        `- lock wait: ${who} waiting for ${wait.mode} on ${wait.target}, ~${seconds(wait.seenMs)} s in all${each}${by}`,
      );
    }
    if (r.lockWaits.length === 0) lines.push('- lock wait: none seen while the subject ran');
    if (r.loadErrors.length)
      lines.push(`- load errors: ${[...new Set(r.loadErrors)].slice(0, 3).join('; ')}`);
    if (r.status !== 'ok' && r.run?.stderr) {
      lines.push('- subject stderr (excerpt):', '', stderrExcerpt(r.run.stderr).replace(/^/gm, '      '));
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}
