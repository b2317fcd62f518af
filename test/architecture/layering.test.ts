import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The layering table (docs/architecture.md) is enforced by biome.json, which `npm run lint` runs in CI. These
// tests write a violating file into a copy of the tree's configuration (never the tree itself, which other tests
// and CDK's asset hashing read meanwhile), lint it with that configuration, and expect a refusal.

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');
let tree: string;

beforeAll(async () => {
  tree = await mkdtemp(path.join(tmpdir(), 'tf-layering-'));
  for (const name of ['biome.json', 'package.json', 'tsconfig.json']) {
    await copyFile(path.join(ROOT, name), path.join(tree, name));
  }
});

afterAll(async () => {
  await rm(tree, { recursive: true, force: true });
});

async function probe(folder: string, source: string): Promise<string> {
  await mkdir(path.join(tree, folder), { recursive: true });
  const file = path.join(tree, folder, `layering-probe-${randomUUID().slice(0, 8)}.ts`);
  await writeFile(file, source);
  return file;
}

function lint(files: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      BIOME,
      ['lint', '--colors=off', '--max-diagnostics=50', ...files],
      { cwd: tree, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('the layering check (biome.json, run by npm run lint)', () => {
  it.each([
    [
      'a stage importing an adapter',
      'functions/download',
      "import '#adapters/fs-blob-store.ts';",
      /a stage imports core and ports/,
    ],
    [
      'a stage importing another stage',
      'functions/embed',
      "import '#functions/aggregate/run-blobs.ts';",
      /never imports another stage/,
    ],
    [
      'a stage importing the cloud wiring',
      'functions/search',
      "import '#cloud/data-ports.ts';",
      /a stage imports core and ports/,
    ],
    [
      'core importing an adapter',
      'core',
      "import '#adapters/fs-blob-store.ts';",
      /core imports nothing of ours/,
    ],
    [
      'core importing a stage',
      'core',
      "import '#functions/embed/run-embed.ts';",
      /core imports nothing of ours/,
    ],
    ['core importing the page', 'core', "import '#web/app.js';", /core imports nothing of ours/],
    [
      'an adapter importing the model registry',
      'adapters',
      "import '#models/registry.ts';",
      /adapters import core only/,
    ],
    ['the local runtime importing the CLI', 'local', "import '#cli/cli.ts';", /runtimes assemble/],
    [
      'a ../ import past the aliases',
      'functions/download',
      "import '../../adapters/fs-blob-store.ts';",
      /never \.\.\//,
    ],
  ])('refuses %s', async (_what, folder, source, message) => {
    // Prepare
    const file = await probe(folder, `${source}\n`);
    // Act
    const { code, out } = await lint([file]);
    // Assess
    expect(code).not.toBe(0);
    expect(out).toContain('noRestrictedImports');
    expect(out).toMatch(message);
  });

  it('refuses an import cycle', async () => {
    // Prepare: two core modules importing each other
    const a = await probe('core', '');
    const b = await probe('core', `import { a } from './${path.basename(a)}';\nexport const b = a;\n`);
    await writeFile(a, `import { b } from './${path.basename(b)}';\nexport const a = () => b;\n`);
    // Act
    const { code, out } = await lint([a, b]);
    // Assess
    expect(code).not.toBe(0);
    expect(out).toContain('noImportCycles');
  });

  it('accepts what the table allows: a stage importing core and functions/shared', async () => {
    // Prepare
    const file = await probe(
      'functions/download',
      "import '#core/config.ts';\nimport '#functions/shared/stage-errors.ts';\nimport './run-download.ts';\n",
    );
    // Act
    const { code, out } = await lint([file]);
    // Assess
    expect(out).not.toContain('noRestrictedImports');
    expect(code).toBe(0);
  });

  it('is configured for every layer of the table', async () => {
    const config = JSON.parse(await readFile(path.join(ROOT, 'biome.json'), 'utf8')) as {
      overrides: { includes: string[] }[];
    };
    const covered = config.overrides.flatMap((o) => o.includes);
    for (const layer of [
      'core/**',
      'adapters/**',
      'models/**',
      'functions/shared/**',
      'functions/*/**',
      'cloud/**',
      'local/**',
      'map-runner/**',
    ]) {
      expect(covered).toContain(layer);
    }
  });
});
