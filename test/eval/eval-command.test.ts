import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { runEvalCommand } from '#cli/eval/eval-command.ts';
import { loadConfig } from '#core/config.ts';
import { Random } from '#core/random.ts';
import { meanOfUnitVectors, normalize } from '#core/vectors.ts';
import { tempDir } from '#test/models/drawn-images.ts';

// `threadfinder eval` end to end on an index of the stand-in CLIP (512-d), with the stand-in text encoder.

async function standInIndex(dataDir: string, settings: { segment: boolean }) {
  const store = await FileVectorStore.open(path.join(dataDir, 'index', 'test-clip'));
  await store.bind({ model: 'test-clip', dim: 512 });
  const prng = new Random(3);
  const unit = () => normalize(Array.from(prng.gaussians(512)));
  const colors = ['red', 'navy', 'green'];
  const products = Array.from({ length: 12 }, (_, i) => ({
    id: `s${i}`,
    images: [unit(), unit()],
    metadata: { color: colors[i % 3] as string, pattern: i % 2 ? 'stripes' : 'solid', garment: 't-shirt' },
    // Auto-tags as the aggregate step stores them: the colour right on even products, every pattern "striped".
    autoTags: {
      colour: { value: i % 2 ? 'blue' : (colors[i % 3] as string), margin: 0.02 },
      pattern: { value: 'striped', margin: 0.04 },
    },
  }));
  await store.upsert(
    products.map((p) => ({
      id: p.id,
      vector: meanOfUnitVectors(p.images),
      images: ['u1', 'u2'],
      metadata: p.metadata,
      imagesUsed: 2,
      autoTags: p.autoTags,
    })),
  );
  const recorded = { embedModel: 'test-clip', ...settings, imageFit: 'pad' as const, background: '#00b140' };
  await store.putImageVectors(
    products.map((p) => ({
      id: p.id,
      images: p.images.map((vector, index) => ({ index, vector })),
      settings: recorded,
    })),
  );
  await store.close();
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: [(l: string) => out.push(l), (l: string) => err.push(l)] as const };
}

describe('threadfinder eval', () => {
  it('prints all four tables with the stand-in warning, writes JSON, names bad query lines (exit 4)', async () => {
    // Prepare
    const dataDir = await tempDir('eval-cli');
    await standInIndex(dataDir, { segment: true });
    const queries = path.join(dataDir, 'q.jsonl');
    await fs.writeFile(queries, '{"query": "red t-shirt", "relevant": ["s0", "s3"]}\n{"query": 1}\n');
    const config = loadConfig({ THREADFINDER_DATA_DIR: dataDir, THREADFINDER_MODELS: 'test' });
    const { out, err, io } = capture();

    // Act
    const json = path.join(dataDir, 'a.json');
    const code = await runEvalCommand(['--queries', queries, '--json', json], config, ...io);

    // Assess
    const text = out.join('\n');
    expect(code).toBe(4);
    expect(err.join('\n')).toContain(`${queries}:2: "query" must be a non-empty string`);
    expect(err.join('\n')).toContain('THREADFINDER_MODELS=test');
    expect(text).toContain('STAND-IN MODELS: the numbers below are meaningless');
    expect(text).toContain('embed test-clip, segmentation ?, background #00b140, fit pad');
    expect(text).toMatch(/View consistency \(no labels\): 12 queries/);
    expect(text).toMatch(/Attribute queries from metadata: \d+ queries/);
    expect(text).toMatch(/Labelled queries from the --queries file: 1 queries/);
    expect(text).toMatch(/Tag accuracy: auto-tags against the catalog's own columns/);
    expect(text).toMatch(/ colour +color +12 +12 +12 +1\.000 +0\.500 +0\.077/);
    expect(text).toMatch(/ pattern +pattern +12 +12 +12 +1\.000 +0\.500 +0\.167/);
    expect(text).toMatch(/ type +garment +12 +12 +0 +0\.000 +- +0\.091/);
    expect(text).toContain('>=0.02: 24 tags, 0.500; >=0.03: 12 tags, 0.500');
    expect(JSON.parse(await fs.readFile(json, 'utf8'))).toMatchObject({
      format: 'threadfinder-eval',
      standIn: true,
      tags: { all: { group: 'all', tagged: 24, agreeing: 12 } },
    });
  });

  it('--compare prints two runs side by side with B - A', async () => {
    // Prepare
    const [dirA, dirB] = [await tempDir('eval-a'), await tempDir('eval-b')];
    await standInIndex(dirA, { segment: true });
    await standInIndex(dirB, { segment: false });
    const run = async (dir: string) => {
      const file = path.join(dir, 'r.json');
      await runEvalCommand(
        ['--json', file],
        loadConfig({ THREADFINDER_DATA_DIR: dir, THREADFINDER_MODELS: 'test' }),
        () => {},
        () => {},
      );
      return file;
    };
    const [a, b] = [await run(dirA), await run(dirB)];
    const { out, io } = capture();

    // Act
    const code = await runEvalCommand(['--compare', a, b], loadConfig({}), ...io);

    // Assess
    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toContain('segmentation off (photos as downloaded)');
    expect(text).toMatch(/view recallAt1\s+\d\.\d{3}\s+\d\.\d{3}\s+[+-]?\d/);
    expect(text).toMatch(/metric\s+A\s+B\s+B - A/);
    expect(text).toMatch(/tags colour agreement\s+0\.500\s+0\.500\s+0/);
  });

  it('refuses bad files as bad input naming them, before running: missing queries, an unwritable --json, broken results', async () => {
    // Prepare
    const dir = await tempDir('eval-bad');
    await standInIndex(dir, { segment: true });
    const config = loadConfig({ THREADFINDER_DATA_DIR: dir, THREADFINDER_MODELS: 'test' });
    const truncated = path.join(dir, 'truncated.json');
    await fs.writeFile(truncated, '{"format": "threadfinder-eval", "version": 1, "view": {');
    const hollow = path.join(dir, 'hollow.json');
    await fs.writeFile(hollow, '{"format": "threadfinder-eval", "version": 1}');
    const quiet = [() => {}, () => {}] as const;
    // Act
    const attempts = await Promise.all(
      [
        ['--queries', path.join(dir, 'missing.jsonl')],
        ['--json', path.join(dir, 'no-such-folder', 'r.json')],
        ['--compare', truncated, hollow],
        ['--compare', hollow, truncated],
      ].map((argv) =>
        runEvalCommand(argv, config, ...quiet).then(
          () => undefined,
          (e: Error) => e,
        ),
      ),
    );
    // Assess: ConfigError is the CLI's exit code 2, with a message and no stack
    expect(attempts.map((e) => e?.name)).toEqual(Array(4).fill('ConfigError'));
    expect(attempts[0]?.message).toMatch(/--queries .*missing\.jsonl cannot be read \(ENOENT\)/);
    expect(attempts[1]?.message).toMatch(/--json .*r\.json: its folder cannot be written \(ENOENT\)/);
    expect(attempts[2]?.message).toMatch(/truncated\.json: not a threadfinder eval --json file/);
    expect(attempts[3]?.message).toMatch(
      /hollow\.json: not a threadfinder eval --json file \(or an incomplete one\)/,
    );
  });
});
