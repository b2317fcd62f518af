import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverClass;

/**
 * s3rver builds ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node >= 17) refuses, so
 * every truncated listing fails with a 500. 3DES with one key repeated three times is the same cipher, so
 * 'des' calls (which would throw) are routed to it; every other call is untouched.
 */
function letS3rverPaginate(): void {
  const crypto = require('node:crypto') as typeof import('node:crypto') & { s3rverDesShim?: true };
  if (crypto.s3rverDesShim) return;
  const route = <F extends (...args: never[]) => unknown>(original: F): F =>
    ((algorithm: string, key: Buffer, ...rest: unknown[]) =>
      algorithm === 'des'
        ? Reflect.apply(original, crypto, ['des-ede3-cbc', Buffer.concat([key, key, key]), ...rest])
        : Reflect.apply(original, crypto, [algorithm, key, ...rest])) as unknown as F;
  crypto.createCipheriv = route(crypto.createCipheriv);
  crypto.createDecipheriv = route(crypto.createDecipheriv);
  crypto.s3rverDesShim = true;
}

/** A local S3-compatible server (s3rver) on loopback, with its own temp directory. */
export interface S3TestServer {
  /** e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  port: number;
  /** A bucket created at start (`startS3Server({ bucket })`, or a random name). */
  bucket: string;
  /** Where s3rver keeps the objects; removed by `close()`. */
  directory: string;
  /** Client settings that talk to this server correctly (path style, dummy credentials, checksums when required). */
  clientConfig: S3ClientConfig;
  /**
   * The same settings as environment variables, for code that builds its own default `S3Client`
   * (the SDK reads them; a loopback IP endpoint is addressed path-style without `forcePathStyle`).
   */
  env: Record<string, string>;
  /** A client shared by the caller's tests, destroyed by `close()`. */
  client: S3Client;
  /** Creates a bucket (a fresh random name when none is given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Stops the server, drops open connections, destroys `client` and removes `directory`. */
  close(): Promise<void>;
}

/** S3 client settings for s3rver at `endpoint`; without the checksum settings, uploads are stored corrupted. */
export function s3ClientConfigFor(endpoint: string): S3ClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  };
}

/** A random bucket name valid for S3 (lowercase, 3-63 characters). */
export function randomBucketName(label = 'tf'): string {
  return `${label}-${randomUUID()}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}

/**
 * Starts s3rver on 127.0.0.1 on a free port with a fresh temp directory and one bucket.
 *
 * @example
 * const s3 = await startS3Server();
 * const store = new S3BlobStore({ bucket: s3.bucket, client: s3.client });
 * await s3.close();
 */
export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  letS3rverPaginate();
  const bucket = options.bucket ?? randomBucketName();
  const directory = await mkdtemp(path.join(tmpdir(), 'threadfinder-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clientConfig = s3ClientConfigFor(endpoint);
  const client = new S3Client(clientConfig);
  return {
    endpoint,
    port: address.port,
    bucket,
    directory,
    clientConfig,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    },
    client,
    async createBucket(name = randomBucketName()) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async close() {
      client.destroy();
      const closed = server.close();
      server.httpServer?.closeAllConnections();
      await closed;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
