// Renders the timelines with Mermaid itself in headless Chromium, the way GitHub shows them, and
// fails on Mermaid's error output or a chart missing its bars: `mermaid.parse` lets many broken
// gantt charts through, a render does not. Writes PNG screenshots, the seeds' job summary and the
// seeds' pull request body into docs/examples/.
//
// Usage: npm run render:timeline [-- --out DIR]   (needs /usr/bin/chromium; no network is used)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { jobSummary, pullRequestBody } from '../src/report/summary';
import { timeline } from '../src/report/timeline';
import { allScenarios, type Scenario } from './timeline-scenarios';

/** Debian's chromium here; PK_CHROMIUM names another build (GitHub's runners: /usr/bin/google-chrome). */
export const CHROMIUM = process.env.PK_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** About the width GitHub gives a Markdown body. */
const WIDTH = 900;
const MERMAID_BUNDLE = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

export interface Rendered {
  name: string;
  /** Bars the timeline says it drew (milestones included), their labels and the section titles. */
  expectedBars: number;
  expectedLabels: string[];
  expectedSections: string[];
  /** Bars in the SVG (rect.task, milestones included). */
  bars: number;
  /** The text of every bar label and section title as the browser shows it. */
  labels: string[];
  sections: string[];
  /** Mermaid threw or drew its error chart: what it said. */
  error?: string;
  png: Buffer;
}

/** What went wrong with a render, one line each; empty when it is fine. */
export function problemsOf(r: Rendered): string[] {
  const problems: string[] = [];
  if (r.error) problems.push(`${r.name}: mermaid failed: ${r.error}`);
  if (r.bars !== r.expectedBars) problems.push(`${r.name}: ${r.bars} bars drawn, ${r.expectedBars} expected`);
  if (r.labels.length !== r.expectedBars) {
    problems.push(`${r.name}: ${r.labels.length} bar labels drawn, ${r.expectedBars} expected`);
  }
  // Mermaid's placeholders for entity codes, left over if one of ours was not decoded.
  // Every label and section title shows exactly what the timeline wrote (a name that broke the
  // grammar shows cut short, or not at all).
  const shown = (texts: string[]): Set<string> => new Set(texts.map((t) => t.trim()));
  const labels = shown(r.labels);
  const sections = shown(r.sections);
  for (const label of r.expectedLabels.filter((l) => !labels.has(l))) {
    problems.push(`${r.name}: the label ${JSON.stringify(label)} is not shown`);
  }
  for (const title of r.expectedSections.filter((t) => !sections.has(t))) {
    problems.push(`${r.name}: the section ${JSON.stringify(title)} is not shown`);
  }
  return problems;
}

interface PageResult {
  error?: string;
  bars: number;
  labels: string[];
  sections: string[];
}

/** Renders each chart in one browser; Chromium gets a new empty profile and no network. */
export interface Chart {
  name: string;
  chart: string;
  bars: number;
  labels: string[];
  sectionTitles: string[];
}

export async function renderCharts(charts: Chart[]): Promise<Rendered[]> {
  const profile = mkdtempSync(join(tmpdir(), 'pk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: WIDTH + 40, height: 800 },
  });
  try {
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort()); // nothing leaves the machine
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:#fff">` +
        `<div id="chart" style="width:${WIDTH}px;padding:20px"></div></body></html>`,
    );
    await page.addScriptTag({ content: readFileSync(MERMAID_BUNDLE, 'utf8') });
    const results: Rendered[] = [];
    for (const [i, c] of charts.entries()) {
      const call = `(${RENDER_IN_PAGE})(${JSON.stringify({ id: `timeline${i}`, text: c.chart })})`;
      const result = (await page.evaluate(call)) as PageResult;
      const png = await page.locator('#chart').screenshot();
      results.push({
        name: c.name,
        expectedBars: c.bars,
        expectedLabels: c.labels,
        expectedSections: c.sectionTitles,
        ...result,
        png,
      });
    }
    return results;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Runs in the page: render with Mermaid, then read back what the SVG holds. Plain JavaScript in a
 * string: what tsx compiles would carry helpers the page does not have.
 */
const RENDER_IN_PAGE = `async ({ id, text }) => {
  const box = document.getElementById('chart');
  box.innerHTML = '';
  window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
  try {
    box.innerHTML = (await window.mermaid.render(id, text)).svg;
  } catch (error) {
    return { error: String((error && error.message) || error), bars: 0, labels: [], sections: [] };
  }
  const texts = (selector) => [...box.querySelectorAll(selector)].map((t) => t.textContent || '');
  const svg = box.querySelector('svg');
  const failed = svg && svg.getAttribute('aria-roledescription') === 'error' ? 'mermaid drew its error chart'
    : box.querySelector('.error-icon') ? 'mermaid drew its error icon' : undefined;
  return {
    ...(failed && { error: failed }),
    bars: box.querySelectorAll('rect.task').length,
    labels: texts('text.taskText, text.taskTextOutsideRight, text.taskTextOutsideLeft'),
    sections: texts('text.sectionTitle'),
  };
}`;

/** The examples committed in docs/examples/: the seeds' summary and PR body, and every picture. */
export function writeExamples(dir: string, scenarios: Scenario[], rendered: Rendered[]): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, content: string | Buffer): void => {
    writeFileSync(join(dir, file), content);
    written.push(file);
  };
  for (const r of rendered) write(`timeline-${r.name}.png`, r.png);
  const seeds = scenarios.find((s) => s.name === 'seeds');
  if (seeds) {
    const input = { plan: seeds.plan, steps: seeds.steps, sql: seeds.sql };
    write('summary-seeds.md', jobSummary({ ...input, mode: 'plan' }));
    write(
      'pr-body-seeds.md',
      pullRequestBody({ ...input, sqlPath: `db/partitions/${seeds.plan.now}-partitions.sql` }),
    );
  }
  return written;
}

export async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf('--out');
  const out =
    outIndex >= 0 ? argv[outIndex + 1] : fileURLToPath(new URL('../docs/examples', import.meta.url));
  if (!out) throw new Error('--out needs a directory');
  const scenarios = allScenarios();
  const charts = scenarios.map((s) => ({ name: s.name, ...timeline(s.plan) }));
  const rendered = await renderCharts(charts);
  const problems = rendered.flatMap(problemsOf);
  for (const r of rendered) {
    console.log(
      `${r.name}: ${r.bars}/${r.expectedBars} bars, ${r.sections.length} sections${r.error ? `, error: ${r.error}` : ''}`,
    );
  }
  const written = writeExamples(out, scenarios, rendered);
  console.log(`wrote ${written.join(', ')} into ${out}`);
  for (const p of problems) console.error(p);
  return problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
