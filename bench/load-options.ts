// Command-line options of bench/load.ts.
import { parseArgs } from 'node:util';
import { BUILT_IN_SUBJECTS, customSubject, PREMAKE, type Subject } from './load-subjects';

export const LOAD_USAGE = `Usage: npx tsx bench/load.ts [options]

Runs each subject (something that creates ${PREMAKE} daily partitions ahead) under production-like load
on the local server and reports how long readers and writers of the parent were held up.

Options:
  --seconds N                load duration per scenario (default 20)
  --long-reader-seconds N    how long the long reader keeps its transaction open (default 6)
  --lock-timeout MS          passed to the keeper subjects as --lock-timeout MS
  --only NAME[,NAME]         run only these subjects (built in: ${BUILT_IN_SUBJECTS.map((s) => s.name).join(', ')})
  --subject 'NAME=COMMAND'   also run a shell command of your own (repeatable; DATABASE_URL is set)
  --with-default             only the variant with a DEFAULT partition
  --without-default          only the variant without one (both flags, or neither: both variants)
  --subject-timeout N        kill a subject still running after N seconds (default 90)
  --keep-database            leave the last scenario's database (pk_bench_load) for inspection
  -h, --help                 this help
`;

export interface LoadSettings {
  subjects: Subject[];
  /** In the order they run: with DEFAULT first. */
  variants: boolean[];
  loadSeconds: number;
  longReaderSeconds: number;
  lockTimeoutMs?: number;
  subjectTimeoutSeconds: number;
  keepDatabase: boolean;
}

function positiveNumber(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${option} expects a positive number, got: ${text}`);
  return value;
}

export function parseLoadOptions(argv: string[]): LoadSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      'long-reader-seconds': { type: 'string' },
      'lock-timeout': { type: 'string' },
      only: { type: 'string' },
      subject: { type: 'string', multiple: true, default: [] },
      'with-default': { type: 'boolean', default: false },
      'without-default': { type: 'boolean', default: false },
      'subject-timeout': { type: 'string' },
      'keep-database': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';

  const all = [...BUILT_IN_SUBJECTS, ...values.subject.map(customSubject)];
  let subjects = all;
  if (values.only !== undefined) {
    const wanted = values.only
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const unknown = wanted.filter((name) => !all.some((s) => s.name === name));
    if (unknown.length) {
      throw new Error(
        `--only: no subject named ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`,
      );
    }
    subjects = all.filter((s) => wanted.includes(s.name));
  }

  const onlyOne = values['with-default'] !== values['without-default'];
  const variants = onlyOne ? [values['with-default']] : [true, false];
  const loadSeconds = positiveNumber('--seconds', values.seconds, 20);
  const longReaderSeconds = positiveNumber('--long-reader-seconds', values['long-reader-seconds'], 6);
  return {
    subjects,
    variants,
    loadSeconds,
    longReaderSeconds,
    lockTimeoutMs:
      values['lock-timeout'] === undefined
        ? undefined
        : positiveNumber('--lock-timeout', values['lock-timeout'], 0),
    subjectTimeoutSeconds: positiveNumber('--subject-timeout', values['subject-timeout'], 90),
    keepDatabase: values['keep-database'],
  };
}
