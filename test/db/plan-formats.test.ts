// The plan as people and programs read it, on real PostgreSQL: the JSON plan pinned whole (a
// contract: DESIGN.md "JSON plan"), and the text and Markdown renderings of the same plan.
import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends';
import { runCli, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';

// kid_absences as its seed runs it: yearly, current and next year, two years kept, the old ones
// detached into the archive schema and dumped.
const KID_CONFIG = `
tables:
  - table: public.kid_absences
    interval: year
    naming: "{parent}_{YYYY}"
    premake: 1
    retention: 2 years
    archive:
      schema: archive
      dump: ./archive
`;

describeEachBackend('plan formats', (db) => {
  const config = writeConfig(KID_CONFIG);
  const plan = (format: string) =>
    runCli(['plan', '--config', config, '--now', '2025-06-01', '--format', format], {
      DATABASE_URL: db().url,
    });

  beforeEach(async () => {
    await db().reset();
    await db().client.query(SEEDS_SCHEMA);
    // 2022 is past the retention, 2024 is missing (a gap), 2026 not made yet.
    await db().client.query(`
      create table kid_absences_2022 partition of kid_absences for values from ('2022-01-01') to ('2023-01-01');
      create table kid_absences_2023 partition of kid_absences for values from ('2023-01-01') to ('2024-01-01');
      create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');`);
  });

  it('plan --format json: the whole contract', async () => {
    const result = await plan('json');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as { statements: string[] };
    expect(json).toEqual({
      now: '2025-06-01',
      tables: [
        {
          table: 'public.kid_absences',
          interval: 'year',
          keyColumn: 'date',
          keyType: 'date',
          timezone: 'UTC',
          skipped: false,
          coverage: { through: '2027-01-01', aheadPeriods: 1, ok: true },
          coverageNow: { through: '2026-01-01', aheadPeriods: 0, ok: false },
          create: [
            {
              name: 'kid_absences_2024',
              schema: 'public',
              from: '2024-01-01',
              to: '2025-01-01',
              reason: 'gap',
              defaultRows: 0,
              adopt: false,
            },
            {
              name: 'kid_absences_2026',
              schema: 'public',
              from: '2026-01-01',
              to: '2027-01-01',
              reason: 'premake',
              defaultRows: 0,
              adopt: false,
            },
          ],
          deferred: 0,
          archive: [
            {
              name: 'kid_absences_2022',
              schema: 'public',
              from: '2022-01-01',
              to: '2023-01-01',
              steps: ['detach', 'move', 'dump'],
              targetSchema: 'archive',
            },
          ],
          findings: [
            {
              level: 'error',
              code: 'gap',
              message:
                'no partition covers [2024-01-01, 2025-01-01), before the current year; rows there are rejected or land in DEFAULT.',
            },
            {
              level: 'error',
              code: 'shortfall',
              message:
                'covered through 2026-01-01, 0 years ahead; coverage.minimumAhead is 1; this plan fixes it.',
            },
          ],
        },
      ],
      steps: [
        {
          index: 1,
          kind: 'create',
          table: 'public.kid_absences',
          description: 'create public.kid_absences_2024 [2024-01-01, 2025-01-01) of public.kid_absences',
          sql: [expect.stringMatching(/^DO \$pk\$/)],
        },
        {
          index: 2,
          kind: 'create',
          table: 'public.kid_absences',
          description: 'create public.kid_absences_2026 [2026-01-01, 2027-01-01) of public.kid_absences',
          sql: [expect.stringMatching(/^DO \$pk\$/)],
        },
      ],
      statements: [expect.any(String), expect.any(String)],
    });
    // The statements are the SQL that makes them, runnable as they are.
    for (const statement of json.statements) await db().client.query(statement);
    const { rows } = await db().client.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'kid_absences'::regclass order by 1`,
    );
    expect(rows.map((r) => r.name)).toEqual([
      'kid_absences_2022',
      'kid_absences_2023',
      'kid_absences_2024',
      'kid_absences_2025',
      'kid_absences_2026',
    ]);
  });

  it('plan (text): coverage now and after, each create and archival, each finding, a total', async () => {
    const result = await plan('text');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'partition-keeper plan for 2025-06-01',
        '',
        'public.kid_absences  (year, key date date)',
        '  now:        covered through 2026-01-01 (0 periods ahead) — falls short',
        '  after plan: covered through 2027-01-01 (1 period ahead)',
        '  create   kid_absences_2024  2024-01-01 → 2025-01-01  gap',
        '  create   kid_absences_2026  2026-01-01 → 2027-01-01  premake',
        '  archive  kid_absences_2022  2022-01-01 → 2023-01-01  detach, move, dump',
        '  error   gap: no partition covers [2024-01-01, 2025-01-01), before the current year; rows there are rejected or land in DEFAULT.',
        '  error   shortfall: covered through 2026-01-01, 0 years ahead; coverage.minimumAhead is 1; this plan fixes it.',
        '',
        '2 partitions to create, 1 due for archival, 2 errors in 1 table.',
        '',
      ].join('\n'),
    );
  });

  it('plan --format markdown: a summary row, the actions, the findings and the SQL for review', async () => {
    const result = await plan('markdown');
    expect(result.code).toBe(0);
    const md = result.stdout;
    expect(md).toContain('## partition-keeper plan for 2025-06-01');
    expect(md).toContain(
      '| <code>public.kid_absences</code> | year | covered through 2026-01-01 (0 periods ahead) | ' +
        'covered through 2027-01-01 (1 period ahead) | 2 | 1 | ❌ falls short |',
    );
    expect(md).toContain('| create | <code>kid_absences_2024</code> | 2024-01-01 | 2025-01-01 | gap |');
    expect(md).toContain('| create | <code>kid_absences_2026</code> | 2026-01-01 | 2027-01-01 | premake |');
    expect(md).toMatch(
      /\| archive \| <code>kid_absences_2022<\/code> \| 2022-01-01 \| 2023-01-01 \| .*detach, move, dump/,
    );
    expect(md).toContain('- **error** `gap`: no partition covers \\[2024-01-01, 2025-01-01)');
    // The SQL block is exactly what plan --format sql prints.
    const sql = await plan('sql');
    expect(md).toContain(`\`\`\`sql\n${sql.stdout}`);
  });
});
