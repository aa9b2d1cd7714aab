// A store that hangs must not hold a run past its deadline: an "S3 endpoint" that accepts TCP
// connections and never answers (a bare net.Server on 127.0.0.1), reached through the real AWS SDK.
// Every store call takes the run's signal and stops when it aborts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StoreError, type ArchiveStore, type ManifestEntry } from '../../src/run/archive';

describe('S3 store against an endpoint that never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let store: ArchiveStore;
  let dir: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // accepted, read, never answered
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const env = {
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'HUNG',
      AWS_SECRET_ACCESS_KEY: 'HUNG',
    };
    // The SDK reads credentials and region from the process environment.
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    store = openStore('s3://hung-bucket/prefix', process.env);
    dir = await mkdtemp(join(tmpdir(), 'pk-hung-'));
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  const entry: ManifestEntry = {
    version: 2,
    database: { name: 'app' },
    table: 'archive.t_2025',
    parent: 'public.t',
    from: '2025-01-01',
    to: '2026-01-01',
    rows: 1,
    checksum: 'md5sum:1:2',
    file: 't.pgdump',
    size: 1,
    sha256: '0'.repeat(64),
    serverVersion: '15.0',
    pgDumpVersion: 'pg_dump (PostgreSQL) 15.0',
    createdAt: '2026-01-01T00:00:00Z',
  };

  /** Rejects with a StoreError once `signal` aborts (1 s), well within 3 s: never hangs. */
  async function stopsAtDeadline(call: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    const started = Date.now();
    const outcome = await Promise.race([
      call(AbortSignal.timeout(1000)).then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      new Promise((done) => setTimeout(() => done('still hanging after 3 s'), 3000)),
    ]);
    expect(outcome).toBeInstanceOf(StoreError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(2500);
  }

  it('getManifest stops at the deadline', async () => {
    await stopsAtDeadline((signal) => store.getManifest('t.pgdump', { signal }));
  });

  it('putManifest stops at the deadline', async () => {
    await stopsAtDeadline((signal) => store.putManifest(entry, { signal }));
  });

  it('confirm, put and download stop at the deadline', async () => {
    const file = join(dir, 'dump');
    await writeFile(file, 'x');
    await stopsAtDeadline((signal) => store.confirm('t.pgdump', entry.sha256, { signal }));
    await stopsAtDeadline((signal) => store.put('t.pgdump', file, entry.sha256, { signal }));
    await stopsAtDeadline((signal) => store.download('t.pgdump', join(dir, 'back'), { signal }));
  });
});
