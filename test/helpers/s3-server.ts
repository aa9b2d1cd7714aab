// A real S3-compatible server for tests: s3rver on 127.0.0.1, a free port, a temporary directory,
// one bucket. Reached through the real AWS SDK with s3rver's credentials (it checks signatures).
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll } from 'vitest';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** The variables that point the SDK at this server (endpoint, region, s3rver's credentials). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'archive-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'pk-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * An S3 server for the tests of one describe block, its variables set on process.env meanwhile
 * (the CLI runs in this process, and its AWS SDK reads the standard variables from there).
 */
export function useS3Server(bucket: string): () => S3TestServer {
  let s3: S3TestServer | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    s3 = await startS3Server(bucket);
    for (const [k, v] of Object.entries(s3.env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await s3?.stop();
  });
  return () => {
    if (!s3) throw new Error('the S3 server is not started yet');
    return s3;
  };
}
