// The Mermaid timeline as text: which bars each state draws, escaping of hostile names, and the
// aggregation that keeps 200 (or 2,000) tables to a bounded chart. The render itself is checked
// in a real browser by test/e2e/timeline-render.test.ts.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/planner';
import { mermaidText, tableState, timeline, timelineMarkdown } from '../../src/report/timeline';
import type { Plan, TableSpec } from '../../src/types';
import { type PartitionEntry, type TableInput, snapshotOf, specOf } from '../helpers/snapshot';

const NOW = '2026-11-30';

interface Task {
  section: string;
  text: string;
  tags: string[];
  from: string;
  to: string;
}

/** The chart's task lines, read back the way Mermaid's gantt grammar reads them. */
function tasksOf(chart: string): Task[] {
  const tasks: Task[] = [];
  let section = '';
  for (const line of chart.split('\n')) {
    const sectionMatch = /^ {4}section (.+)$/.exec(line);
    if (sectionMatch) {
      section = sectionMatch[1] ?? '';
      continue;
    }
    const task = /^ {4}([^:\n]+) :([^#\n;]+)$/.exec(line);
    if (!task || /^(dateFormat|axisFormat|tickInterval|todayMarker|accTitle|accDescr)\b/.test(line.trim())) {
      continue;
    }
    const data = (task[2] ?? '').split(', ');
    const [from = '', to = ''] = data.slice(-2);
    tasks.push({ section, text: (task[1] ?? '').trim(), tags: data.slice(0, -2), from, to });
  }
  return tasks;
}

/** Mermaid's entity codes (#35;) back to characters, as Mermaid shows them. */
const decode = (text: string): string =>
  text.replace(/#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));

function months(parent: string, from: string, to: string, skip: string[] = []): PartitionEntry[] {
  const out: PartitionEntry[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  const pad = (n: number): string => String(n).padStart(2, '0');
  for (let ym = `${y}-${pad(m)}`; ym < to; ym = `${y}-${pad(m)}`) {
    const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1];
    if (!skip.includes(ym)) out.push([`${parent}_y${y}m${pad(m)}`, `${ym}-01`, `${ny}-${pad(nm)}-01`]);
    [y, m] = [ny, nm];
  }
  return out;
}

function planOf(specs: TableSpec[], tables: TableInput[], now = NOW): Plan {
  return buildPlan(specs, snapshotOf(tables), { date: now });
}

describe('bars per state', () => {
  it('one table with everything: existing runs, planned, a gap, rows in DEFAULT and archival', () => {
    const plan = planOf(
      [
        specOf({
          name: 'events',
          premake: 3,
          retention: { count: 6, unit: 'month' },
          archive: { schema: 'archive', drop: false },
        }),
      ],
      [
        {
          name: 'events',
          partitions: months('events', '2025-08', '2027-01', ['2026-08', '2026-09']),
          defaultRows: { '2026-08-14': 120, '2026-08-15': 3, '2027-01-03': 4 },
        },
      ],
    );
    const chart = timeline(plan);
    const tasks = tasksOf(chart.chart);
    expect(tasks.map((t) => [t.section, t.text, t.tags.join(' '), t.from, t.to])).toEqual([
      ['plan date', 'today 2026-11-30', 'milestone', NOW, '0d'],
      // The view reaches back to the archival candidates (at most 12 periods): from 2025-11.
      ['public.events', 'existing 12 partitions since 2025-08-01', '', '2025-11-01', '2026-08-01'],
      ['public.events', 'existing 3 partitions', '', '2026-10-01', '2027-01-01'],
      ['public.events', 'planned 2 partitions', 'active', '2026-08-01', '2026-10-01'],
      ['public.events', 'planned 2 partitions', 'active', '2027-01-01', '2027-03-01'],
      ['public.events', 'gap, filled by this plan', 'crit active', '2026-08-01', '2026-10-01'],
      ['public.events', '123 rows in DEFAULT', 'crit', '2026-08-14', '2026-08-16'],
      ['public.events', '4 rows in DEFAULT', 'crit', '2027-01-03', '2027-01-04'],
      ['public.events', 'archive 9 partitions (detach, move)', 'done', '2025-11-01', '2026-05-01'],
    ]);
    expect(chart.bars).toBe(tasks.length);
    expect(chart.sections).toBe(1);
    expect(chart.grouped).toBe(0);
  });

  it('archival without `archive:` is reported only; one partition is named', () => {
    const plan = planOf(
      [specOf({ name: 'kid_absences', interval: 'year', premake: 1, retention: { count: 1, unit: 'year' } })],
      [
        {
          name: 'kid_absences',
          partitions: [
            ['kid_absences_2024', '2024-01-01', '2025-01-01'],
            ['kid_absences_2025', '2025-01-01', '2026-01-01'],
            ['kid_absences_2026', '2026-01-01', '2027-01-01'],
          ],
        },
      ],
    );
    const tasks = tasksOf(timeline(plan).chart);
    expect(tasks.map((t) => [t.text, t.tags.join(' ')])).toEqual([
      ['today 2026-11-30', 'milestone'],
      ['existing 3 partitions', ''],
      ['planned kid_absences_y2027', 'active'],
      ['due for archival kid_absences_2024, reported only', 'done'],
    ]);
  });

  it('what stays missing after the plan (maxPartitionsPerRun) is a red bar of its own', () => {
    const plan = planOf(
      [specOf({ name: 'm', premake: 4, maxPartitionsPerRun: 2 })],
      [{ name: 'm', partitions: months('m', '2026-09', '2026-11') }],
    );
    const tasks = tasksOf(timeline(plan).chart);
    expect(tasks.filter((t) => t.text.startsWith('missing'))).toEqual([
      {
        section: 'public.m',
        text: 'missing after this plan',
        tags: ['crit'],
        from: '2027-01-01',
        to: '2027-04-01',
      },
    ]);
    expect(tasks.find((t) => t.text.startsWith('planned'))).toMatchObject({
      from: '2026-11-01',
      to: '2027-01-01',
    });
  });

  it('a gap beyond the view becomes a milestone at its edge, with its dates in the label', () => {
    const plan = planOf(
      [specOf({ name: 'old', start: '2023-01-01' })],
      [{ name: 'old', partitions: months('old', '2023-01', '2027-02', ['2023-03']) }],
    );
    const tasks = tasksOf(timeline(plan).chart);
    expect(tasks.filter((t) => t.tags.includes('crit'))).toEqual([
      {
        section: 'public.old',
        text: '← 2023-03-01 to 2023-04-01, gap, filled by this plan',
        tags: ['crit', 'active', 'milestone'],
        // Further back than the view reaches (12 periods): the view starts 2 months back.
        from: '2026-09-01',
        to: '0d',
      },
    ]);
  });

  it("timestamptz bounds are drawn on their days in the table's zone, not in UTC", () => {
    const zone = 'Europe/Berlin';
    const plan = planOf(
      [
        specOf({
          name: 'tz',
          timezone: zone,
          retention: { count: 3, unit: 'month' },
          archive: { drop: false },
        }),
      ],
      [
        {
          name: 'tz',
          keyType: 'timestamptz',
          timezone: zone,
          partitions: months('tz', '2026-07', '2026-12'),
        },
      ],
    );
    // Midnight in Berlin is 22:00 or 23:00 UTC the day before: the bars must still start on the 1st.
    expect(plan.tables[0]?.create[0]?.from).toBe('2026-12-01 00:00:00+01');
    expect(tasksOf(timeline(plan).chart).map((t) => [t.text, t.from, t.to])).toEqual([
      ['today 2026-11-30', NOW, '0d'],
      ['existing 5 partitions', '2026-07-01', '2026-12-01'],
      ['planned 2 partitions', '2026-12-01', '2027-02-01'],
      ['archive tz_y2026m07 (detach)', '2026-07-01', '2026-08-01'],
    ]);
  });

  it('rows in DEFAULT on days that cannot be drawn (BC, or not counted by day) are a milestone at the plan date', () => {
    const plan = planOf(
      [specOf({ name: 'd' })],
      [
        {
          name: 'd',
          partitions: months('d', '2026-10', '2027-02'),
          defaultRows: { '0044-03-15 BC': 5, '2026-11-02': 1 },
        },
      ],
    );
    expect(tasksOf(timeline(plan).chart).filter((t) => t.text.includes('DEFAULT'))).toEqual([
      { section: 'public.d', text: '1 row in DEFAULT', tags: ['crit'], from: '2026-11-02', to: '2026-11-03' },
      {
        section: 'public.d',
        text: '5 rows in DEFAULT on days not counted one by one',
        tags: ['crit', 'milestone'],
        from: NOW,
        to: '0d',
      },
    ]);
  });

  it('skipped tables are left out of the chart and counted in the caption', () => {
    const plan = planOf(
      [specOf({ name: 'a' }), specOf({ name: 'gone' }), specOf({ name: 'off', enabled: false })],
      [{ name: 'a', partitions: months('a', '2026-10', '2027-02') }],
    );
    const chart = timeline(plan);
    expect(tasksOf(chart.chart).map((t) => t.section)).toEqual(['plan date', 'public.a']);
    expect(chart.caption).toContain('1 table; 2 tables not drawn (skipped or cannot be managed)');
    expect(plan.tables.map(tableState)).toEqual(['healthy', 'cannot manage', 'skipped']);
  });

  it('states, most pressing first', () => {
    const specs = ['ok', 'short', 'gap', 'def'].map((name) => specOf({ name }));
    const plan = planOf(specs, [
      { name: 'ok', partitions: months('ok', '2026-10', '2027-02') },
      { name: 'short', partitions: months('short', '2026-10', '2026-12') },
      { name: 'gap', partitions: months('gap', '2026-08', '2027-02', ['2026-09']) },
      {
        name: 'def',
        partitions: months('def', '2026-08', '2027-02', ['2026-09']),
        defaultRows: { '2026-09-01': 1 },
      },
    ]);
    expect(plan.tables.map(tableState)).toEqual(['healthy', 'short', 'gaps', 'DEFAULT rows']);
  });
});

describe('escaping', () => {
  const hostile = [
    'a:b#c;d',
    'x`y``z',
    '<script>alert(1)</script>',
    'two\nlines\r\nthree\u2028four',
    '%%{init: {"theme": "dark"}}%%',
    'section gantt',
    'click t call x()',
    '&amp; #35; ﬂ°°60¶ß',
    'dateFormat YYYY',
  ];

  it('mermaidText writes every character Mermaid, Markdown or HTML would read as an entity code', () => {
    expect(mermaidText('a:b#c;d')).toBe('a#58;b#35;c#59;d');
    expect(mermaidText('x`y')).toBe('x#96;y');
    expect(mermaidText('<b>&')).toBe('#60;b#62;#38;');
    expect(mermaidText('%%{x}%%')).toBe('#37;#37;#123;x#125;#37;#37;');
    expect(mermaidText('one\ntwo\r\nthree')).toBe('one two three');
    expect(mermaidText('')).toBe('-');
    // Mermaid's own placeholders for entities cannot be faked.
    expect(mermaidText('ﬂ°°60¶ß')).toBe('#64258;°°60#182;ß');
    for (const name of hostile) {
      const text = mermaidText(name, 1000);
      expect(text.replace(/#\d+;/g, '')).not.toMatch(/[:;#`<>&%"{}\n\r\u2028]/);
      expect(decode(text)).toBe(name.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' '));
    }
  });

  it('truncates by characters before escaping, so an entity is never cut in half', () => {
    const text = mermaidText('#'.repeat(100), 10);
    expect(text).toBe(`${'#35;'.repeat(9)}…`);
  });

  it('a chart of hostile tables and partitions: one line per task, names decode to themselves', () => {
    const specs = hostile.map((name) => specOf({ name, naming: '{parent}_y{YYYY}m{MM}' }));
    const tables = hostile.map((name) => ({
      name,
      partitions: [[`p#;:\`<${name.length}>`, '2026-11-01', '2026-12-01'] as PartitionEntry],
      defaultRows: { '2026-11-02': 1 },
    }));
    const plan = planOf(specs, tables);
    const { chart, bars } = timeline(plan);
    const lines = chart.split('\n');
    // Nothing a name holds starts a line of its own, a comment, a directive or a fence.
    expect(lines.filter((l) => l.startsWith('%%'))).toHaveLength(1); // our own init directive
    expect(chart).not.toContain('`');
    expect(chart).not.toMatch(/<|>|&(?!#)/);
    const tasks = tasksOf(chart);
    expect(tasks).toHaveLength(bars);
    const taskLines = lines.filter(
      (l) => / :/.test(l) && !/^ {4}(acc|dateFormat|axisFormat|tickInterval)/.test(l),
    );
    expect(taskLines).toHaveLength(bars);
    for (const line of taskLines) expect(line).toMatch(/^ {4}[^:\n]+ :[^#\n;]+$/);
    const sections = [...new Set(tasks.map((t) => decode(t.section)))].slice(1);
    expect(sections).toEqual(
      hostile.map((name) => {
        const shown = `public."${name.replace(/"/g, '""')}"`
          .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
          .replace(/\s+/g, ' ');
        return [...shown].length > 34 ? `${[...shown].slice(0, 33).join('')}…` : shown;
      }),
    );
    expect(tasks.filter((t) => t.text.startsWith('existing')).map((t) => decode(t.text))).toEqual(
      hostile.map((name) => `existing p#;:\`<${name.length}>`),
    );
  });

  it('the Markdown block is a plain ```mermaid fence that nothing inside can close', () => {
    const plan = planOf(
      [specOf({ name: 'x```y' })],
      [{ name: 'x```y', partitions: months('x```y', '2026-10', '2027-02') }],
    );
    const block = timelineMarkdown(plan);
    const open = block.indexOf('```mermaid');
    expect(open).toBeGreaterThan(0);
    expect(block[block.length - 1]).toBe('```');
    expect(block.slice(open + 1, -1).join('\n')).not.toContain('`');
  });
});

describe('aggregation', () => {
  function fleet(count: number): Plan {
    const specs: TableSpec[] = [];
    const tables: TableInput[] = [];
    for (let i = 1; i <= count; i += 1) {
      const name = `t${i}`;
      const skip = i % 17 === 0 ? ['2026-06'] : i % 23 === 0 ? ['2026-10'] : [];
      const through = i % 9 === 0 ? '2026-12' : '2027-02';
      specs.push(specOf({ name, retention: i % 6 === 0 ? { count: 12, unit: 'month' } : undefined }));
      if (i % 40 === 0) continue; // missing from the database
      tables.push({
        name,
        partitions: months(name, '2025-06', through, skip),
        ...(i % 23 === 0 && { defaultRows: { '2026-10-05': i } }),
      });
    }
    return planOf(specs, tables);
  }

  it('up to 20 tables: one section per table', () => {
    const chart = timeline(fleet(20));
    expect(chart.grouped).toBe(0);
    expect(chart.sections).toBe(20);
    expect(new Set(tasksOf(chart.chart).map((t) => t.section)).size).toBe(21);
  });

  it('200 tables: grouped by state, the chart stays under 40 lines; 2,000 tables too', () => {
    for (const count of [200, 2000]) {
      const plan = fleet(count);
      const chart = timeline(plan);
      const lines = chart.chart.split('\n');
      expect(lines.length).toBeLessThan(40);
      expect(chart.chart.length).toBeLessThan(6000); // Mermaid refuses more than 50,000
      const missing = count / 40;
      expect(chart.grouped).toBe(count - missing);
      expect(chart.caption).toContain(
        `${count - missing} tables summarised in ${chart.sections} groups by state`,
      );
      expect(chart.caption).toContain(`${missing} tables not drawn`);
      const sections = [...new Set(tasksOf(chart.chart).map((t) => t.section))];
      const states = plan.tables.filter((t) => !t.skipped).map(tableState);
      const expected = ['DEFAULT rows', 'gaps', 'short', 'healthy'].map(
        (s) => `${s} — ${states.filter((x) => x === s).length} tables`,
      );
      expect(sections).toEqual(['plan date', ...expected.map((s) => mermaidText(s))]);
      // Each group's gaps count their tables.
      const gaps = tasksOf(chart.chart).filter((t) => t.text.includes('gaps in'));
      expect(gaps.map((t) => decode(t.text))).toContain(
        `${states.filter((x) => x === 'gaps').length} gaps in ${states.filter((x) => x === 'gaps').length} tables, filled by this plan`,
      );
    }
  });

  it('a per-table chart too long for Mermaid (50,000 characters) is drawn grouped instead', () => {
    const long = (i: number): string => `${'#'.repeat(50)}${i}`; // each # becomes #35; in the chart
    const specs = Array.from({ length: 20 }, (_, i) =>
      specOf({ name: long(i), naming: '{parent}_{YYYY}{MM}' }),
    );
    const tables = specs.map((spec) => ({
      name: spec.name,
      partitions: months(spec.name, '2026-03', '2027-02', ['2026-04', '2026-06', '2026-08', '2026-10']),
      defaultRows: { '2026-11-02': 1, '2026-11-05': 1, '2026-11-09': 1 },
    }));
    const perTable = timeline(planOf(specs, tables), { maxRunsPerKind: 10 });
    expect(perTable.grouped).toBe(20);
    expect(perTable.chart.length).toBeLessThan(6000);
    const few = timeline(planOf(specs.slice(0, 2), tables.slice(0, 2)), { maxRunsPerKind: 10 });
    expect(few.grouped).toBe(0);
  });

  it('more runs of one kind than maxRunsPerKind collapse into one bar spanning them', () => {
    const plan = planOf(
      [specOf({ name: 'holes', start: '2026-01-01' })],
      [
        {
          name: 'holes',
          partitions: months('holes', '2026-01', '2027-02', ['2026-02', '2026-04', '2026-06', '2026-08']),
        },
      ],
    );
    const tasks = tasksOf(timeline(plan, { maxRunsPerKind: 3 }).chart);
    expect(tasks.filter((t) => t.text.includes('gap')).map((t) => [t.text, t.from, t.to])).toEqual([
      ['4 gaps, filled by this plan', '2026-02-01', '2026-09-01'],
    ]);
    expect(tasks.filter((t) => t.text.startsWith('existing'))).toHaveLength(1);
  });
});
