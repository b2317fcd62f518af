import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/function-code.ts';
import { CONTAINER_STAGES } from '#scripts/build-lambda.ts';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'functions', 'Dockerfile'), 'utf8');
const lines = dockerfile.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
const lineOf = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));

/** The Dockerfile's stages: name -> its instruction lines. */
function stages(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of lines) {
    const from = /^FROM \S+(?: AS (\S+))?/.exec(line);
    if (from) {
      current = [];
      out.set(from[1] ?? 'final', current);
    } else current.push(line);
  }
  return out;
}

/** Bundles `entries` as the image build does (node_modules external) and returns inputs and external packages. */
async function graph(entries: string[]): Promise<{ inputs: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: entries.map((e) => path.join(REPO_ROOT, e)),
    absWorkingDir: REPO_ROOT,
    outdir: path.join(REPO_ROOT, 'test-artifacts', 'image-graph'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const output of Object.values(result.metafile.outputs))
    for (const i of output.imports)
      if (i.external && !i.path.startsWith('node:'))
        packages.add(
          i.path
            .split('/')
            .slice(0, i.path.startsWith('@') ? 2 : 1)
            .join('/'),
        );
  return { inputs: Object.keys(result.metafile.inputs), packages: [...packages].sort() };
}

describe('the container image (functions/Dockerfile, .dockerignore)', () => {
  it('fetches and verifies the models before the repository is copied', () => {
    const fetch = lineOf(/models-command\.ts fetch/);
    const verify = lineOf(/models-command\.ts verify/);
    const copyAll = lineOf(/^COPY \. \./);
    expect(fetch).toBeGreaterThan(0);
    expect(verify).toBeGreaterThan(fetch);
    expect(copyAll).toBeGreaterThan(verify);
    // The dependencies layer comes first and sees only the manifest and lockfile.
    expect(stages().get('deps')).toContain('COPY package.json package-lock.json ./');
    expect(lineOf(/^RUN npm ci/)).toBeLessThan(fetch);
    expect(stages().get('final')).toContain('COPY --from=models /build/models-data /opt/threadfinder/models');
  });

  it('copies into the models layer exactly what `models fetch` and `models verify` import', async () => {
    const copied = (stages().get('models') ?? [])
      .map((l) => /^COPY (\S+) /.exec(l)?.[1])
      .filter((p): p is string => p !== undefined);
    const { inputs } = await graph(['infra/image/models-command.ts']);
    const uncovered = inputs.filter((file) => !copied.some((c) => file === c || file.startsWith(`${c}/`)));
    expect(uncovered).toEqual([]);
    expect(copied).not.toContain('.');
    expect(copied).not.toContain('functions');
  });

  it('keeps CDK, tsx and the local state-machine runner out of the image: no handler imports them', async () => {
    const removed = (/npm uninstall --no-save (.+)$/m.exec(dockerfile)?.[1] ?? '')
      .split(' ')
      .filter((word) => !word.startsWith('-'));
    expect(removed).toEqual(
      expect.arrayContaining(['aws-cdk-lib', 'constructs', 'tsx', 'aws-local-stepfunctions']),
    );
    // Without --omit=dev, npm uninstall reinstalls the devDependencies the prune just removed.
    expect(dockerfile).toMatch(/npm uninstall --no-save --omit=dev /);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    const { packages } = await graph(CONTAINER_STAGES.map((s) => `cloud/lambda/${s}.ts`));
    expect(packages.filter((p) => removed.includes(p))).toEqual([]);
    expect(packages).toContain('onnxruntime-node');
  });

  it('leaves tests, docs, CDK output, local state, git and node_modules out of the build context', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['test', 'docs', 'cdk.out', '.threadfinder', '.git', 'node_modules']),
    );
    // The build needs these: the handlers' sources, the web page, the build script.
    for (const needed of [
      'functions',
      'core',
      'adapters',
      'cloud',
      'models',
      'web',
      'scripts',
      'package.json',
    ])
      expect(ignored).not.toContain(needed);
  });
});
