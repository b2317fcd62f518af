import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogFormatError, EmptyCatalogError } from '#core/catalog/catalog-error.ts';
import { readCatalogFile } from '#core/catalog/read.ts';

const CSV = 'product_id,image_url,name\np1,https://a.example/1.jpg,Café\n';

describe('hostile catalog files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-hostile-catalog-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, data: string | Uint8Array) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    return file;
  };
  const failure = async (file: string): Promise<CatalogFormatError> => {
    const error = await readCatalogFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CatalogFormatError);
    return error as CatalogFormatError;
  };

  it('reads UTF-16 with a byte order mark, little- or big-endian (Excel "Unicode text")', async () => {
    // Prepare
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    const files = [await write('le.csv', le), await write('be.csv', be)];
    // Act
    const results = await Promise.all(files.map((f) => readCatalogFile(f)));
    // Assess
    for (const result of results) {
      expect(result.errors).toEqual([]);
      expect(result.products.map((p) => [p.id, p.metadata])).toEqual([['p1', { name: 'Café' }]]);
    }
  });

  it('says UTF-16 when a file without a byte order mark is full of NUL bytes', async () => {
    // Prepare
    const file = await write('nobom.csv', Buffer.from(CSV, 'utf16le'));
    // Act
    const error = await failure(file);
    // Assess
    expect(error.message).toBe(
      `${file}:1: the file looks like UTF-16 without a byte order mark; save it as UTF-8`,
    );
  });

  it('refuses an image, an Excel workbook or other binary given as a catalog, saying what it is', async () => {
    // Prepare
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const xlsx = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 1)]);
    const nulText = Buffer.from('https://a.example/1.jpg\n\0\0\0garbage\n');
    const files = [
      await write('img.csv', png),
      await write('book.csv', xlsx),
      await write('nul.txt', nulText),
    ];
    // Act
    const errors = await Promise.all(files.map(failure));
    // Assess
    expect(errors.map((e) => e.message)).toEqual([
      `${files[0]}:1: this is a PNG image, not a text catalog`,
      `${files[1]}:1: this is a ZIP archive (an Excel .xlsx workbook?), not a text catalog; export it as CSV UTF-8`,
      `${files[2]}:2: the file contains NUL bytes: it is binary, not a text catalog`,
    ]);
  });

  it('refuses a CSV with only a header, naming the file', async () => {
    // Prepare
    const file = await write('header-only.csv', 'product_id,image_url,name\r\n\r\n');
    // Act
    const error = await failure(file);
    // Assess
    expect(error.message).toBe(`${file}:1: the catalog has no products (only a header)`);
  });

  it('refuses a catalog whose every row is bad, quoting the first errors', async () => {
    // Prepare
    const rows = Array.from({ length: 12 }, (_, i) => `p${i},javascript:alert(${i})`);
    const file = await write('all-bad.csv', `product_id,image_url\n${rows.join('\n')}\n`);
    // Act
    const error = await failure(file);
    // Assess
    expect(error).toBeInstanceOf(EmptyCatalogError);
    expect(error.message.split('\n')).toEqual([
      `${file}:2: no usable product in the catalog (24 errors); the first:`,
      `  ${file}:2: image URL "javascript:alert(0)" uses the scheme "javascript:"; only http and https are allowed`,
      `  ${file}:2: product "p0" has no usable image; product skipped`,
      `  ${file}:3: image URL "javascript:alert(1)" uses the scheme "javascript:"; only http and https are allowed`,
      `  ${file}:3: product "p1" has no usable image; product skipped`,
      `  ${file}:4: image URL "javascript:alert(2)" uses the scheme "javascript:"; only http and https are allowed`,
      '  ... and 19 more',
    ]);
    expect((error as EmptyCatalogError).errors).toHaveLength(24);
  });
});
