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
              steps: ['detach', 'move', 'dump', 'verify', 'upload'],
              targetSchema: 'archive',
              state: 'attached',
              store: './archive',
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
          statements: { first: 0, count: 1 },
        },
        {
          index: 2,
          kind: 'create',
          table: 'public.kid_absences',
          description: 'create public.kid_absences_2026 [2026-01-01, 2027-01-01) of public.kid_absences',
          statements: { first: 1, count: 1 },
        },
        ...[
          ['detach', 'public', '(concurrently)', 2, 3],
          ['move', 'public', 'to schema archive', 5, 1],
          ['dump', 'archive', "(store './archive')", 6, 0],
          ['verify', 'archive', "(store './archive')", 6, 0],
          ['upload', 'archive', "(store './archive')", 6, 0],
        ].map(([kind, schema, tail, first, count], i) => ({
          index: 3 + i,
          kind,
          table: 'public.kid_absences',
          description: `${kind} ${schema}.kid_absences_2022 [2022-01-01, 2023-01-01) of public.kid_absences ${tail}`,
          statements: { first, count },
        })),
      ],
      statements: [
        ...Array.from({ length: 2 }, () => expect.stringMatching(/^DO \$pk\$/)),
        ...Array.from({ length: 4 }, () => expect.any(String)),
      ],
    });
    // The statements are the SQL of the steps, runnable as they are (the archival steps that are
    // not SQL have none): the partitions made, 2022 detached into the archive schema.
    for (const statement of json.statements) await db().client.query(statement);
    const archived = await db().client.query(
      "select obj_description('archive.kid_absences_2022'::regclass, 'pg_class') as mark",
    );
    expect(archived.rows).toEqual([
      { mark: 'partition-keeper:v1 {"parent":"public.kid_absences","from":"2022-01-01","to":"2023-01-01"}' },
    ]);
    const { rows } = await db().client.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'kid_absences'::regclass order by 1`,
    );
    expect(rows.map((r) => r.name)).toEqual([
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
        '  create  kid_absences_2024  2024-01-01 → 2025-01-01  gap',
        '  create  kid_absences_2026  2026-01-01 → 2027-01-01  premake',
        '  detach  kid_absences_2022  2022-01-01 → 2023-01-01  DETACH CONCURRENTLY',
        '  move    kid_absences_2022  2022-01-01 → 2023-01-01  to schema archive',
        '  dump    kid_absences_2022  2022-01-01 → 2023-01-01  store ./archive',
        '  verify  kid_absences_2022  2022-01-01 → 2023-01-01  store ./archive',
        '  upload  kid_absences_2022  2022-01-01 → 2023-01-01  store ./archive',
        '  error   gap: no partition covers [2024-01-01, 2025-01-01), before the current year; rows there are rejected or land in DEFAULT.',
        '  error   shortfall: covered through 2026-01-01, 0 years ahead; coverage.minimumAhead is 1; this plan fixes it.',
        '',
        '2 partitions to create, 1 due for archival (5 archival steps), 2 errors in 1 table.',
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
    expect(md).toContain(
      '| detach | <code>kid_absences_2022</code> | 2022-01-01 | 2023-01-01 | DETACH CONCURRENTLY |',
    );
    expect(md).toContain(
      '| upload | <code>kid_absences_2022</code> | 2022-01-01 | 2023-01-01 | store ./archive |',
    );
    expect(md).toContain('- **error** `gap`: no partition covers \\[2024-01-01, 2025-01-01)');
    // The SQL block is exactly what plan --format sql prints.
    const sql = await plan('sql');
    expect(md).toContain(`\`\`\`sql\n${sql.stdout}`);
  });
});
