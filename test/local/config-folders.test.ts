import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-config-'));
  file = path.join(dir, 'a-file');
  await writeFile(file, 'not a folder');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadConfig: the data and models folders', () => {
  it('refuses a data dir that is a file, naming the variable and the path', () => {
    expect(() => loadConfig({ THREADFINDER_DATA_DIR: file })).toThrow(
      `invalid configuration:\n  THREADFINDER_DATA_DIR=${file} is a file, not a folder`,
    );
  });

  it('refuses a data dir below a file, naming the file', () => {
    expect(() => loadConfig({ THREADFINDER_DATA_DIR: path.join(file, 'data') })).toThrow(
      `THREADFINDER_DATA_DIR=${path.join(file, 'data')} cannot be a folder: ${file} is a file, not a folder`,
    );
  });

  it('refuses a models dir that is a file, set or defaulted', async () => {
    expect(() => loadConfig({ THREADFINDER_DATA_DIR: dir, THREADFINDER_MODELS_DIR: file })).toThrow(
      `THREADFINDER_MODELS_DIR=${file} is a file, not a folder`,
    );
    const data = path.join(dir, 'data-with-models-file');
    await mkdir(data);
    await writeFile(path.join(data, 'models'), '');
    expect(() => loadConfig({ THREADFINDER_DATA_DIR: data })).toThrow(
      `the models folder ${path.join(data, 'models')} (THREADFINDER_MODELS_DIR unset) is a file, not a folder`,
    );
  });

  it.each(['locks', 'blobs', 'index', 'logs'])(
    'refuses a data dir whose %s folder is a file, naming its path, before any work',
    async (name) => {
      // Prepare
      const data = await mkdtemp(path.join(dir, `data-with-${name}-file-`));
      await writeFile(path.join(data, name), '');
      // Act + Assess
      expect(() => loadConfig({ THREADFINDER_DATA_DIR: data })).toThrow(
        `invalid configuration:\n  the data dir's ${name} folder ${path.join(data, name)} is a file, not a folder`,
      );
    },
  );

  it.runIf(process.platform === 'linux')('refuses a data dir on /proc (mkdir would loop there)', () => {
    expect(() => loadConfig({ THREADFINDER_DATA_DIR: '/proc/threadfinder-data' })).toThrow(
      /THREADFINDER_DATA_DIR=\/proc\/threadfinder-data is on \/proc/,
    );
  });

  it('accepts folders that do not exist yet, and existing ones', () => {
    const missing = path.join(dir, 'not', 'yet');
    expect(loadConfig({ THREADFINDER_DATA_DIR: missing }).dataDir).toBe(missing);
    expect(loadConfig({ THREADFINDER_DATA_DIR: dir }).modelsDir).toBe(path.join(dir, 'models'));
  });
});
