import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI as users run it: a real process, its exit code and its one-line errors.

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
let dir: string;

function run(cli: string, args: string[], env: Record<string, string> = {}, timeout = 60_000) {
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
        timeout,
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

  it.each([['ingest', 'x.csv'], ['plan', 'x.csv'], ['serve'], ['gc'], ['check'], ['models', 'list']])(
    '%s refuses a data dir that is a file: its name and path, exit code 2, no stack',
    async (...argv) => {
      // Prepare
      const file = path.join(dir, 'data-is-a-file');
      await writeFile(file, '');
      // Act
      const { code, out } = await run('cli/cli.ts', argv, { THREADFINDER_DATA_DIR: file });
      // Assess
      expect(out).toContain(
        `threadfinder: invalid configuration:\n  THREADFINDER_DATA_DIR=${file} is a file, not a folder`,
      );
      expect(out).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    },
  );

  it('serve refuses a data dir that does not exist, and makes nothing there', async () => {
    // Prepare: a mistyped data dir
    const missing = path.join(dir, 'no-such-data', 'dir');
    // Act
    const { code, out } = await run('cli/cli.ts', ['serve'], {
      THREADFINDER_DATA_DIR: missing,
      THREADFINDER_MODELS: 'test',
    });
    // Assess
    expect(out).toContain(`threadfinder: nothing to serve at ${missing}: there is no data dir there`);
    expect(code).toBe(2);
    expect(existsSync(path.join(dir, 'no-such-data'))).toBe(false);
  });

  it('refuses a models dir that is a file with its name, exit code 2', async () => {
    const file = path.join(dir, 'models-is-a-file');
    await writeFile(file, '');
    const { code, out } = await run('cli/cli.ts', ['models', 'list'], { THREADFINDER_MODELS_DIR: file });
    expect(out).toContain(`THREADFINDER_MODELS_DIR=${file} is a file, not a folder`);
    expect(code).toBe(2);
  });

  it.runIf(process.platform === 'linux')(
    'refuses a data dir on /proc at once instead of spinning',
    async () => {
      const { code, out } = await run(
        'cli/cli.ts',
        ['models', 'list'],
        { THREADFINDER_DATA_DIR: '/proc/tf-data' },
        20_000,
      );
      expect(out).toMatch(/THREADFINDER_DATA_DIR=\/proc\/tf-data is on \/proc/);
      expect(code).toBe(2);
    },
    30_000,
  );

  it('names a file found where the data dir needs a folder, exit code 2, no stack', async () => {
    // Prepare: a data dir whose `locks` is a file
    const data = path.join(dir, 'locks-is-a-file');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'locks'), '');
    // Act
    const { code, out } = await run('cli/cli.ts', ['gc'], { THREADFINDER_DATA_DIR: data });
    // Assess
    expect(out).toContain(
      `threadfinder: invalid configuration:\n  the data dir's locks folder ${path.join(data, 'locks')} is a file, not a folder`,
    );
    expect(out).not.toMatch(/\n\s+at /);
    expect(code).toBe(2);
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
