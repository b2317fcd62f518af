import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { takeInventory } from '#cli/plan/inventory.ts';
import { runPlanCommand } from '#cli/plan/plan-command.ts';
import { loadConfig } from '#core/config.ts';
import { maskedKeys } from '#core/contracts/run-layout.ts';
import { writeUrlRecord } from '#functions/download/url-record.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-plan-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = () =>
  loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: path.join(dir, 'data') });

async function plan(...argv: string[]) {
  const lines: string[] = [];
  const code = await runPlanCommand(argv, config(), (line) => lines.push(line));
  return { code, text: lines.join('\n') };
}

describe('threadfinder plan', () => {
  it('prints products, images, what is present, a calibrated local time and the cloud cost', async () => {
    // Act
    const { code, text } = await plan('samples/catalogs/products.csv', '--cloud', '--calibrate', '1');
    // Assess
    expect(code).toBe(0);
    expect(text).toMatch(/^Plan for samples\/catalogs\/products.csv \(csv\)$/m);
    expect(text).toMatch(/products \d+, images \d+ on 1 host\(s\)$/m);
    expect(text).toMatch(/catalog: rows refused 0 \(not ingested\), values dropped 0 .*, warnings 0$/m);
    expect(text).toMatch(/already here: originals 0 \(fresh 0\), masks 0, products in the index 0/);
    expect(text).toMatch(/Calibration: 1 drawn 1000x1333 photos through test-cloth \+ test-clip/);
    expect(text).toMatch(/STAND-IN MODELS/);
    expect(text).toMatch(/^Local run on this machine: about /m);
    expect(text).toMatch(/^Cloud run \(batches of 20, 16 at once; segment 10240 MB, embed 6144 MB/m);
    expect(text).toMatch(/Step Functions .* transitions x \$0\.000025$/m);
  }, 60_000);

  it('prints JSON for scripts', async () => {
    const { text } = await plan('samples/catalogs/urls.txt', '--json', '--calibrate', '1');
    const parsed = JSON.parse(text);
    expect(parsed.catalog.format).toBe('urls');
    expect(parsed.inventory.toSegment).toBe(parsed.inventory.images);
    expect(parsed.calibration.standIns).toBe(true);
    expect(parsed.cloud).toBeUndefined();
  }, 60_000);

  it.each([
    [[], /plan needs a catalog file/],
    [['no/such/catalog.csv'], /catalog file not found: no\/such\/catalog.csv/],
    [
      ['samples/catalogs/products.csv', '--calibrate', '0'],
      /--calibrate must be a whole number from 1 to 50, got "0"/,
    ],
    [['samples/catalogs/products.csv', '--calibrate', 'many'], /--calibrate must be a whole number/],
    [['samples/catalogs/products.csv', '--format', 'xml'], /--format must be auto, urls, csv or jsonl/],
    [['a.csv', 'b.csv'], /plan takes one catalog, got also: b.csv/],
    [
      ['samples/catalogs/urls.txt', '--group-size', '30'],
      /^--group-size must be a whole number from 1 to 20, got "30"$/,
    ],
  ])('refuses %j with a clear message', async (argv, message) => {
    await expect(plan(...argv)).rejects.toThrow(message);
  });

  it('tells refused rows from dropped values and lists the problems with file:line', async () => {
    // Prepare: a row with a field too many, a row without an image (two problems), a price that is no number
    const file = path.join(dir, 'cols.csv');
    await writeFile(
      file,
      'product_id,image_url,price\nc1,https://h.test/1.jpg,1,x\nc2,https://h.test/2.jpg,19;99\nc3,\n',
    );
    // Act
    const { code, text } = await plan(file, '--calibrate', '1');
    // Assess
    expect(code).toBe(0);
    expect(text).toMatch(/catalog: rows refused 2 \(not ingested\), values dropped 1 .*, warnings 0$/m);
    expect(text).toContain(`  error: ${file}:2: row has 4 fields but the header has 3`);
    expect(text).toContain(`  error: ${file}:3: field "price" must be a number`);
    expect(text).toContain(`  error: ${file}:4: product "c3" has no usable image; product skipped`);
    expect(text).not.toMatch(/more, all listed in/);
  }, 60_000);

  it('lists every problem in a file when there are more than it prints', async () => {
    // Prepare: 30 rows without a usable image and one good row
    const file = path.join(dir, 'many.csv');
    const rows = Array.from({ length: 30 }, (_, i) => `x${i},nope`);
    await writeFile(file, ['product_id,image_url', ...rows, 'ok,https://h.test/ok.jpg'].join('\n'));
    // Act
    const { text } = await plan(file, '--calibrate', '1', '--json');
    // Assess
    const { catalog } = JSON.parse(text);
    expect(catalog).toMatchObject({ rowsRefused: 30, valuesDropped: 0, problemCount: 60 });
    expect(catalog.problems).toHaveLength(20);
    const listed = (await readFile(catalog.problemsFile, 'utf8')).trim().split('\n');
    expect(listed).toHaveLength(60);
    expect(listed.at(-1)).toMatch(/^error: .*many\.csv:31: product "x29" has no usable image/);
  }, 60_000);

  it('refuses a catalog without a single usable row, naming the file', async () => {
    const file = path.join(dir, 'empty.csv');
    await writeFile(file, 'product_id,image_url\n,\n');
    await expect(plan(file)).rejects.toThrow(/empty\.csv/);
  });
});

describe('plan inventory', () => {
  it('counts stored originals, fresh ones, masks and indexed products', async () => {
    // Prepare: of three URLs, one has a fresh original and a mask, one a stale original, one nothing
    const blobs = new FsBlobStore(path.join(dir, 'inventory'));
    const A = `originals/${'a'.repeat(64)}.jpg`;
    const B = `originals/${'b'.repeat(64)}.jpg`;
    const now = Date.parse('2026-12-01T00:00:00Z');
    const urls = ['https://cdn.test/a.jpg', 'https://cdn.test/b.jpg', 'https://img.test/c.jpg'];
    await blobs.put(A, new Uint8Array([1]));
    await blobs.put(B, new Uint8Array([2]));
    await blobs.put(maskedKeys(A, 'seg', [0, 177, 64]).found, new Uint8Array([3]));
    const record = (url: string, originalKey: string, fresh: boolean) => ({
      url,
      originalKey,
      fetchedAt: new Date(now - 1000).toISOString(),
      ...(fresh && { maxAgeUntil: new Date(now + 60_000).toISOString() }),
    });
    await writeUrlRecord(blobs, record(urls[0] as string, A, true));
    await writeUrlRecord(blobs, record(urls[1] as string, B, false));
    const store = new MemoryVectorStore();
    await store.bind({ model: 'm', dim: 2 });
    await store.upsert([
      { id: 'p1', vector: new Float32Array([1, 0]), images: [], metadata: {}, imagesUsed: 1 },
    ]);
    const products = [
      { id: 'p1', images: urls.slice(0, 2), metadata: {} },
      { id: 'p2', images: urls.slice(2), metadata: {} },
    ];
    // Act
    const inv = await takeInventory(products, {
      blobs,
      store,
      segmenterId: 'seg',
      background: [0, 177, 64],
      now,
    });
    // Assess
    expect(inv).toEqual({
      products: 2,
      images: 3,
      hosts: 2,
      originals: 2,
      fresh: 1,
      masks: 1,
      vectors: 1,
      toDownload: 2,
      toSegment: 2,
      toEmbed: 3,
    });
  });
});
