// The timelines rendered by Mermaid itself in headless Chromium (bench/render-timeline.ts): the
// seeds, 200 tables, a table with rows in DEFAULT and archival, and hostile names. A render is the
// check that counts (mermaid.parse lets broken gantt charts through). Runs wherever
// /usr/bin/chromium (or PK_CHROMIUM) exists; under CI its absence is a failure, not a skip.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, problemsOf, renderCharts, type Chart } from '../../bench/render-timeline';
import { allScenarios, hostileScenario, seedsScenario } from '../../bench/timeline-scenarios';
import { jobSummary, pullRequestBody } from '../../src/report/summary';
import { timeline } from '../../src/report/timeline';

const haveChromium = existsSync(CHROMIUM);

describe('timeline rendering', () => {
  it('Chromium is installed where CI runs this', () => {
    if (process.env.CI) expect(haveChromium, `${CHROMIUM} is needed to render the timelines`).toBe(true);
  });

  it.runIf(haveChromium)(
    'mermaid draws every bar, label and section of each timeline; the unescaped names break it',
    async () => {
      const charts: Chart[] = allScenarios().map((s) => ({ name: s.name, ...timeline(s.plan) }));
      // The same hostile chart with its entity codes turned back into the raw characters: what
      // the chart would be without escaping. The check must catch it.
      const hostile = timeline(hostileScenario().plan);
      const raw = hostile.chart.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
      charts.push({ name: 'unescaped', ...hostile, chart: raw });

      const rendered = await renderCharts(charts);
      for (const r of rendered.filter((r) => r.name !== 'unescaped')) {
        expect(problemsOf(r), r.name).toEqual([]);
        expect(r.bars).toBeGreaterThan(1);
        expect(r.png.subarray(1, 4).toString()).toBe('PNG');
      }
      const fleet = rendered.find((r) => r.name === 'fleet-200');
      expect(fleet?.sections.map((s) => s.trim())).toEqual(
        expect.arrayContaining(['plan date', expect.stringMatching(/^healthy — \d+ tables$/)]),
      );
      const broken = rendered.find((r) => r.name === 'unescaped');
      expect(problemsOf(broken!).length).toBeGreaterThan(0);
    },
    240_000,
  );

  it('the committed examples in docs/examples/ are what the code writes now', () => {
    const seeds = seedsScenario();
    const input = { plan: seeds.plan, steps: seeds.steps, sql: seeds.sql };
    const file = (name: string): string =>
      readFileSync(new URL(`../../docs/examples/${name}`, import.meta.url), 'utf8');
    expect(file('summary-seeds.md')).toBe(jobSummary({ ...input, mode: 'plan' }));
    expect(file('pr-body-seeds.md')).toBe(
      pullRequestBody({ ...input, sqlPath: `db/partitions/${seeds.plan.now}-partitions.sql` }),
    );
    for (const name of ['seeds', 'fleet-200', 'default-rows-archival', 'hostile-names']) {
      expect(existsSync(new URL(`../../docs/examples/timeline-${name}.png`, import.meta.url)), name).toBe(
        true,
      );
    }
  });
});
