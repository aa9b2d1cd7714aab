// The things a load scenario can measure. Each is a shell command run with DATABASE_URL in its
// environment, after an optional preparation on the scenario's fresh database; the harness treats
// them all alike, so the figures compare like with like.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  addDays,
  dailyPartitionDdl,
  defaultPartition,
  PARENT,
  PARENT_TEXT,
  rangePartitions,
} from './load-schema';

/** How many whole days ahead every subject is asked to create. */
export const PREMAKE = 60;

export interface SubjectContext {
  /** A connection to the scenario's database, for preparation only (closed before the load). */
  db: pg.Client;
  /** Today in UTC, as the server sees it (`YYYY-MM-DD`). */
  today: string;
  withDefault: boolean;
  /** Where a subject may write the files its command reads (one directory per scenario). */
  workDir: string;
  lockTimeoutMs?: number;
}

export interface Subject {
  name: string;
  /** Runs before the load starts (install an extension, write a config or a SQL file). */
  prepare?: (context: SubjectContext) => Promise<void>;
  /** The shell command measured under load. */
  command: (context: SubjectContext) => string;
}

/** Single-quotes a word for `bash -c`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const psql = (args: string): string => `psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" ${args}`;

/**
 * pg_partman 4.x as people run it: `run_maintenance()` from cron. pg_partman 4 can only manage
 * partitions named its own way (it sorts them by parsing the name: events_pYYYY_MM_DD), and always
 * adds its own DEFAULT partition. So its preparation renames ours, swaps the scenario's DEFAULT
 * partition for pg_partman's (or drops it, in the variant without one), and runs create_parent();
 * the one partition create_parent() makes ahead (the minimum premake is 1) is dropped again, so
 * that under load, with premake raised to 60, run_maintenance() creates all 60 like the others.
 */
const partman: Subject = {
  name: 'partman',
  prepare: async ({ db, today, withDefault }) => {
    await db.query('create schema if not exists partman');
    await db.query('create extension if not exists pg_partman schema partman');
    await renamePartitions(db, '_');
    const ours = await defaultPartition(db);
    if (ours) await db.query(`drop table ${ours}`);
    await db.query(
      `select partman.create_parent(p_parent_table := $1, p_control := 'k', p_type := 'native',
         p_interval := 'daily', p_premake := 1, p_start_partition := $2)`,
      [PARENT_TEXT, `${today} 00:00:00+00`],
    );
    const tomorrow = `${PARENT.name}_p${addDays(today, 1).replace(/-/g, '_')}`;
    await db.query(
      `drop table if exists ${pg.escapeIdentifier(PARENT.schema)}.${pg.escapeIdentifier(tomorrow)}`,
    );
    const theirs = await defaultPartition(db);
    if (!withDefault && theirs) await db.query(`drop table ${theirs}`);
  },
  command: () =>
    psql(
      `-c ${shellQuote(
        `update partman.part_config set premake = ${PREMAKE} where parent_table = ${pg.escapeLiteral(PARENT_TEXT)}`,
      )} -c ${shellQuote('select partman.run_maintenance(p_analyze := false)')}`,
    ),
};

/** Renames every range partition of the parent to {parent}_p<its first day, with `separator` between the parts>. */
async function renamePartitions(db: pg.Client, separator: string): Promise<void> {
  for (const partition of await rangePartitions(db)) {
    const renamed = `${PARENT.name}_p${partition.from.replace(/-/g, separator)}`;
    await db.query(
      `alter table ${pg.escapeIdentifier(partition.schema)}.${pg.escapeIdentifier(partition.name)} ` +
        `rename to ${pg.escapeIdentifier(renamed)}`,
    );
  }
}

/** The bare DDL a person would write: one CREATE TABLE … PARTITION OF per day, no lock_timeout. */
const psqlDdl: Subject = {
  name: 'psql-ddl',
  prepare: async ({ today, workDir }) => {
    const statements = Array.from({ length: PREMAKE }, (_, i) => dailyPartitionDdl(addDays(today, i + 1)));
    writeFileSync(join(workDir, 'premake.sql'), `${statements.join('\n')}\n`);
  },
  command: ({ workDir }) => psql(`-f ${shellQuote(join(workDir, 'premake.sql'))}`),
};

/** `partition-keeper apply` with one of its DDL strategies, from the built bundle. */
function keeper(strategy: 'attach' | 'partition-of'): Subject {
  return {
    name: `keeper-${strategy}`,
    prepare: async ({ workDir }) => {
      const config = [
        'defaults:',
        '  timezone: UTC',
        'tables:',
        `  - table: ${PARENT_TEXT}`,
        '    interval: day',
        `    premake: ${PREMAKE}`,
        `    naming: "{parent}_p{YYYY}{MM}{DD}"`,
        '',
      ].join('\n');
      writeFileSync(join(workDir, 'partitions.yml'), config);
    },
    command: ({ workDir, lockTimeoutMs }) =>
      [
        'node dist/cli/index.js apply',
        `--config ${shellQuote(join(workDir, 'partitions.yml'))}`,
        `--strategy ${strategy}`,
        ...(lockTimeoutMs === undefined ? [] : [`--lock-timeout ${lockTimeoutMs}`]),
      ].join(' '),
  };
}

export const BUILT_IN_SUBJECTS: Subject[] = [partman, psqlDdl, keeper('attach'), keeper('partition-of')];

/** `--subject 'name=shell command'`: anything else to try under the same load. */
export function customSubject(spec: string): Subject {
  const at = spec.indexOf('=');
  if (at <= 0 || at === spec.length - 1) {
    throw new Error(`--subject expects name=shell command, got: ${spec}`);
  }
  const command = spec.slice(at + 1);
  return { name: spec.slice(0, at).trim(), command: () => command };
}
