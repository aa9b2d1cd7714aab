// Where dumps are kept: a directory, or an S3-compatible bucket (s3://bucket/prefix) through the AWS
// SDK for JavaScript v3. A dump counts as stored only when the stored object, read back and hashed,
// shows the recorded sha256. Not the store's own SHA-256 checksum: AWS keeps a whole-object one only
// for single-part uploads (a multipart object's is a checksum of its parts), other stores keep none
// or reject the headers, and no store here keeps one to test that path against.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Env } from '../../db/conninfo';
import { manifestName, parseManifest, serializeManifest, type ManifestEntry } from './manifest';

/** Bounds a store call: when `signal` aborts (the run's deadline), it stops with a StoreError. */
export interface StoreOptions {
  signal?: AbortSignal;
}

export interface ArchiveStore {
  /** Where, for messages and reports: the directory, or s3://bucket/prefix (never a credential). */
  readonly label: string;
  /** Stores local `file` as `name`; resolves only once confirm(name, sha256) holds, else throws StoreError. */
  put(name: string, file: string, sha256: string, options?: StoreOptions): Promise<void>;
  /** True when `name` is stored and its content's sha256 is `sha256`; false when missing or different. */
  confirm(name: string, sha256: string, options?: StoreOptions): Promise<boolean>;
  /** Copies `name` into local `file` (streamed; written beside as .partial, renamed when whole). */
  download(name: string, file: string, options?: StoreOptions): Promise<void>;
  /** Stores the manifest beside its dump, as `<entry.file>.manifest.json`. */
  putManifest(entry: ManifestEntry, options?: StoreOptions): Promise<void>;
  /** The manifest of dump `name`; undefined when there is none; throws StoreError when it is invalid. */
  getManifest(name: string, options?: StoreOptions): Promise<ManifestEntry | undefined>;
}

/** A store failure (network, permissions, missing bucket, bad manifest), with no secret in its message. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** A dump's name must be one plain name (dumpFileName makes such names): no directories, no "..". */
function checkName(name: string): void {
  if (
    !name ||
    name.includes('/') ||
    name.includes('\\') ||
    name === '.' ||
    name === '..' ||
    name.includes('\0')
  ) {
    throw new StoreError(`"${name}" is not a valid dump name (one file name, no "/")`);
  }
}

async function streamSha256(stream: Readable, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(stream, hash, signal ? { signal } : {});
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Directory

function directoryStore(location: string): ArchiveStore {
  const root = resolve(location);
  const path = (name: string): string => {
    checkName(name);
    return join(root, name);
  };
  const failed = (what: string, error: unknown): StoreError =>
    new StoreError(`${what} in ${root}: ${(error as Error).message}`);
  /** Writes through a .partial file renamed when whole, so a killed run never leaves half a file. */
  const atomically = async (target: string, write: (partial: string) => Promise<void>): Promise<void> => {
    const partial = `${target}.partial`;
    try {
      await write(partial);
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  };
  const store: ArchiveStore = {
    label: root,
    async put(name, file, sha256) {
      const target = path(name);
      try {
        await mkdir(root, { recursive: true });
        if (resolve(file) !== target) await atomically(target, (partial) => copyFile(file, partial));
      } catch (error) {
        throw failed(`cannot store ${name}`, error);
      }
      if (!(await store.confirm(name, sha256))) {
        throw new StoreError(`stored ${name} in ${root}, but reading it back does not give sha256 ${sha256}`);
      }
    },
    async confirm(name, sha256) {
      try {
        return (await streamSha256(createReadStream(path(name)))) === sha256;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw failed(`cannot read ${name}`, error);
      }
    },
    async download(name, file) {
      try {
        await mkdir(dirname(resolve(file)), { recursive: true });
        await atomically(file, (partial) => copyFile(path(name), partial));
      } catch (error) {
        throw failed(`cannot fetch ${name}`, error);
      }
    },
    async putManifest(entry) {
      const target = path(manifestName(entry.file));
      try {
        await mkdir(root, { recursive: true });
        await atomically(target, (partial) => writeFile(partial, serializeManifest(entry)));
      } catch (error) {
        throw failed(`cannot write the manifest of ${entry.file}`, error);
      }
    },
    async getManifest(name) {
      const target = path(manifestName(name));
      let text: string;
      try {
        text = await readFile(target, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw failed(`cannot read the manifest of ${name}`, error);
      }
      try {
        return parseManifest(text, target);
      } catch (error) {
        throw new StoreError((error as Error).message);
      }
    },
  };
  return store;
}

// ---------------------------------------------------------------------------------------------
// S3

/** Part size of multipart uploads; with QUEUE_SIZE parts in flight this bounds the upload's memory. */
export const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

export function parseS3Location(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location.trim());
  if (!match?.[1]) throw new StoreError(`"${location}" is not an S3 location; write s3://bucket/prefix`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/\/+$/, '') };
}

/** The endpoint the SDK will use when not AWS's own (it reads these variables itself). */
export function configuredEndpoint(env: Env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The client's settings beyond what the SDK reads itself (credentials, region, endpoint from the
 * standard chain and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL):
 * - forcePathStyle when an endpoint is given: MinIO, Ceph and most self-hosted stores serve
 *   http://host/bucket/key, not bucket.host;
 * - requestChecksumCalculation / responseChecksumValidation WHEN_REQUIRED unless the SDK's own
 *   AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION say otherwise: since
 *   early 2025 the SDK adds CRC32 checksums (aws-chunked trailers) to every upload by default,
 *   which many stores other than AWS reject. Our integrity check is the sha256 we confirm.
 */
export function s3ClientConfig(env: Env): S3ClientConfig {
  return {
    requestHandler: S3_TIMEOUTS,
    ...(configuredEndpoint(env) ? { forcePathStyle: true } : {}),
    ...(env.AWS_REQUEST_CHECKSUM_CALCULATION ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const }),
    ...(env.AWS_RESPONSE_CHECKSUM_VALIDATION ? {} : { responseChecksumValidation: 'WHEN_REQUIRED' as const }),
  };
}

/**
 * Bounds on every request, for a store that hangs when no run deadline does (the deadline's signal
 * stops any call sooner): connecting, a socket idle that long, and one request (a part of 8 MB
 * included) from start to response. The SDK retries a failed request twice more.
 */
export const S3_TIMEOUTS = {
  connectionTimeout: 10_000,
  socketTimeout: 30_000,
  requestTimeout: 300_000,
  throwOnRequestTimeout: true,
} as const;

/** The endpoint for labels and messages: scheme, host and port only (never user info or a query). */
function endpointLabel(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(unparsable endpoint URL)';
  }
}

async function readText(stream: Readable, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    },
    signal ? { signal } : {},
  );
  return Buffer.concat(chunks).toString('utf8');
}

function s3Store(location: string, env: Env): ArchiveStore {
  const { bucket, prefix } = parseS3Location(location);
  const endpoint = configuredEndpoint(env);
  const label = `s3://${bucket}${prefix ? `/${prefix}` : ''}${endpoint ? ` at ${endpointLabel(endpoint)}` : ''}`;
  // The SDK is loaded on the first call: only runs that archive to S3 pay for loading it.
  let loading:
    | Promise<{
        client: S3Client;
        sdk: typeof import('@aws-sdk/client-s3');
        Upload: typeof import('@aws-sdk/lib-storage').Upload;
      }>
    | undefined;
  const aws = () =>
    (loading ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(
      ([sdk, storage]) => ({
        client: new sdk.S3Client(s3ClientConfig(env)),
        sdk,
        Upload: storage.Upload,
      }),
    ));
  const key = (name: string): string => {
    checkName(name);
    return prefix ? `${prefix}/${name}` : name;
  };

  /** The SDK's error in a sentence, with any secret the environment holds masked. */
  const failed = (what: string, error: unknown): StoreError => {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
    let text = `${what} in ${label}: ${e.name ?? 'Error'}${status}: ${e.message ?? String(error)}`;
    for (const secret of [env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN]) {
      if (secret) text = text.split(secret).join('***');
    }
    return new StoreError(text);
  };
  const missing = (error: unknown): boolean => {
    // NoSuchBucket is not "missing": it is a wrong location, and an error.
    const e = error as { name?: string };
    return e.name === 'NoSuchKey' || e.name === 'NotFound';
  };

  const store: ArchiveStore = {
    label,
    async put(name, file, sha256, options = {}) {
      try {
        options.signal?.throwIfAborted();
        const { client, Upload } = await aws();
        const upload = new Upload({
          client,
          queueSize: QUEUE_SIZE,
          partSize: PART_SIZE,
          leavePartsOnError: false,
          params: {
            Bucket: bucket,
            Key: key(name),
            Body: createReadStream(file),
            ContentType: 'application/octet-stream',
          },
        });
        const stop = (): void => void upload.abort();
        options.signal?.addEventListener('abort', stop, { once: true });
        try {
          await upload.done();
        } finally {
          options.signal?.removeEventListener('abort', stop);
        }
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw failed(`cannot upload ${name}`, error);
      }
      if (!(await store.confirm(name, sha256, options))) {
        throw new StoreError(
          `uploaded ${name} to ${label}, but the stored object does not carry sha256 ${sha256}`,
        );
      }
    },
    async confirm(name, sha256, options = {}) {
      const abortSignal = options.signal;
      try {
        const { client, sdk } = await aws();
        const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name) }), {
          abortSignal,
        });
        return (await streamSha256(object.Body as Readable, abortSignal)) === sha256;
      } catch (error) {
        if (error instanceof StoreError) throw error;
        if (missing(error)) return false;
        throw failed(`cannot read ${name}`, error);
      }
    },
    async download(name, file, options = {}) {
      const partial = `${file}.partial`;
      const abortSignal = options.signal;
      try {
        const { client, sdk } = await aws();
        const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name) }), {
          abortSignal,
        });
        await mkdir(dirname(resolve(file)), { recursive: true });
        await pipeline(
          object.Body as Readable,
          createWriteStream(partial),
          abortSignal ? { signal: abortSignal } : {},
        );
        await rename(partial, file);
      } catch (error) {
        await rm(partial, { force: true });
        if (error instanceof StoreError) throw error;
        throw failed(`cannot fetch ${name}`, error);
      }
    },
    async putManifest(entry, options = {}) {
      try {
        const { client, sdk } = await aws();
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: bucket,
            Key: key(manifestName(entry.file)),
            Body: serializeManifest(entry),
            ContentType: 'application/json',
          }),
          { abortSignal: options.signal },
        );
      } catch (error) {
        if (error instanceof StoreError) throw error;
        throw failed(`cannot write the manifest of ${entry.file}`, error);
      }
    },
    async getManifest(name, options = {}) {
      const where = `${label}/${manifestName(name)}`;
      let text: string;
      try {
        const { client, sdk } = await aws();
        const object = await client.send(
          new sdk.GetObjectCommand({ Bucket: bucket, Key: key(manifestName(name)) }),
          { abortSignal: options.signal },
        );
        // A manifest is small; the body is read under the same signal.
        text = object.Body ? await readText(object.Body as Readable, options.signal) : '';
      } catch (error) {
        if (error instanceof StoreError) throw error;
        if (missing(error)) return undefined;
        throw failed(`cannot read the manifest of ${name}`, error);
      }
      try {
        return parseManifest(text, where);
      } catch (error) {
        throw new StoreError((error as Error).message);
      }
    },
  };
  return store;
}

/**
 * The store at `location`: `s3://bucket[/prefix]`, or a directory path (created when needed).
 * `env` is where the S3 client's endpoint and checksum settings are looked up (the SDK itself
 * reads credentials and region from the process environment and the AWS config files).
 */
export function openStore(location: string, env: Env = process.env): ArchiveStore {
  if (/^s3:\/\//.test(location.trim())) return s3Store(location, env);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location.trim())) {
    throw new StoreError(`"${location}": only s3:// locations and directories are supported`);
  }
  return directoryStore(location);
}
