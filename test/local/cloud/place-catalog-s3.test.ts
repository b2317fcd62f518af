import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCatalog } from '#cli/cloud-ingest/place-catalog.ts';
import { type S3TestServer, startS3Server } from '#test/support/s3-server.ts';

// The same placement the fakes check, through the real S3 client against a local S3-compatible server:
// a streamed upload with its checksum and metadata, a copy with an encoded source key.

let server: S3TestServer;
let dir: string;
const lines: string[] = [];
const ctx = () => ({
  s3: server.client,
  call: <T>(send: () => Promise<T>) => send(),
  log: (l: string) => lines.push(l),
});

beforeAll(async () => {
  server = await startS3Server();
  dir = await mkdtemp(path.join(tmpdir(), 'tf-place-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function text(bucket: string, key: string): Promise<string> {
  const object = await server.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString()) ?? '';
}

describe('placeCatalog against an S3-compatible server', () => {
  it('streams a local file up with its SHA-256, and recognises it the next time', async () => {
    const file = path.join(dir, 'feed.csv');
    await writeFile(file, 'id,image\np1,https://img.example/1.jpg\n'.repeat(2000));

    const first = await placeCatalog(file, server.bucket, ctx());
    const second = await placeCatalog(file, server.bucket, ctx());

    expect(first).toEqual({ key: 'catalogs/feed.csv', placement: 'uploaded' });
    expect(await text(server.bucket, 'catalogs/feed.csv')).toBe(
      'id,image\np1,https://img.example/1.jpg\n'.repeat(2000),
    );
    const head = await server.client.send(
      new HeadObjectCommand({ Bucket: server.bucket, Key: 'catalogs/feed.csv' }),
    );
    expect(head.Metadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.placement).toBe('unchanged');
  });

  it('copies an object from another bucket, with spaces and accents in its key', async () => {
    const other = await server.createBucket();
    await server.client.send(
      new PutObjectCommand({ Bucket: other, Key: 'exports/été 2025/feed (1).jsonl', Body: '{"id":"a"}\n' }),
    );

    const placed = await placeCatalog(`s3://${other}/exports/été 2025/feed (1).jsonl`, server.bucket, ctx());
    const again = await placeCatalog(`s3://${other}/exports/été 2025/feed (1).jsonl`, server.bucket, ctx());

    expect(placed).toEqual({ key: 'catalogs/feed__1_.jsonl', placement: 'copied' });
    expect(await text(server.bucket, 'catalogs/feed__1_.jsonl')).toBe('{"id":"a"}\n');
    expect(again.placement).toBe('unchanged');
  });
});
