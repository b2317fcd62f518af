import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCatalogFile } from '#core/catalog/read.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { InputError } from '#core/errors.ts';

// Tests often run as root, who may read any file, so the permission error is made by a stand-in readFile.
const DENIED = 'denied.csv';
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const readFile = (async (file: Parameters<typeof fs.readFile>[0], ...rest: unknown[]) => {
    if (String(file).endsWith(DENIED)) {
      throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), {
        code: 'EACCES',
        syscall: 'open',
        path: String(file),
      });
    }
    return (fs.readFile as (...args: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFile;
  return { ...fs, readFile, default: { ...fs, readFile } };
});

describe('readCatalogFile on an unreadable catalog', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-catalog-perm-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses it as bad input naming the path, not as a fault of the machine or its data folder', async () => {
    // Prepare
    const file = path.join(dir, DENIED);
    await writeFile(file, 'https://a.example/1.jpg\n');

    // Act
    const error = await readCatalogFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `catalog ${file} cannot be read (EACCES): permission denied; make the file readable for this user, or ` +
        'copy it somewhere readable',
    );
    expect(environmentFaultOf(error)).toBeUndefined();
  });
});
