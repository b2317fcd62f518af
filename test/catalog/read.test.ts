import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogFormatError } from '#core/catalog/catalog-error.ts';
import { readCatalogFile } from '#core/catalog/read.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { InputError } from '#core/errors.ts';

describe('readCatalogFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-catalog-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and parses a file, naming it in errors', async () => {
    // Prepare
    const file = path.join(dir, 'cat.jsonl');
    await writeFile(file, '{"id": "p1", "images": ["https://a.example/1.jpg"]}\n{"id": "p2"}\n');

    // Act
    const result = await readCatalogFile(file);

    // Assess
    expect(result.products.map((p) => p.id)).toEqual(['p1']);
    expect(result.errors.map(String)).toEqual([
      `${file}:2: product "p2": "images" must be a non-empty array of URL strings`,
    ]);
  });

  it('refuses a file over the size cap before reading it', async () => {
    // Prepare
    const file = path.join(dir, 'big.txt');
    await writeFile(file, 'https://a.example/1.jpg\n'.repeat(100));

    // Act
    const attempt = readCatalogFile(file, { maxBytes: 1000 });

    // Assess
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(
      `catalog ${file} is 2400 bytes; the limit is 1000 bytes (split it into several files)`,
    );
  });

  it('names the line holding invalid UTF-8', async () => {
    // Prepare
    const file = path.join(dir, 'latin1.csv');
    const bytes = Buffer.concat([
      Buffer.from('product_id,image_url,name\np1,https://a.example/1.jpg,Caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    await writeFile(file, bytes);

    // Act
    const attempt = readCatalogFile(file);

    // Assess
    await expect(attempt).rejects.toThrow(CatalogFormatError);
    await expect(attempt).rejects.toThrow(`${file}:2: the file is not valid UTF-8 (save it as UTF-8)`);
  });

  it('says clearly when the file is missing or a directory', async () => {
    // Prepare
    const missing = path.join(dir, 'nope.csv');
    const folder = path.join(dir, 'folder');
    await mkdir(folder);

    // Act: both settled before either is looked at (a rejection left unhandled meanwhile fails the run)
    const attempts = await Promise.allSettled([readCatalogFile(missing), readCatalogFile(folder)]);

    // Assess
    const reasons = attempts.map((a) => (a.status === 'rejected' ? String(a.reason) : 'read'));
    expect(reasons[0]).toContain(`catalog file not found: ${missing}`);
    expect(reasons[1]).toContain(`catalog ${folder} is not a file`);
  });

  it('refuses, as bad input naming the path, a catalog under a file, in a symlink loop or with a too long name', async () => {
    // Prepare
    const file = path.join(dir, 'plain.txt');
    await writeFile(file, 'https://a.example/1.jpg\n');
    const underFile = path.join(file, 'cat.csv');
    const loop = path.join(dir, 'loop-a');
    await symlink(path.join(dir, 'loop-b'), loop);
    await symlink(loop, path.join(dir, 'loop-b'));
    const longName = path.join(dir, `${'n'.repeat(300)}.csv`);

    // Act
    const errors = await Promise.all(
      [underFile, loop, longName].map((p) =>
        readCatalogFile(p).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );

    // Assess
    expect(errors.map((e) => (e as Error).message)).toEqual([
      `catalog ${underFile} cannot be read (ENOTDIR): a part of its path is a file, not a folder`,
      `catalog ${loop} cannot be read (ELOOP): its path goes round a loop of symbolic links`,
      `catalog ${longName} cannot be read (ENAMETOOLONG): its path (or a name in it) is too long`,
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(InputError);
      expect(environmentFaultOf(e)).toBeUndefined();
    }
  });
});
