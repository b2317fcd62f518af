import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogFile } from '#core/catalog/read.ts';
import { generateSampleCatalog, type SampleCatalog } from '#samples/generator/catalog.ts';
import { sampleCatalogCsv, writeSampleCatalogFile } from '#samples/generator/catalog-file.ts';
import { type SampleServer, startSampleServer } from '#samples/generator/image-server.ts';

describe('generated sample catalog', () => {
  let dir: string;
  let sample: SampleCatalog;
  let server: SampleServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-sample-'));
    sample = await generateSampleCatalog(dir, { products: 5 });
    server = await startSampleServer({ dir });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws every picture but the deliberately missing one into <outDir>/images', async () => {
    // Prepare
    const expected = sample.products.flatMap((p) => p.images.filter((i) => !i.missing).map((i) => i.file));

    // Act
    const files = (await readdir(sample.imagesDir)).filter((f) => !f.startsWith('.'));

    // Assess
    expect(sample.generated).toBe(true);
    expect(sample.imagesDir).toBe(path.join(dir, 'images'));
    expect(files.sort()).toEqual([...expected].sort());
    expect(files).toHaveLength(14);
    const meta = await sharp(path.join(sample.imagesDir, 's005-front.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 480, 600]);
  });

  it('skips drawing when the pictures are already there for this version', async () => {
    // Prepare
    const before = (await stat(path.join(sample.imagesDir, 's001-front.jpg'))).mtimeMs;

    // Act
    const again = await generateSampleCatalog(dir, { products: 5 });

    // Assess
    expect(again.generated).toBe(false);
    expect(again.products).toEqual(sample.products);
    expect((await stat(path.join(sample.imagesDir, 's001-front.jpg'))).mtimeMs).toBe(before);
  });

  it('writes a product CSV that parses back with its metadata and the broken URL', async () => {
    // Prepare
    const file = path.join(dir, 'out', 'catalog.csv');

    // Act
    const written = await writeSampleCatalogFile(sample.products, `${server.url}/`, file);
    const parsed = await readCatalogFile(written);

    // Assess
    expect(parsed.format).toBe('csv');
    expect(parsed.errors).toEqual([]);
    expect(parsed.products.map((p) => p.id)).toEqual(['s001', 's002', 's003', 's004', 's005']);
    expect(parsed.products[0]?.metadata).toMatchObject({
      name: 'Red striped shirt',
      category: 'tops',
      color: 'red',
      pattern: 'stripes',
      price: sample.products[0]?.price,
    });
    expect(parsed.products[1]?.images[1]).toBe(`${server.url}/images/s002-back-missing.jpg`);
  });

  it('serves every catalog image but the broken one, which is a 404', async () => {
    // Prepare
    const csv = sampleCatalogCsv(sample.products, server.url);
    const urls = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => row.split(',')[1] as string);

    // Act
    const statuses = await Promise.all(urls.map(async (u) => [u.split('/').pop(), (await fetch(u)).status]));

    // Assess
    expect(statuses.filter(([, s]) => s !== 200)).toEqual([['s002-back-missing.jpg', 404]]);
    expect(statuses).toHaveLength(15);
  });
});
