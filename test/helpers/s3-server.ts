// A real S3-compatible server for tests: s3rver on 127.0.0.1, a free port, a temporary directory,
// one bucket. Reached through the real AWS SDK with s3rver's credentials (it checks signatures).
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

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
