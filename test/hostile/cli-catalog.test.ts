import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      TSX,
      ['cli/cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (error, _out, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('ingesting a catalog in which nothing is usable', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tf-hostile-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits non-zero with the catalog error, not a crash or an empty successful run', async () => {
    // Prepare
    const file = path.join(dir, 'bad.csv');
    await writeFile(file, 'product_id,image_url\np1,javascript:alert(1)\np2,file:///etc/passwd\n');
    // Act
    const { code, stderr } = await runCli(['ingest', file], {
      THREADFINDER_MODELS: 'test',
      THREADFINDER_DATA_DIR: path.join(dir, 'data'),
    });
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`threadfinder: ${file}:2: no usable product in the catalog`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
