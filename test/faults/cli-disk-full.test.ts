import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { STAND_IN_EMBED_MODEL } from '#models/registry.ts';
import { type MisbehavingServer, startMisbehavingServer } from '#test/support/misbehaving-server.ts';
import { mountTmpfs, type Tmpfs } from './tmpfs.ts';

// `threadfinder ingest` as a user runs it, with its data folder on a real 96 KiB tmpfs that fills up mid-run
// (wherever that happens: a URL record, an original, a mask, an embedded batch, the index), then is grown.

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const ENVIRONMENT_FAULT_EXIT = 5;
let dir: string;
let images: MisbehavingServer;
let fs: Tmpfs | string;

function ingest(catalog: string, dataDir: string) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    const env = {
      ...process.env,
      THREADFINDER_MODELS: 'test',
      THREADFINDER_DATA_DIR: dataDir,
      THREADFINDER_MODELS_DIR: path.join(dir, 'models'),
      THREADFINDER_ALLOW_PRIVATE_HOSTS: '1',
      THREADFINDER_BATCH_SIZE: '2',
    };
    execFile(TSX, ['cli/cli.ts', 'ingest', catalog], { cwd: ROOT, env, timeout: 90_000 }, (error, out, err) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: out + err }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-cli-disk-full-'));
  images = await startMisbehavingServer();
  fs = await mountTmpfs(path.join(dir, 'mnt'), '96k');
});

afterAll(async () => {
  if (typeof fs !== 'string') await fs.unmount();
  await images?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('threadfinder ingest on a disk that fills up', () => {
  it('exits 5 naming the full disk and the path, and a re-run once there is room stores everything', async (ctx) => {
    // Prepare: 20 products, each its own URL, on a disk with room for about a third of the run
    if (typeof fs === 'string') ctx.skip(fs);
    const mnt = fs as Tmpfs;
    const rows = Array.from(
      { length: 20 },
      (_, i) => `p${i},${images.url}/${i % 2 ? 'ok.png' : 'ok.jpg'}?${i}`,
    );
    const catalog = path.join(dir, 'catalog.csv');
    await writeFile(catalog, `product_id,image_url\n${rows.join('\n')}\n`);
    const dataDir = path.join(mnt.dir, 'data');
    // Act
    const full = await ingest(catalog, dataDir);
    await mnt.remount('size=16m');
    const again = await ingest(catalog, dataDir);
    // Assess
    expect(full.out).toMatch(
      new RegExp(
        `threadfinder: disk full while writing ${dataDir}/\\S+: free space, or inodes if df -i shows none left, and run the same command again`,
      ),
    );
    expect(full.code).toBe(ENVIRONMENT_FAULT_EXIT);
    expect(full.out).not.toMatch(/segment_failed|embed_failed|too many batches failed/);
    expect(full.out).not.toMatch(/\n\s+at /);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/products stored: 20, skipped: 0/);
    const store = await FileVectorStore.open(path.join(dataDir, 'index', STAND_IN_EMBED_MODEL), {
      readOnly: true,
    });
    expect(await store.count()).toBe(20);
    await store.close();
  }, 180_000);
});
