// The timeline of the job summary and the PR body: a Mermaid gantt chart of existing partitions,
// planned ones, gaps, rows in DEFAULT and archival candidates, around the plan's date. Pure.
//
// Few tables get one section each, a bar per contiguous run (never a bar per partition); beyond
// `maxTables` tables, tables are grouped by state (healthy, short, gaps, DEFAULT rows, …) and each
// group gets the union of its tables' runs, so 200 tables draw about as many bars as 5.
//
// Every name reaches the chart through mermaidText(): gantt task text ends at `:`, task data at
// `#` or `;`, `%%` starts a comment or a directive, and a backtick could close the Markdown fence.
// Those characters, and the ones HTML cares about, are written as Mermaid entity codes (`#35;`),
// which Mermaid turns back into the character in the SVG's text.
import type { DayRange, Plan, TableLayout, TablePlan } from '../types';
import { boundToDay } from '../plan/bounds';
import { addPeriods } from '../plan/calendar';
import { fenced } from './markdown';
import { plural } from '../words';

export interface TimelineOptions {
  /** Periods shown before each table's current one (default 2). */
  behind?: number;
  /** Up to this many drawn tables get a section each; more are grouped by state (default 20). */
  maxTables?: number;
  /** More runs of one kind than this in one section collapse into one bar spanning them (default 3). */
  maxRunsPerKind?: number;
}

/** How far back the view reaches, in periods, to show a gap, rows in DEFAULT or an archival candidate. */
const REACH_BEHIND = 12;

const DEFAULTS: Required<TimelineOptions> = { behind: 2, maxTables: 20, maxRunsPerKind: 3 };

/** What a bar shows; the order is the order of the rows within a section. */
export const BAR_KINDS = ['existing', 'planned', 'gap', 'missing', 'default-rows', 'archive'] as const;
export type BarKind = (typeof BAR_KINDS)[number];

/** Mermaid's task tags: the colour of a bar in the default theme. */
const TAGS: Record<BarKind, string> = {
  existing: '', // blue
  planned: 'active', // light blue
  gap: 'crit', // red ('crit, active' once planned)
  missing: 'crit',
  'default-rows': 'crit',
  archive: 'done', // grey
};

export type TableState = 'cannot manage' | 'skipped' | 'DEFAULT rows' | 'gaps' | 'short' | 'healthy';
/** Most pressing first: the order of the groups in the chart. */
export const TABLE_STATES: readonly TableState[] = [
  'cannot manage',
  'skipped',
  'DEFAULT rows',
  'gaps',
  'short',
  'healthy',
];

/** One state per table, the most pressing that applies. */
export function tableState(t: TablePlan): TableState {
  if (t.skipped) return t.findings.some((f) => f.level === 'error') ? 'cannot manage' : 'skipped';
  if ((t.layout?.defaultRows.length ?? 0) > 0 || t.findings.some((f) => f.code === 'default-rows')) {
    return 'DEFAULT rows';
  }
  if ((t.layout?.gaps.length ?? 0) > 0 || t.findings.some((f) => f.code === 'gap')) return 'gaps';
  if (!t.coverage.ok) return 'short';
  return 'healthy';
}

// ---------------------------------------------------------------------------------------------
// Escaping

const MAX_LABEL = 60;
const MAX_EDGE_LABEL = 96;
const MAX_SECTION = 34;

/** Characters Mermaid's gantt grammar, its preprocessor, Markdown fences or HTML would read. */
const ENTITY: Record<string, string> = {
  '#': '#35;',
  ':': '#58;',
  ';': '#59;',
  '%': '#37;',
  '`': '#96;',
  '<': '#60;',
  '>': '#62;',
  '&': '#38;',
  '"': '#34;',
  '{': '#123;',
  '}': '#125;',
  '\\': '#92;',
  // Mermaid's own placeholders for entities while it parses: a name holding them could fake one.
  ﬂ: '#64258;',
  '¶': '#182;',
};

/** The text as a chart shows it: on one line, at most `max` characters. */
export function shownText(text: string, max = MAX_LABEL): string {
  const oneLine = text
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...oneLine];
  return (chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : oneLine) || '-';
}

/** Text safe as a gantt task or section name: shownText() with entity codes (#35;) for what Mermaid reads. */
export function mermaidText(text: string, max = MAX_LABEL): string {
  return [...shownText(text, max)].map((c) => ENTITY[c] ?? c).join('');
}

// ---------------------------------------------------------------------------------------------
// Days and runs

const minDay = (a: string, b: string): string => (a < b ? a : b);
const maxDay = (a: string, b: string): string => (a > b ? a : b);
/** '-infinity' sorts before every date and 'infinity' after, as text. */
const showDay = (day: string): string =>
  day === '-infinity' ? 'MINVALUE' : day === 'infinity' ? 'MAXVALUE' : day;

interface Run extends DayRange {
  /** Partitions (or gaps, tables …) the run stands for. */
  count: number;
  first?: string;
  last?: string;
}

/** Sorted, touching and overlapping ranges joined, counting what each run holds. */
function runsOf(ranges: readonly (DayRange & { name?: string; count?: number })[]): Run[] {
  const runs: Run[] = [];
  const sorted = [...ranges].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  for (const r of sorted) {
    const last = runs[runs.length - 1];
    if (last && r.from <= last.to) {
      last.to = maxDay(last.to, r.to);
      last.count += r.count ?? 1;
      if (r.name !== undefined) last.last = r.name;
    } else {
      runs.push({ from: r.from, to: r.to, count: r.count ?? 1, first: r.name, last: r.name });
    }
  }
  return runs;
}

/** The parts of `range` none of `covered` (sorted, disjoint) covers. */
function uncovered(range: DayRange, covered: readonly DayRange[]): DayRange[] {
  const pieces: DayRange[] = [];
  let cursor = range.from;
  for (const c of covered) {
    if (c.to <= cursor) continue;
    if (c.from >= range.to) break;
    if (c.from > cursor) pieces.push({ from: cursor, to: c.from });
    cursor = maxDay(cursor, c.to);
  }
  if (cursor < range.to) pieces.push({ from: cursor, to: range.to });
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Bars of one table

interface Bar extends Run {
  kind: BarKind;
  /** For gaps: the plan fills all of it. */
  planned?: boolean;
  /** Tables the bar stands for (grouped sections). */
  members?: Set<TablePlan>;
  /** Rows in DEFAULT on days not counted one by one: drawn as a milestone at the plan's date. */
  unplaced?: boolean;
  /** Archival: the steps, or none when only reported. */
  steps?: string;
  rows?: number;
}

interface TableBars {
  table: TablePlan;
  view: DayRange;
  bars: Bar[];
}

function plannedRanges(t: TablePlan): (DayRange & { name: string })[] {
  const keyType = t.keyType ?? 'date';
  return t.create.map((c) => ({
    name: c.name,
    from: boundToDay(c.fromValue, keyType, t.timezone),
    to: boundToDay(c.toValue, keyType, t.timezone),
  }));
}

/** The day a bound literal falls on: its first ten characters (PostgreSQL prints it in the table's zone). */
const dayOf = (literal: string): string => literal.slice(0, 10);

function archiveRanges(t: TablePlan): (DayRange & { name: string })[] {
  return t.archive.map((a) => ({ name: a.name, from: dayOf(a.from), to: dayOf(a.to) }));
}

/** Rows counted in DEFAULT beyond the days counted one by one (the catalog counts by day only where the plan needs it). */
function unplacedRows(layout: TableLayout, now: string): Bar[] {
  const placed = layout.defaultRows.reduce((n, r) => n + r.rows, 0);
  const rows = layout.defaultRowsTotal - placed;
  return rows > 0 ? [{ kind: 'default-rows', from: now, to: now, count: 1, rows, unplaced: true }] : [];
}

function tableBars(t: TablePlan, behind: number, now: string): TableBars | undefined {
  const layout = t.layout;
  if (t.skipped || !layout) return undefined;
  const existing: Run[] = layout.existing;
  const planned = runsOf(plannedRanges(t));
  const filled = runsOf([...existing, ...planned]);
  const bars: Bar[] = [
    ...existing.map((r): Bar => ({ ...r, kind: 'existing' })),
    ...planned.map((r): Bar => ({ ...r, kind: 'planned' })),
    ...runsOf(layout.gaps).map((g): Bar => ({
      ...g,
      kind: 'gap',
      planned: uncovered(g, planned).length === 0,
    })),
    // Inside the window, what is missing even after this plan (held back by maxPartitionsPerRun).
    ...uncovered({ from: layout.current.from, to: layout.windowEnd }, filled).map((m): Bar => ({
      ...m,
      count: 1,
      kind: 'missing',
    })),
    // Already runs of consecutive days (plan/layout.ts).
    ...layout.defaultRows.map((r): Bar => ({ ...r, count: 1, kind: 'default-rows' })),
    ...unplacedRows(layout, now),
    ...runsOf(archiveRanges(t)).map((r): Bar => ({
      ...r,
      kind: 'archive',
      steps: t.archive[0]?.steps.join(', ') ?? '',
    })),
  ];
  // The view: `behind` periods before the current one through one period past the window, reaching
  // further back (up to REACH_BEHIND periods) for a problem or an archival candidate there.
  const reach = addPeriods(layout.current.from, t.interval, -REACH_BEHIND);
  let from = addPeriods(layout.current.from, t.interval, -behind);
  for (const bar of bars) {
    if (bar.kind !== 'existing' && bar.kind !== 'planned' && bar.to > reach && bar.from < from) {
      from = maxDay(bar.from, reach);
    }
  }
  return { table: t, view: { from, to: addPeriods(layout.windowEnd, t.interval, 1) }, bars };
}

// ---------------------------------------------------------------------------------------------
// Labels: short, since Mermaid writes a label that does not fit its bar beside it, and the dates
// are the bar's place on the axis (named only where the bar is cut off or off the chart).

const count = (n: number): string => n.toLocaleString('en-US');

function partitions(bar: Bar): string {
  if (bar.count === 1 && bar.first !== undefined) return bar.first;
  return `${count(bar.count)} partition${bar.count === 1 ? '' : 's'}`;
}

function inTables(bar: Bar): string {
  return bar.members === undefined ? '' : ` in ${plural(bar.members.size, 'table')}`;
}

function label(bar: Bar, view: DayRange): string {
  switch (bar.kind) {
    case 'existing': {
      const since = bar.from < view.from ? ` since ${showDay(bar.from)}` : '';
      const until = bar.to > view.to ? ` to ${showDay(bar.to)}` : '';
      return `existing ${partitions(bar)}${inTables(bar)}${since}${until}`;
    }
    case 'planned':
      return `planned ${partitions(bar)}${inTables(bar)}`;
    case 'gap': {
      const what = bar.count > 1 ? `${count(bar.count)} gaps` : 'gap';
      return `${what}${inTables(bar)}, ${bar.planned ? 'filled by this plan' : 'not filled by this plan'}`;
    }
    case 'missing':
      return `missing after this plan${inTables(bar)}`;
    case 'default-rows': {
      const where = bar.unplaced ? ' on days not counted one by one' : '';
      return `${count(bar.rows ?? 0)} row${bar.rows === 1 ? '' : 's'} in DEFAULT${where}${inTables(bar)}`;
    }
    case 'archive':
      return bar.steps
        ? `archive ${partitions(bar)}${inTables(bar)} (${bar.steps})`
        : `due for archival ${partitions(bar)}${inTables(bar)}, reported only`;
  }
}

// ---------------------------------------------------------------------------------------------
// Sections

interface Section {
  title: string;
  bars: Bar[];
}

/** One bar standing for both (the caller makes sure they are of the same kind). */
function joinBars(a: Bar, b: Bar): Bar {
  const steps = [...new Set([a.steps, b.steps].filter((s) => s !== undefined))];
  return {
    kind: a.kind,
    from: minDay(a.from, b.from),
    to: maxDay(a.to, b.to),
    count: a.count + b.count,
    planned: a.planned === true && b.planned === true,
    ...(a.unplaced && { unplaced: true }),
    ...(a.rows !== undefined || b.rows !== undefined ? { rows: (a.rows ?? 0) + (b.rows ?? 0) } : {}),
    ...(steps.length > 0 ? { steps: steps.join(' or ') } : {}),
    ...(a.members || b.members ? { members: new Set([...(a.members ?? []), ...(b.members ?? [])]) } : {}),
  };
}

/** Bars join only with bars of their kind, archival ones only with the same steps. */
const barKey = (bar: Bar): string => `${bar.kind} ${bar.steps ?? ''}${bar.unplaced ? ' unplaced' : ''}`;

/** The keys of `bars` in the order of BAR_KINDS. */
function barKeys(bars: readonly Bar[]): string[] {
  const keys = new Set(bars.map(barKey));
  return BAR_KINDS.flatMap((kind) => [...keys].filter((k) => k.startsWith(`${kind} `)).sort());
}

/** At most `max` runs of one key: more collapse into one bar spanning them all. */
function capRuns(bars: readonly Bar[], max: number): Bar[] {
  const out: Bar[] = [];
  for (const key of barKeys(bars)) {
    const same = bars.filter((b) => barKey(b) === key);
    const [head, ...rest] = same;
    if (same.length <= max || !head) out.push(...same);
    else out.push(rest.reduce(joinBars, head));
  }
  return out;
}

function tableSection(tb: TableBars, maxRuns: number): Section {
  return { title: tb.table.table, bars: capRuns(tb.bars, maxRuns) };
}

/** One section per state: per kind, the union of the group's runs, each counting its tables. */
function groupSection(state: TableState, group: readonly TableBars[], maxRuns: number): Section {
  const bars: Bar[] = [];
  for (const key of barKeys(group.flatMap((tb) => tb.bars))) {
    const own = group
      .flatMap((tb) => tb.bars.filter((b) => barKey(b) === key).map((bar) => ({ bar, table: tb.table })))
      .sort((a, b) => (a.bar.from < b.bar.from ? -1 : a.bar.from > b.bar.from ? 1 : 0));
    // Runs of different tables joined where they touch or overlap.
    let previous: Bar | undefined;
    for (const { bar, table } of own) {
      const last = previous;
      if (last && bar.from <= last.to) {
        previous = joinBars(last, { ...bar, members: new Set([table]) });
        bars[bars.length - 1] = previous;
      } else {
        previous = { ...bar, first: undefined, last: undefined, members: new Set([table]) };
        bars.push(previous);
      }
    }
  }
  return { title: `${state} — ${plural(group.length, 'table')}`, bars: capRuns(bars, maxRuns) };
}

// ---------------------------------------------------------------------------------------------
// The chart

export interface Timeline {
  /** The gantt chart, without the Markdown fence. */
  chart: string;
  /** One line saying what the chart shows (and what it leaves out). */
  caption: string;
  /** Bars drawn (milestones included): what a render must show. */
  bars: number;
  /** Each bar's label as the chart must show it (decoded), in order. */
  labels: string[];
  /** Sections drawn. */
  sections: number;
  /** Their titles as the chart must show them. */
  sectionTitles: string[];
  /** Tables summarised in groups (0 when each drawn table has its own section). */
  grouped: number;
}

interface Row {
  text: string;
  tags: string[];
  from: string;
  to: string;
}

/** Clips a bar to the view; a bar wholly outside becomes a milestone at the edge it lies beyond. */
function rowOf(bar: Bar, view: DayRange): Row | undefined {
  const text = label(bar, view);
  const tags = [TAGS[bar.kind], ...(bar.kind === 'gap' && bar.planned ? ['active'] : [])].filter(Boolean);
  if (bar.unplaced) return { text, tags: [...tags, 'milestone'], from: bar.from, to: bar.from };
  if (bar.to <= view.from || bar.from >= view.to) {
    // Existing and planned runs off the chart say nothing about today; the rest are problems.
    if (bar.kind === 'existing' || bar.kind === 'planned') return undefined;
    const before = bar.to <= view.from;
    const day = before ? view.from : view.to;
    return {
      text: `${before ? '←' : '→'} ${showDay(bar.from)} to ${showDay(bar.to)}, ${text}`,
      tags: [...tags, 'milestone'],
      from: day,
      to: day,
    };
  }
  return { text, tags, from: maxDay(bar.from, view.from), to: minDay(bar.to, view.to) };
}

/** A milestone at the chart's edge has the width of the chart for its label, and names its dates. */
const labelLimit = (row: Row): number => (row.tags.includes('milestone') ? MAX_EDGE_LABEL : MAX_LABEL);

function rowLine(row: Row): string {
  const duration = row.tags.includes('milestone') ? '0d' : row.to;
  return `    ${mermaidText(row.text, labelLimit(row))} :${[...row.tags, row.from, duration].join(', ')}`;
}

/** Ticks that stay readable across the view: days, weeks, months or years. */
function axis(view: DayRange): string[] {
  const days = (Date.parse(view.to) - Date.parse(view.from)) / 86_400_000;
  if (days <= 21) return ['axisFormat %m-%d', 'tickInterval 1day'];
  if (days <= 120) return ['axisFormat %m-%d', 'tickInterval 1week'];
  if (days <= 800) return ['axisFormat %Y-%m', 'tickInterval 1month'];
  if (days <= 2200) return ['axisFormat %Y-%m', 'tickInterval 6month'];
  return ['axisFormat %Y', 'tickInterval 12month'];
}

/** Room at the left for the section titles (Mermaid draws them there, over the bars if too long). */
function leftPadding(sections: readonly Section[]): number {
  const longest = Math.max(8, ...sections.map((s) => Math.min([...s.title].length, MAX_SECTION)));
  return Math.min(260, Math.round(longest * 6.6) + 20);
}

/**
 * Mermaid refuses a diagram longer than 50,000 characters (maxTextSize). Names escaped into entity
 * codes can make even 20 tables' sections that long: such a chart is drawn grouped by state,
 * whose length does not depend on the names.
 */
const MAX_CHART_CHARS = 40_000;

export function timeline(plan: Plan, options: TimelineOptions = {}): Timeline {
  const { behind, maxTables, maxRunsPerKind } = { ...DEFAULTS, ...options };
  const drawn = plan.tables.map((t) => tableBars(t, behind, plan.now)).filter((tb) => tb !== undefined);
  const perTable = drawn.length <= maxTables ? chartOf(plan, drawn, false, maxRunsPerKind) : undefined;
  if (perTable && perTable.chart.length <= MAX_CHART_CHARS) return perTable;
  return chartOf(plan, drawn, true, maxRunsPerKind);
}

function chartOf(
  plan: Plan,
  drawn: readonly TableBars[],
  grouping: boolean,
  maxRunsPerKind: number,
): Timeline {
  const notDrawn = plan.tables.length - drawn.length;
  const sections: Section[] = grouping
    ? TABLE_STATES.flatMap((state) => {
        const group = drawn.filter((tb) => tableState(tb.table) === state);
        return group.length > 0 ? [groupSection(state, group, maxRunsPerKind)] : [];
      })
    : drawn.map((tb) => tableSection(tb, maxRunsPerKind));

  const views = drawn.map((tb) => tb.view);
  const view: DayRange = {
    from: views.reduce((d, v) => minDay(d, v.from), views[0]?.from ?? plan.now),
    to: views.reduce((d, v) => maxDay(d, v.to), views[0]?.to ?? plan.now),
  };
  const lines = [
    `%%{init: {"gantt": {"leftPadding": ${leftPadding(sections)}, "barHeight": 18, "barGap": 5, "fontSize": 12, "sectionFontSize": 12}}}%%`,
    'gantt',
    `    accTitle: Partitions around ${plan.now}`,
    `    accDescr: Existing and planned partitions, gaps, rows in DEFAULT and partitions due for archival, per ${grouping ? 'group of tables' : 'table'}`,
    '    dateFormat YYYY-MM-DD',
    ...axis(view).map((l) => `    ${l}`),
    '    todayMarker off',
    '    section plan date',
    `    ${mermaidText(`today ${plan.now}`)} :milestone, ${plan.now}, 0d`,
  ];
  const labels = [shownText(`today ${plan.now}`)];
  const sectionTitles = ['plan date'];
  for (const section of sections) {
    const rows = section.bars.map((b) => rowOf(b, view)).filter((r) => r !== undefined);
    if (rows.length === 0) continue;
    lines.push(`    section ${mermaidText(section.title, MAX_SECTION)}`, ...rows.map(rowLine));
    sectionTitles.push(shownText(section.title, MAX_SECTION));
    labels.push(...rows.map((r) => shownText(r.text, labelLimit(r))));
  }
  return {
    chart: lines.join('\n'),
    caption: caption(plan, drawn.length, notDrawn, grouping, sectionTitles.length - 1, view),
    bars: labels.length,
    labels,
    sections: sectionTitles.length - 1,
    sectionTitles,
    grouped: grouping ? drawn.length : 0,
  };
}

function caption(
  plan: Plan,
  drawn: number,
  notDrawn: number,
  grouping: boolean,
  sections: number,
  view: DayRange,
): string {
  const who = grouping
    ? `${plural(drawn, 'table')} summarised in ${plural(sections, 'group')} by state (each table is in the coverage table)`
    : plural(drawn, 'table');
  const left = notDrawn > 0 ? `; ${plural(notDrawn, 'table')} not drawn (skipped or cannot be managed)` : '';
  return (
    `Partitions from ${view.from} to ${view.to} around ${plan.now}, ${who}${left}. ` +
    'Blue: existing; light blue: planned; red: gaps, missing and rows in DEFAULT; grey: due for archival.'
  );
}

/** The caption and the chart in a fenced ```mermaid block (GitHub renders it). */
export function timelineMarkdown(plan: Plan, options: TimelineOptions = {}): string[] {
  const { chart, caption: text } = timeline(plan, options);
  return [text, '', ...fenced('mermaid', chart)];
}
