// `npm run demo`: the seeds' tables in an embedded PostgreSQL (PGlite over the wire protocol),
// a few partitions missing and rows stuck in a DEFAULT partition, then `status`, `plan`, `check`,
// `apply` and `check` again, through exactly the code path a real database gets.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { TZDate } from '@date-fns/tz';
import { addMonths, format, startOfMonth } from 'date-fns';
import pg from 'pg';
import { main } from '../src/cli';

// Today in UTC, the config's timezone, whatever the machine's zone: the tables and the commands
// (which get it as --now) agree on the month even in the hours around midnight.
const today = TZDate.tz('UTC');
const year = today.getFullYear();
const month = (offset: number): Date => addMonths(startOfMonth(today), offset);
const ymd = (d: Date): string => format(d, 'yyyy-MM-dd');

function monthlyPartition(offset: number): string {
  const from = month(offset);
  return `CREATE TABLE claim_line_items_y${format(from, 'yyyy')}m${format(from, 'MM')} PARTITION OF claim_line_items
    FOR VALUES FROM ('${ymd(from)}') TO ('${ymd(month(offset + 1))}');`;
}

function yearlyPartition(table: string, name: string, y: number): string {
  return `CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${y}-01-01') TO ('${y + 1}-01-01');`;
}

// What the teams have today: claim_line_items lost a month three months back and has nothing
// ahead (rows for next month already landed in DEFAULT); claims_production has no next year yet;
// kid_absences keeps four years, the oldest past its two-year retention.
const setup = [
  readFileSync(new URL('./schema.sql', import.meta.url), 'utf8'),
  monthlyPartition(-3),
  monthlyPartition(-1),
  monthlyPartition(0),
  'CREATE TABLE claim_line_items_default PARTITION OF claim_line_items DEFAULT;',
  `INSERT INTO claim_line_items (claim_id, service_date, amount) VALUES
     (1001, '${ymd(month(1))}', 120.00), (1002, '${ymd(month(1))}', 75.50), (1003, '${ymd(month(1))}', 9.99);`,
  yearlyPartition('claims_production', `claims_production_y${year - 1}`, year - 1),
  yearlyPartition('claims_production', `claims_production_y${year}`, year),
  ...[3, 2, 1, 0].map((back) => yearlyPartition('kid_absences', `kid_absences_${year - back}`, year - back)),
].join('\n');

const config = `# partition-keeper config for the seeds' tables (shared/seeds/)
defaults:
  timezone: UTC
tables:
  - table: public.claim_line_items
    interval: month
    naming: "{parent}_y{YYYY}m{MM}"   # claim_line_items_y2024m04
    premake: 2                        # two months ahead, as the claims team schedules it
    start: ${ymd(month(-3))}
  - table: public.claims_production
    interval: year
    naming: "{parent}_y{YYYY}"        # claims_production_y2026
    premake: 2
  - table: public.kid_absences
    interval: year
    naming: "{parent}_{YYYY}"         # kid_absences_2025
    premake: 1                        # current year and next year
    retention: 2 years
    archive:
      schema: archive                 # detach, then move to archive.kid_absences_YYYY
    enabled: \${ENABLE_ABSENCE_PARTITIONS:-true}
`;

const say = (text: string): void => void process.stdout.write(`${text}\n`);

async function run(command: string[], url: string): Promise<number> {
  say(`\n$ partition-keeper ${command.join(' ')}`);
  const code = await main([...command, '--now', ymd(today)], {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: { ...process.env, DATABASE_URL: url },
  });
  say(`(exit code ${code})`);
  return code;
}

const db = await PGlite.create();
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 4 });
await server.start();
const url = `postgres://postgres@${server.getServerConn()}/postgres`;
try {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(setup);
  await client.end();

  const dir = mkdtempSync(join(tmpdir(), 'partition-keeper-demo-'));
  const configFile = join(dir, 'partitions.yml');
  writeFileSync(configFile, config);
  say(`partition-keeper demo: embedded PostgreSQL (PGlite) at ${server.getServerConn()}`);
  say("The seeds' tables exist with a few partitions missing and 3 rows stuck in a DEFAULT partition.");
  say(`\n${configFile}:\n${config}`);

  const codes = [
    await run(['status', '--config', configFile], url),
    await run(['plan', '--config', configFile], url),
    await run(['plan', '--config', configFile, '--format', 'sql', '--table', 'claims_production'], url),
    await run(['check', '--config', configFile], url),
  ];
  say('\ncheck exits 1 above on purpose: that is what fails a CI build before ingestion breaks.');
  say('apply carries out the plan (moving the DEFAULT rows into their new partition), then check passes:');
  codes.push(
    await run(['apply', '--config', configFile], url),
    await run(['check', '--config', configFile], url),
  );
  // The demo itself fails when anything but the expected check shortfall went wrong.
  if (codes.join() !== '0,0,0,1,0,0') process.exitCode = 1;
} finally {
  await server.stop();
  await db.close();
}
