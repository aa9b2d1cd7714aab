// The plans the timeline is rendered for (bench/render-timeline.ts, test/e2e/timeline-render.test.ts,
// docs/examples/): each config parsed by the real config loader, each catalog written as a snapshot
// by hand (test/helpers/snapshot.ts), each plan made by the real planner. Fixed dates, so the
// committed examples only change when the code does.
import { parseConfig } from '../src/config/load';
import { buildPlan } from '../src/plan/planner';
import { buildSteps } from '../src/steps/build';
import { reviewedFile } from '../src/commands/plan';
import { DEFAULTS } from '../src/settings';
import type { Plan } from '../src/types';
import type { Step } from '../src/steps/step';
import { snapshotOf, type PartitionEntry, type TableInput } from '../test/helpers/snapshot';

export const NOW = '2026-11-30';

export interface Scenario {
  /** File name stem for the examples. */
  name: string;
  title: string;
  plan: Plan;
  steps: Step[];
  /** The reviewed file for the plan. */
  sql: string;
}

function scenario(name: string, title: string, yaml: string, tables: TableInput[], now = NOW): Scenario {
  const config = parseConfig(yaml, `${name}.yml`, {});
  const plan = buildPlan(config.tables, snapshotOf(tables), { date: now });
  const steps = buildSteps(plan);
  const sql = reviewedFile(plan, steps, DEFAULTS);
  return { name, title, plan, steps, sql };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Monthly partitions named {parent}_y{YYYY}m{MM} from `from` (YYYY-MM) up to, not including, `to`. */
function months(parent: string, from: string, to: string, skip: string[] = []): PartitionEntry[] {
  const out: PartitionEntry[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (let ym = `${y}-${pad(m)}`; ym < to; ym = `${y}-${pad(m)}`) {
    const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1];
    if (!skip.includes(ym)) out.push([`${parent}_y${y}m${pad(m)}`, `${ym}-01`, `${ny}-${pad(nm)}-01`]);
    [y, m] = [ny, nm];
  }
  return out;
}

function years(parent: string, naming: (y: number) => string, from: number, to: number): PartitionEntry[] {
  const out: PartitionEntry[] = [];
  for (let y = from; y < to; y += 1) out.push([naming(y), `${y}-01-01`, `${y + 1}-01-01`]);
  return out;
}

/**
 * The seeds' tables (shared/seeds/) at the end of November 2026: claim_line_items made through
 * December by the monthly job (premake 2 also wants January), claims_production still without
 * 2027, kid_absences with 2024 past a retention of one year (the seed archives last year's data
 * into the `archive` schema).
 */
export function seedsScenario(): Scenario {
  return scenario(
    'seeds',
    'The seeds: claim_line_items monthly, claims_production yearly, kid_absences yearly with archive',
    `
tables:
  - table: public.claim_line_items
    interval: month
    naming: "{parent}_y{YYYY}m{MM}"
    premake: 2
    start: 2024-02-01
  - table: public.claims_production
    interval: year
    naming: "{parent}_y{YYYY}"
    premake: 1
  - table: public.kid_absences
    interval: year
    naming: "{parent}_{YYYY}"
    premake: 1
    retention: 1 year
    archive:
      schema: archive
`,
    [
      {
        name: 'claim_line_items',
        keyColumn: 'service_date',
        partitions: months('claim_line_items', '2024-02', '2027-01'),
      },
      {
        name: 'claims_production',
        keyColumn: 'service_from_date',
        partitions: years('claims_production', (y) => `claims_production_y${y}`, 2024, 2027),
      },
      {
        name: 'kid_absences',
        keyColumn: 'date',
        partitions: years('kid_absences', (y) => `kid_absences_${y}`, 2024, 2027),
      },
    ],
  );
}

/**
 * One table with everything at once: rows in DEFAULT (some in a gap, some in a month the plan
 * creates), a gap, and partitions past a retention of six months to detach, move and dump.
 */
export function defaultRowsScenario(): Scenario {
  return scenario(
    'default-rows-archival',
    'One table with rows in DEFAULT, a gap and partitions due for archival',
    `
tables:
  - table: public.events
    interval: month
    premake: 3
    retention: 6 months
    archive:
      schema: archive
      dump: s3://events-archive/pg
`,
    [
      {
        name: 'events',
        keyColumn: 'created_on',
        partitions: months('events', '2025-08', '2027-01', ['2026-08', '2026-09']),
        defaultRows: { '2026-08-14': 120, '2026-09-02': 37, '2027-01-03': 4 },
      },
    ],
  );
}

/**
 * 200 tables of a fleet: most healthy (monthly and daily), some short, some with gaps, a few with
 * rows in DEFAULT, some with archival due (reported only, or carried out), two the config names
 * but the database lacks, one disabled.
 */
export function fleetScenario(count = 200): Scenario {
  const specs: string[] = ['tables:'];
  const tables: TableInput[] = [];
  for (let i = 1; i <= count; i += 1) {
    const name = `t${String(i).padStart(3, '0')}_events`;
    const kind =
      i % 40 === 0
        ? 'missing'
        : i % 23 === 0
          ? 'default'
          : i % 17 === 0
            ? 'gap'
            : i % 9 === 0
              ? 'short'
              : 'ok';
    const daily = i % 5 === 0;
    const archival = i % 6 === 0;
    specs.push(
      `  - table: public.${name}`,
      `    interval: ${daily ? 'day' : 'month'}`,
      `    premake: ${daily ? 7 : 2}`,
      ...(archival ? [`    retention: ${daily ? '30 days' : '12 months'}`] : []),
      ...(archival && i % 12 === 0 ? ['    archive:', '      schema: archive'] : []),
      ...(i === 199 ? ['    enabled: false'] : []),
    );
    if (kind === 'missing') continue;
    const partitions = daily ? dailyPartitions(name, kind) : monthlyPartitions(name, kind);
    tables.push({
      name,
      partitions,
      ...(kind === 'default' && { defaultRows: { '2026-11-29': 3 + i, '2026-10-02': i } }),
    });
  }
  return scenario(`fleet-${count}`, `${count} tables`, specs.join('\n'), tables);
}

function monthlyPartitions(name: string, kind: string): PartitionEntry[] {
  const through = kind === 'short' ? '2026-12' : '2027-02';
  const skip = kind === 'gap' ? ['2026-06'] : kind === 'default' ? ['2026-10'] : [];
  return months(name, '2025-06', through, skip);
}

function dailyPartitions(name: string, kind: string): PartitionEntry[] {
  const out: PartitionEntry[] = [];
  const last = kind === 'short' ? 2 : 8; // days after today
  const first = Date.UTC(2026, 9, 1); // 2026-10-01
  const end = Date.UTC(2026, 10, 30) + last * 86_400_000;
  for (let t = first; t < end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (kind === 'gap' && (day === '2026-11-10' || day === '2026-11-11')) continue;
    if (kind === 'default' && day === '2026-11-29') continue;
    out.push([`${name}_p${day.replace(/-/g, '')}`, day, new Date(t + 86_400_000).toISOString().slice(0, 10)]);
  }
  return out;
}

/** Names that try to break the chart and the Markdown: `:`, `#`, `;`, backticks, HTML, a newline. */
export function hostileScenario(): Scenario {
  const names = [
    'a:b#c;d',
    'x`y``z',
    '<script>alert(1)</script>',
    'two\nlines',
    '%%{init: {"theme": "dark"}}%%',
    'section gantt',
    'click t call x()',
  ];
  return scenario(
    'hostile-names',
    'Names holding what Mermaid and Markdown read',
    [
      'tables:',
      ...names.map((n) => `  - table: ${JSON.stringify(`public.${sqlIdent(n)}`)}\n    interval: month`),
    ].join('\n'),
    names.map((name) => ({
      name,
      partitions: months(name, '2026-06', '2026-12', ['2026-08']).map((p) =>
        Array.isArray(p) ? ([`${p[0]}#;:\``, p[1], p[2]] as PartitionEntry) : p,
      ),
      defaultRows: { '2026-11-02': 1 },
    })),
  );
}

const sqlIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function allScenarios(): Scenario[] {
  return [seedsScenario(), defaultRowsScenario(), fleetScenario(200), hostileScenario()];
}
