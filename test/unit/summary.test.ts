// The job summary of every mode and the pull request body: their sections, escaping, and the
// length limit that drops the least needed parts first without cutting a block open.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/planner';
import { buildSteps } from '../../src/steps/build';
import { writeReviewedFile } from '../../src/sql/reviewed-file';
import { code, md } from '../../src/report/markdown';
import { jobSummary, PR_BODY_LIMIT, pullRequestBody, renderPlanMarkdown } from '../../src/report/summary';
import type { ApplyReport } from '../../src/report/apply';
import type { Plan, TableSpec } from '../../src/types';
import type { Step } from '../../src/steps/step';
import { type PartitionEntry, type TableInput, snapshotOf, specOf } from '../helpers/snapshot';

const NOW = '2026-11-30';

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

function planned(specs: TableSpec[], tables: TableInput[]): { plan: Plan; steps: Step[]; sql: string } {
  const plan = buildPlan(specs, snapshotOf(tables), { date: NOW });
  const steps = buildSteps(plan);
  const sql = writeReviewedFile(steps, { now: NOW, lockTimeoutMs: 100, strategy: 'attach' });
  return { plan, steps, sql };
}

/** The seeds at the end of November 2026 (as bench/timeline-scenarios.ts has them). */
function seeds() {
  return planned(
    [
      specOf({ name: 'claim_line_items', premake: 2, start: '2024-02-01' }),
      specOf({ name: 'claims_production', interval: 'year', naming: '{parent}_y{YYYY}', premake: 1 }),
      specOf({
        name: 'kid_absences',
        interval: 'year',
        naming: '{parent}_{YYYY}',
        premake: 1,
        retention: { count: 1, unit: 'year' },
      }),
    ],
    [
      { name: 'claim_line_items', partitions: months('claim_line_items', '2024-02', '2027-01') },
      { name: 'claims_production', partitions: [['claims_production_y2026', '2026-01-01', '2027-01-01']] },
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
}

/** Markdown blocks that must come in pairs: fences and <details>. */
function expectBalanced(text: string): void {
  expect((text.match(/^```/gm) ?? []).length % 2).toBe(0);
  expect((text.match(/<details>/g) ?? []).length).toBe((text.match(/<\/details>/g) ?? []).length);
}

describe('plan and pr summaries', () => {
  it('coverage per table, the timeline, creates, archival, findings and the SQL collapsed', () => {
    const { plan, steps, sql } = seeds();
    const text = jobSummary({ mode: 'plan', plan, steps, sql });
    expect(text.startsWith('## partition-keeper plan for 2026-11-30\n')).toBe(true);
    expect(text).toContain('3 partitions to create, 1 due for archival, 2 errors in 3 tables.');
    expect(text).toContain(
      '| <code>public.claims_production</code> | year | covered through 2027-01-01 (0 periods ahead) | ' +
        'covered through 2028-01-01 (1 period ahead) | 1 | 0 | ❌ falls short |',
    );
    expect(text).toContain('| <code>public.claim_line_items</code> | month |');
    // The timeline, in its own fenced block, between the coverage table and the details.
    const timeline = text.indexOf('### Timeline');
    expect(timeline).toBeGreaterThan(text.indexOf('| table | interval |'));
    expect(text.indexOf('```mermaid\n%%{init:')).toBeGreaterThan(timeline);
    expect(text).toContain('    planned claims_production_y2027 :active, 2027-01-01, 2028-01-01');
    expect(text).toContain(
      '| create | <code>claims_production_y2027</code> | 2027-01-01 | 2028-01-01 | premake |',
    );
    // Without `archive:` a due partition is reported only, and says how to change that.
    expect(text).toContain(
      '| archive | <code>kid_absences_2024</code> | 2024-01-01 | 2025-01-01 | ' +
        'reported only (the table has no `archive:` in the config) |',
    );
    expect(text).toContain('- **error** `shortfall`: covered through 2027-01-01, 0 years ahead');
    expect(text).toContain(
      `<details><summary>Reviewed SQL: 3 steps</summary>\n\n\`\`\`sql\n${sql}\`\`\`\n\n</details>`,
    );
    expectBalanced(text);
    // `plan --format markdown` is the same text.
    expect(renderPlanMarkdown(plan, steps, sql)).toBe(text);
  });

  it('archival with `archive:` lists its steps and where the table goes, once', () => {
    const { plan, steps } = planned(
      [
        specOf({
          name: 'kid_absences',
          interval: 'year',
          naming: '{parent}_{YYYY}',
          premake: 1,
          retention: { count: 1, unit: 'year' },
          archive: { schema: 'archive', dump: 's3://b/p', drop: false },
        }),
      ],
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
    const text = jobSummary({ mode: 'plan', plan, steps });
    expect(text).toContain('1 partition to create, 1 due for archival');
    // As one row with the config's steps, or (where the plan has archival steps) one row per step:
    // never both.
    const rows = text
      .split('\n')
      .filter((l) => l.startsWith('| ') && l.includes('<code>kid_absences_2024</code>'));
    const archival = steps.filter((s) => s.kind !== 'create');
    if (archival.length === 0) {
      expect(rows).toEqual([
        '| archive | <code>kid_absences_2024</code> | 2024-01-01 | 2025-01-01 | detach, move, dump (to <code>archive</code>) |',
      ]);
    } else {
      expect(rows.map((r) => r.split(' | ')[0])).toEqual(archival.map((s) => `| ${s.kind}`));
    }
    expect(text).not.toContain('<details>'); // no SQL given, none shown
  });

  it('the pull request body says what happened to the PR and where the SQL is', () => {
    const { plan, steps, sql } = seeds();
    const path = 'db/partitions/2026-11-30-partitions.sql';
    const body = pullRequestBody({ plan, steps, sql, sqlPath: path });
    expect(body.startsWith('## partition-keeper pull request for 2026-11-30\n')).toBe(true);
    expect(body).toContain(`<summary>Reviewed SQL <code>${path}</code>: 3 steps</summary>`);
    const created = jobSummary({
      mode: 'pr',
      plan,
      steps,
      pullRequest: { operation: 'created', number: 7, url: 'https://github.com/o/r/pull/7' },
    });
    expect(created).toContain('Opened [pull request #7](https://github.com/o/r/pull/7).');
    const closed = jobSummary({
      mode: 'pr',
      plan,
      steps: [],
      pullRequest: { operation: 'closed', number: 7, reason: 'the plan is empty <now>' },
    });
    expect(closed).toContain('Closed pull request #7: the plan is empty &lt;now&gt;.');
    expect(jobSummary({ mode: 'pr', plan, steps: [], pullRequest: { operation: 'none' } })).toContain(
      'No pull request: the plan is empty.',
    );
  });
});

describe('check', () => {
  it('one line per problem naming the table; all covered says so', () => {
    const { plan, steps } = planned(
      [specOf({ name: 'ok' }), specOf({ name: 'holes' })],
      [
        { name: 'ok', partitions: months('ok', '2026-10', '2027-02') },
        {
          name: 'holes',
          partitions: months('holes', '2026-08', '2026-12', ['2026-09']),
          defaultRows: { '2026-09-03': 2 },
        },
      ],
    );
    const text = jobSummary({ mode: 'check', plan, steps });
    expect(
      text.startsWith('## partition-keeper check for 2026-11-30\n\n❌ 1 table of 2 fails the check:\n'),
    ).toBe(true);
    const problems = text.split('\n').filter((l) => l.startsWith('- <code>'));
    expect(problems).toEqual([
      expect.stringMatching(
        /^- <code>public\.holes<\/code> `gap`: no partition covers \\\[2026-09-01, 2026-10-01\)/,
      ),
      expect.stringMatching(/^- <code>public\.holes<\/code> `default-rows`: the DEFAULT partition/),
      expect.stringMatching(/^- <code>public\.holes<\/code> `shortfall`: /),
    ]);
    const fine = planned(
      [specOf({ name: 'ok' })],
      [{ name: 'ok', partitions: months('ok', '2026-10', '2027-02') }],
    );
    expect(jobSummary({ mode: 'check', ...fine })).toContain('✅ All 1 table are covered.');
  });
});

describe('apply', () => {
  const report = (plan: Plan | undefined, steps: Step[]): ApplyReport => ({
    outcomes: steps.map((step, i) => ({
      step,
      index: i + 1,
      status: i === 0 ? 'done' : 'already-done',
      attempts: 1,
      ms: 12,
      notices: [],
    })),
    ...(plan && { plan }),
    deferred: 0,
    left: 0,
    ms: 480,
  });

  it('the apply table first, then the plan it carried out', () => {
    const { plan, steps, sql } = seeds();
    const text = jobSummary({ mode: 'apply', plan, steps, sql, applyReport: report(plan, steps) });
    expect(text.startsWith('## partition-keeper apply\n')).toBe(true);
    expect(text).toContain('| step | what | result | ms | attempts | note |');
    expect(text).toContain('| 1 | create public.claim\\_line\\_items\\_y2027m01');
    expect(text.indexOf('| step | what |')).toBeLessThan(text.indexOf('### Timeline'));
    expectBalanced(text);
  });

  it('a reviewed file (no plan): the apply table and the SQL only', () => {
    const { steps, sql } = seeds();
    const text = jobSummary({
      mode: 'apply',
      steps,
      sql,
      sqlPath: 'db/p.sql',
      applyReport: report(undefined, steps),
    });
    expect(text).toContain('apply --sql: 3 steps');
    expect(text).not.toContain('### Timeline');
    expect(text).toContain('<summary>Reviewed SQL <code>db/p.sql</code>: 3 steps</summary>');
  });
});

describe('escaping', () => {
  it('md() and code() show markup as text and keep their own entities whole', () => {
    expect(md('a|b`c<d>&e')).toBe('a&#124;b&#96;c&lt;d&gt;&amp;e');
    expect(md('*x* _y_ [z](u) #h ~s~ \\')).toBe('\\*x\\* \\_y\\_ \\[z\\](u) \\#h \\~s\\~ \\\\');
    expect(md('one\ntwo\r\nthree')).toBe('one two three');
    expect(code('claim_line_items')).toBe('<code>claim_line_items</code>');
    expect(code('_x_|`y`<script>')).toBe('<code>\\_x\\_&#124;&#96;y&#96;&lt;script&gt;</code>');
    expect(code('a\nb')).toBe('<code>a↵b</code>');
  });

  it('hostile names never become markup, links, new lines or a closed fence', () => {
    const names = [
      'a|b',
      'x`y```z',
      '<script>alert(1)</script>',
      'two\nlines',
      '*bold* [l](http://e)',
      'a:b#c;d',
    ];
    const { plan, steps, sql } = planned(
      names.map((name) => specOf({ name })),
      names.map((name) => ({ name, partitions: months(name, '2026-10', '2027-01') })),
    );
    const text = jobSummary({ mode: 'plan', plan, steps, sql });
    // Inside the fences (the chart, the SQL) names are text; outside, no markup from any name.
    const outside = text.split(/^```[\s\S]*?^```+$/m).join('\n');
    expect(outside).not.toMatch(/<script|<\/script/);
    expect(outside).not.toContain('[l](http://e)');
    // Every coverage row has its 7 cells: no name adds a pipe.
    const rows = text.split('\n').filter((l) => l.startsWith('| <code>public.'));
    expect(rows).toHaveLength(names.length);
    for (const row of rows) expect(row.split(' | ')).toHaveLength(7);
    // Every line outside the fences starts as we wrote it: no name broke a line.
    for (const line of outside.split('\n')) {
      expect(line).toMatch(/^(|## .*|### .*|\| .*|- \*\*.*|<details>.*|<\/details>|[0-9A-Z].*)$/);
    }
    expectBalanced(text);
  });
});

describe('length limit', () => {
  function fleet(count: number) {
    const specs: TableSpec[] = [];
    const tables: TableInput[] = [];
    for (let i = 1; i <= count; i += 1) {
      const name = `a_rather_long_table_name_${i}`;
      specs.push(specOf({ name, premake: 6 }));
      tables.push({ name, partitions: months(name, '2026-06', '2026-12', i % 7 === 0 ? ['2026-08'] : []) });
    }
    return planned(specs, tables);
  }

  it('200 tables fit a PR body: the SQL gives way first, then details, never a block cut open', () => {
    const { plan, steps, sql } = fleet(200);
    const full = jobSummary({ mode: 'pr', plan, steps, sql });
    expect(full.length).toBeGreaterThan(PR_BODY_LIMIT);
    const body = pullRequestBody({ plan, steps, sql, sqlPath: 'db/partitions/x.sql' });
    expect(body.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    expect(body).toContain('The SQL is too long to show here; it is in <code>db/partitions/x.sql</code>.');
    expect(body).toContain('```mermaid');
    expect(body).toContain('| <code>public.a_rather_long_table_name_200</code> |');
    expectBalanced(body);
  });

  it('a tighter limit drops table details, then coverage rows, saying how many', () => {
    const { plan, steps, sql } = fleet(200);
    const details = jobSummary({ mode: 'pr', plan, steps, sql, maxChars: 40_000 });
    expect(details.length).toBeLessThanOrEqual(40_000);
    expect(details).toMatch(/Details of \d+ more tables left out for length\./);
    expectBalanced(details);
    const rows = jobSummary({ mode: 'pr', plan, steps, sql, maxChars: 15_000 });
    expect(rows.length).toBeLessThanOrEqual(15_000);
    expect(rows).toMatch(/Coverage of \d+ more tables left out for length\./);
    expect(rows).toContain('```mermaid');
    expectBalanced(rows);
  });
});
