// Verification of a dump file: it is the file that was written (size, sha256), pg_restore can read
// it (--list), and the rows it gives back are the table's (count and content checksum).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CopyTextFingerprint } from './fingerprint';
import { failure, runTool, toolPlace, type DumpTarget, type RunOptions } from './tools';

/** Why a dump cannot be trusted, in words a person can act on. Blocks the drop. */
export class DumpVerificationError extends Error {
  override name = 'DumpVerificationError';
}

export interface ExpectedDump {
  rows: number;
  checksum: string;
  /** Lower-case hex. */
  sha256: string;
  size: number;
}

/** sha256 of a file, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const REDO = 'make a new dump (the next apply does, while the table is still there) or fetch the right file';

/** Runs pg_restore with `args` on the file; stdout goes to `sink`. A tool that cannot run is said so. */
async function restore(
  target: DumpTarget,
  args: string[],
  sink: Writable,
  file: string,
  options: RunOptions,
): Promise<string | undefined> {
  const run = runTool(target, 'pg_restore', [...args, file], options);
  let piped: Error | undefined;
  try {
    await pipeline(run.child.stdout, sink);
  } catch (error) {
    piped = error as Error;
    run.child.kill();
  }
  const result = await run.done;
  if (result.spawnError && result.spawnError.name !== 'AbortError') {
    throw new DumpVerificationError(
      `cannot verify dump ${file}: pg_restore cannot run ${toolPlace(target)} (${result.spawnError.message}); install the PostgreSQL client that wrote the dump`,
    );
  }
  if (result.spawnError || result.code !== 0) return failure(result);
  if (piped) return piped.message;
  return undefined;
}

/**
 * Checks `file` against what was recorded when it was made; throws DumpVerificationError at the
 * first mismatch (truncated, corrupted, unreadable, other rows). pg_restore only reads the file (it
 * never connects); it runs from the same directory and environment as pg_dump (DumpTarget).
 * `options.signal` (the run's deadline) stops pg_restore when it aborts.
 */
export async function verifyDump(
  target: DumpTarget,
  file: string,
  expected: ExpectedDump,
  options: RunOptions = {},
): Promise<void> {
  const fail = (reason: string): DumpVerificationError =>
    new DumpVerificationError(`dump ${file} failed verification: ${reason}`);

  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw fail(`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (size !== expected.size) {
    throw fail(
      `it is ${size} bytes where ${expected.size} were recorded (truncated or another file); ${REDO}`,
    );
  }
  const sha256 = await fileSha256(file);
  if (sha256 !== expected.sha256) {
    throw fail(
      `its sha256 is ${sha256} where ${expected.sha256} was recorded (the file changed after it was written); ${REDO}`,
    );
  }

  let list = '';
  const listed = await restore(
    target,
    ['--list'],
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (list.length < 1_000_000) list += chunk.toString('utf8');
        done();
      },
    }),
    file,
    options,
  );
  if (listed !== undefined) throw fail(`pg_restore --list cannot read it: ${listed}; ${REDO}`);
  if (!/^\d+; \d+ \d+ TABLE DATA /m.test(list)) {
    throw fail(`it holds no table data (pg_restore --list shows no TABLE DATA entry); ${REDO}`);
  }

  const rows = await CopyTextFingerprint.create();
  const read = await restore(
    target,
    ['--data-only', '--file=-'],
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        rows.update(chunk);
        done();
      },
    }),
    file,
    options,
  );
  if (read !== undefined) throw fail(`pg_restore cannot read its rows back: ${read}; ${REDO}`);
  let back;
  try {
    back = rows.result();
  } catch (error) {
    throw fail(`${(error as Error).message}; ${REDO}`);
  }
  if (back.copyBlocks !== 1)
    throw fail(`it holds ${back.copyBlocks} tables' rows where one was expected; ${REDO}`);
  if (back.rows !== expected.rows) {
    throw fail(`it gives back ${back.rows} rows where the table had ${expected.rows}; ${REDO}`);
  }
  if (back.checksum !== expected.checksum) {
    throw fail(
      `the rows it gives back differ from the table's (checksum ${back.checksum}, the table's ${expected.checksum}); ${REDO}`,
    );
  }
}
