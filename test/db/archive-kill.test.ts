// A run killed (SIGKILL) after detach, after dump and after upload is completed by the next run with
// nothing lost or stored twice; the next run learns where things stand from the catalog (the origin
// mark) and the store's manifests. The killed run is a real process: the CLI from src under tsx.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, expect, it } from 'vitest';
import { describeOnServer } from '../helpers/backends';
import { partitionsOf } from '../helpers/catalog';
import { runCli, SEEDS_SCHEMA, writeConfig } from '../helpers/cli';
import { useS3Server } from '../helpers/s3-server';
import { openStore } from '../../src/run/archive';
import { kidAbsencesConfig } from '../helpers/kid-absences';

const KIDS = `
create table kid_absences_2025 partition of kid_absences for values from ('2025-01-01') to ('2026-01-01');
create table kid_absences_2026 partition of kid_absences for values from ('2026-01-01') to ('2027-01-01');
create table kid_absences_2027 partition of kid_absences for values from ('2027-01-01') to ('2028-01-01');
create table kid_absences_2028 partition of kid_absences for values from ('2028-01-01') to ('2029-01-01');
insert into kid_absences select g % 30, date '2025-01-01' + (g / 30), 'r' || g from generate_series(0, 30 * 365 - 1) g;
`;

const CONFIG = kidAbsencesConfig({ dump: 's3://kill-test/kids', drop: true });

/** Runs apply in its own process and SIGKILLs it as soon as it logs that the `kind` step is done. */
function applyKilledAfter(kind: string, env: NodeJS.ProcessEnv, config: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'apply',
        '--config',
        config,
        '--now',
        '2027-03-01',
        '--log-format',
        'json',
      ],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const seen: string[] = [];
    let killed = false;
    createInterface({ input: child.stderr }).on('line', (line) => {
      const message = (() => {
        try {
          return (JSON.parse(line) as { message: string }).message;
        } catch {
          return line;
        }
      })();
      seen.push(message);
      if (!killed && new RegExp(`^done: step \\d+/\\d+ ${kind} `).test(message)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`apply ended (${code}) before ${kind} was done:\n${seen.join('\n')}`));
      else resolve(seen);
    });
  });
}

describeOnServer('archival: a killed run is completed by the next', (db) => {
  const s3 = useS3Server('kill-test');
  const env = () => ({ ...process.env, ...s3().env, DATABASE_URL: db().url });

  async function keys(): Promise<string[]> {
    const client = new S3Client({ forcePathStyle: true });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'kill-test' }));
    client.destroy();
    return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  beforeEach(async () => {
    await db().reset();
    await db().client.query('drop schema if exists archive cascade');
    await db().client.query(SEEDS_SCHEMA);
    await db().client.query(KIDS);
  });

  const cases: [kind: string, check: () => Promise<void>][] = [
    [
      'detach',
      async () => {
        const { rows } = await db().client.query<{ attached: boolean; mark: string }>(
          `select c.relispartition as attached, obj_description(c.oid, 'pg_class') as mark
             from pg_class c where c.relname = 'kid_absences_2025'`,
        );
        expect(rows).toEqual([{ attached: false, mark: expect.stringMatching(/^partition-keeper:v1 /) }]);
      },
    ],
    [
      'dump',
      async () => {
        const { rows } = await db().client.query('select count(*)::int as n from archive.kid_absences_2025');
        expect(rows).toEqual([{ n: 30 * 365 }]);
      },
    ],
    [
      'upload',
      async () => {
        const store = openStore('s3://kill-test/upload', process.env);
        expect(await store.getManifest('archive.kid_absences_2025.pgdump')).toMatchObject({ rows: 30 * 365 });
      },
    ],
  ];

  it.each(cases)('killed after %s: the next run completes it', async (kind, check) => {
    const config = writeConfig(CONFIG.replace('kill-test/kids', `kill-test/${kind}`));
    const store = openStore(`s3://kill-test/${kind}`, process.env);
    await applyKilledAfter(kind, env(), config);
    await check();

    const next = await runCli(['apply', '--config', config, '--now', '2027-03-01'], env());
    expect(next.stderr).not.toMatch(/failed/);
    expect(next.code).toBe(0);
    expect((await partitionsOf(db().client, 'kid_absences')).map((p) => p.name)).toEqual([
      'kid_absences_2026',
      'kid_absences_2027',
      'kid_absences_2028',
    ]);
    const { rows } = await db().client.query(
      "select to_regclass('archive.kid_absences_2025') as a, to_regclass('public.kid_absences_2025') as p",
    );
    expect(rows).toEqual([{ a: null, p: null }]);
    const manifest = await store.getManifest('archive.kid_absences_2025.pgdump');
    expect(manifest).toMatchObject({ rows: 30 * 365, from: '2025-01-01', to: '2026-01-01' });
    expect(await store.confirm(manifest!.file, manifest!.sha256)).toBe(true);
    // one dump and one manifest: nothing stored twice, nothing left half-written
    expect((await keys()).filter((k) => k.startsWith(`${kind}/`))).toEqual([
      `${kind}/archive.kid_absences_2025.pgdump`,
      `${kind}/archive.kid_absences_2025.pgdump.manifest.json`,
    ]);
    // and every row is in the dump: restored, they are all back
    const back = await runCli(
      ['reattach', '--from-dump', `s3://kill-test/${kind}/archive.kid_absences_2025.pgdump`],
      env(),
    );
    expect(back.code).toBe(0);
    const count = await db().client.query('select count(*)::int as n from public.kid_absences_2025');
    expect(count.rows).toEqual([{ n: 30 * 365 }]);
  });
});
