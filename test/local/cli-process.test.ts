import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI as users run it: a real process, its exit code and its one-line errors.

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
let dir: string;

function run(cli: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      TSX,
      [cli, ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          THREADFINDER_MODELS: 'test',
          THREADFINDER_DATA_DIR: path.join(dir, 'data'),
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf cli '));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('threadfinder CLI process', () => {
  it('maps an unknown option to exit code 2 and one line, without a stack trace', async () => {
    const { code, out } = await run('cli/cli.ts', ['ingest', 'x.csv', '--bogus']);
    expect(code).toBe(2);
    expect(out).toMatch(/threadfinder: Unknown option '--bogus'/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad environment variable with its name and exit code 2', async () => {
    const { code, out } = await run('cli/cli.ts', ['serve'], { PORT: 'abc' });
    expect(code).toBe(2);
    expect(out).toMatch(/threadfinder: invalid configuration:\s+PORT: expected a whole number/);
  });

  it('runs from a checkout whose path has spaces', async () => {
    // Prepare: the same sources seen through a folder with a space in its name
    const spaced = path.join(dir, 'my checkout');
    await cp(path.join(ROOT, 'cli'), path.join(spaced, 'cli'), { recursive: true });
    for (const name of [
      'local',
      'map-runner',
      'samples',
      'core',
      'functions',
      'adapters',
      'models',
      'infra',
      'cloud',
      'node_modules',
      'web',
      'package.json',
      'cdk.json',
    ]) {
      await symlink(path.join(ROOT, name), path.join(spaced, name));
    }

    // Act
    const { code, out } = await run(path.join(spaced, 'cli', 'cli.ts'), ['--help']);

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: threadfinder/);
  });
});
