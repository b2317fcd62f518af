import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import { loadPreparePixels } from '#adapters/transformers-pixels.ts';
import { loadTokenize } from '#adapters/transformers-text.ts';
import { EMBED_DTYPES, type EmbedDtype, loadConfig } from '#core/config.ts';
import { ConfigError, ModelMismatchError, ModelMissingError } from '#core/errors.ts';
import type { EmbedModelSpec, ModelSpec } from '#core/model-spec.ts';
import { normalize } from '#core/vectors.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { serveSearch } from '#local/serve-search.ts';
import { fileDtype, filesFor, publishedDtypes, vectorModelId } from '#models/dtypes.ts';
import { fetchedText } from '#models/fetch/ensure-models.ts';
import { fetchModels } from '#models/fetch/fetch-models.ts';
import { manifestPath } from '#models/fetch/manifest.ts';
import { findModel, MODELS } from '#models/registry.ts';
import { embedModel, resolveModels } from '#models/resolve.ts';
import { writeStandInModels } from '#models/testing/stand-ins.ts';
import { drawShirt, tempDir } from './drawn-images.ts';
import { type FileServer, startFileServer } from './fetch-server.ts';

// THREADFINDER_EMBED_DTYPE picks the embedding graphs as transformers.js dtypes do: fp32 onnx/<tower>_model.onnx,
// q8 onnx/<tower>_model_quantized.onnx, int8 onnx/<tower>_model_int8.onnx.

const spec = (id: string) => findModel(id) as EmbedModelSpec;

/** Creates `files` of `id` under `<modelsDir>/<id>/`: sparse, of the exact published size where there is one. */
async function place(modelsDir: string, id: string, files: readonly ModelSpec['files'][number][]) {
  for (const f of files) {
    const where = path.join(modelsDir, id, f.path);
    await fs.mkdir(path.dirname(where), { recursive: true });
    await fs.writeFile(where, '');
    if (f.sizeBytes) await fs.truncate(where, f.sizeBytes);
  }
}

const realConfig = (modelsDir: string, embed: string, embedDtype: EmbedDtype) => ({
  models: 'real' as const,
  modelsDir,
  model: { embed, segment: 'u2netp', embedDtype },
});

describe('the registry lists each precision a model publishes', () => {
  it('Marqo models publish fp32, q8 and int8; the ff13 FashionCLIP export fp32 and q8; stand-ins all three', () => {
    const has = Object.fromEntries(
      MODELS.filter((m) => m.task === 'embed').map((m) => [m.id, publishedDtypes(m)]),
    );

    expect(has).toEqual({
      'marqo-fashion-siglip': ['fp32', 'q8', 'int8'],
      'marqo-fashion-clip': ['fp32', 'q8', 'int8'],
      'fashion-clip': ['fp32', 'q8'],
      'test-clip': ['fp32', 'q8', 'int8'],
      'test-siglip': ['fp32', 'q8', 'int8'],
    });
  });

  it('names graphs by transformers.js suffix and keeps every other file for every precision', () => {
    expect(
      ['onnx/text_model.onnx', 'onnx/vision_model_quantized.onnx', 'onnx/text_model_int8.onnx'].map(
        fileDtype,
      ),
    ).toEqual(['fp32', 'q8', 'int8']);
    expect([fileDtype('onnx/text_model_fp16.onnx'), fileDtype('tokenizer.json')]).toEqual(['other', null]);

    const q8 = filesFor(spec('marqo-fashion-siglip'), 'q8').map((f) => f.path);

    expect(q8).toEqual([
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/text_model_quantized.onnx',
      'onnx/vision_model_quantized.onnx',
    ]);
  });

  it('pins no hash it has not seen: every quantized graph is unpinned, and the notes say so', () => {
    for (const m of MODELS.filter((x) => x.task === 'embed' && !x.standIn)) {
      const quantized = m.files.filter((f) => fileDtype(f.path) === 'q8' || fileDtype(f.path) === 'int8');
      expect(quantized.length).toBeGreaterThan(0);
      expect(quantized.every((f) => f.sha256 === null && !f.sha256Hint && !f.md5)).toBe(true);
      expect(m.notes.join(' ')).toMatch(/quantized/i);
    }
    expect(filesFor(spec('marqo-fashion-siglip'), 'int8').find((f) => f.path.includes('text'))).toMatchObject(
      {
        path: 'onnx/text_model_int8.onnx',
        sizeBytes: 111_125_229,
      },
    );
  });
});

describe('resolveModels checks the graphs of the chosen precision only', () => {
  it('fp32 needs no quantized file, and q8 no fp32 graph', async () => {
    // Prepare: fp32 files only, and u2netp (the segmenter) in full
    const modelsDir = await tempDir('dtype-files');
    const clip = spec('marqo-fashion-clip');
    await place(modelsDir, clip.id, filesFor(clip, 'fp32'));
    await place(modelsDir, 'u2netp', (findModel('u2netp') as ModelSpec).files);

    // Act
    const fp32 = await resolveModels(realConfig(modelsDir, clip.id, 'fp32'));
    const missingQ8 = await resolveModels(realConfig(modelsDir, clip.id, 'q8')).catch((e: unknown) => e);
    await place(modelsDir, clip.id, filesFor(clip, 'q8'));
    for (const tower of ['text', 'vision'])
      await fs.rm(path.join(modelsDir, clip.id, 'onnx', `${tower}_model.onnx`));
    const q8 = await resolveModels(realConfig(modelsDir, clip.id, 'q8'));

    // Assess
    expect(fp32.embed).toMatchObject({ id: 'marqo-fashion-clip', dtype: 'fp32' });
    expect(missingQ8).toBeInstanceOf(ModelMissingError);
    const message = (missingQ8 as Error).message;
    expect(message).toContain(
      `missing: ${path.join(modelsDir, clip.id, 'onnx', 'text_model_quantized.onnx')}`,
    );
    expect(message).toContain(
      'https://huggingface.co/Marqo/marqo-fashionCLIP/resolve/3d4e0292c9f68cf0604d16b301ce4f24cab412b5/onnx/vision_model_quantized.onnx',
    );
    expect(message).not.toMatch(/_int8|missing: .*(text|vision)_model\.onnx/);
    expect(q8.embed).toMatchObject({ id: 'marqo-fashion-clip@q8', dtype: 'q8', dim: 512 });
  });

  it('refuses a precision the model does not publish, naming the setting, the model and what it has', async () => {
    const modelsDir = await tempDir('dtype-missing');

    const error = await resolveModels(realConfig(modelsDir, 'fashion-clip', 'int8')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'THREADFINDER_EMBED_DTYPE=int8: embedding model fashion-clip publishes no int8 graphs ' +
        '(onnx/text_model_int8.onnx, onnx/vision_model_int8.onnx); it has fp32, q8. Choose one of those, or another model.',
    );
  });

  it('in test mode, resolves every precision of the stand-ins under an id that carries it', async () => {
    const modelsDir = await tempDir('dtype-stand-ins');
    const ids: string[] = [];
    for (const dtype of EMBED_DTYPES) {
      const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_EMBED_DTYPE: dtype });
      ids.push((await resolveModels({ ...config, modelsDir })).embed.id);
    }
    expect(ids).toEqual(['test-clip', 'test-clip@q8', 'test-clip@int8']);
    expect(vectorModelId('marqo-fashion-siglip', 'int8')).toBe('marqo-fashion-siglip@int8');
  });
});

describe('the embedders load the graph of their precision through transformers.js', () => {
  let root: string;
  beforeAll(async () => {
    root = (await writeStandInModels(await tempDir('dtype-embedders'))).root;
  });

  /** The graph file's own output for `feeds`, L2-normalised, read with onnxruntime directly. */
  async function direct(file: string, feeds: Record<string, Tensor>, output: string): Promise<Float32Array> {
    const session = await InferenceSession.create(file);
    const out = await session.run(feeds);
    await session.release();
    return normalize((out[output] as Tensor).data as Float32Array);
  }

  const maxDiff = (a: Float32Array, b: Float32Array) =>
    Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));
  // Written out, not imported: the files transformers.js names its dtypes' graphs (src/utils/dtypes.js).
  const suffix = { fp32: '', q8: '_quantized', int8: '_int8' } as const;

  it.each(['test-clip', 'test-siglip'])(
    '%s: each precision gives the vectors of its own graph file',
    async (id) => {
      // Prepare
      const image = await drawShirt('#c03030');
      const results: Record<string, { text: Float32Array; vision: Float32Array }> = {};
      const graphs: Record<string, { text: Float32Array; vision: Float32Array }> = {};
      for (const dtype of EMBED_DTYPES) {
        const model = embedModel(spec(id), root, dtype);
        // Act
        const text = await TransformersTextEmbedder.create({ model, batchSize: 1 });
        const vision = await TransformersImageEmbedder.create({ model, batchSize: 1 });
        const [t] = await text.embedTexts(['red striped shirt']);
        const [v] = await vision.embedImages([image]);
        expect([text.modelId, vision.modelId]).toEqual([model.id, model.id]);
        await Promise.all([text.dispose(), vision.dispose()]);
        results[dtype] = { text: t as Float32Array, vision: v as Float32Array };
        // The same inputs through the file transformers.js should have picked, read directly.
        const ids = (await loadTokenize(model))(['red striped shirt']);
        const pixels = await (await loadPreparePixels(model, { fit: 'pad', padColour: [0, 0xb1, 0x40] }))([
          image,
        ]);
        const textFeeds: Record<string, Tensor> = {
          input_ids: new Tensor('int64', ids.input_ids.data, ids.input_ids.dims),
        };
        graphs[dtype] = {
          text: await direct(
            path.join(model.dir, `onnx/text_model${suffix[dtype]}.onnx`),
            textFeeds,
            'text_embeds',
          ),
          vision: await direct(
            path.join(model.dir, `onnx/vision_model${suffix[dtype]}.onnx`),
            { pixel_values: new Tensor('float32', pixels.data, pixels.dims) },
            'image_embeds',
          ),
        };
      }

      // Assess: equal to its own file's output, and the quantized graphs really are different graphs
      for (const dtype of EMBED_DTYPES) {
        const r = results[dtype] as { text: Float32Array; vision: Float32Array };
        const g = graphs[dtype] as { text: Float32Array; vision: Float32Array };
        expect(maxDiff(r.text, g.text)).toBeLessThan(1e-6);
        expect(maxDiff(r.vision, g.vision)).toBeLessThan(1e-6);
      }
      const fp32 = results.fp32 as { text: Float32Array };
      for (const dtype of ['q8', 'int8'] as const) {
        const d = maxDiff(fp32.text, (results[dtype] as { text: Float32Array }).text);
        expect(d).toBeGreaterThan(1e-5);
        expect(d).toBeLessThan(0.05); // 8-bit weights: close to fp32, not equal
      }
    },
  );

  it('names the missing graph of the chosen precision', async () => {
    const dir = await tempDir('dtype-incomplete');
    const { root: copy } = await writeStandInModels(dir);
    const model = embedModel(spec('test-clip'), copy, 'int8');
    await fs.rm(path.join(model.dir, 'onnx', 'vision_model_int8.onnx'));

    const error = await TransformersImageEmbedder.create({ model }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelMissingError);
    expect((error as Error).message).toContain(
      `embedding model test-clip@int8 is incomplete; missing:\n  ${path.join(model.dir, 'onnx', 'vision_model_int8.onnx')}`,
    );
  });
});

describe('vectors of different precisions are never mixed', () => {
  const unit = (dim: number) => Float32Array.from({ length: dim }, (_, i) => (i === 0 ? 1 : 0));
  const product = {
    id: 'p1',
    vector: unit(512),
    images: ['https://cdn.example/p1.jpg'],
    metadata: {},
    imagesUsed: 1,
  };

  it('locally each precision has its own index folder; a store holding q8 vectors is refused for fp32', async () => {
    // Prepare: a q8 ingestion's store, then an fp32 runtime that is pointed at it (a copied or shared store)
    const dataDir = await tempDir('dtype-store');
    const env = { THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir };
    const q8Config = loadConfig({ ...env, THREADFINDER_EMBED_DTYPE: 'q8' });
    const q8 = await createLocalRuntime(q8Config, await resolveModels(q8Config));
    await q8.store.bind({ model: q8.models.embed.id, dim: 512 });
    await q8.store.upsert([product]);
    await q8.close();
    const fp32Config = loadConfig(env);
    const fp32Models = await resolveModels(fp32Config);
    await fs.cp(path.join(dataDir, 'index', 'test-clip@q8'), path.join(dataDir, 'index', 'test-clip'), {
      recursive: true,
    });

    // Act
    const fp32 = await createLocalRuntime(fp32Config, fp32Models);
    const bindError = await fp32.store
      .bind({ model: fp32Models.embed.id, dim: 512 })
      .catch((e: unknown) => e);
    const server = await serveSearch(fp32, { port: 0 });
    const res = await fetch(`${server.url}/api/search?q=red%20shirt`);
    const body = (await res.json()) as { error: { code: string; message: string } };
    await server.close();
    await fp32.close();

    // Assess
    expect(q8.models.embed.id).toBe('test-clip@q8');
    expect(await fs.readdir(path.join(dataDir, 'index'))).toEqual(['test-clip', 'test-clip@q8']);
    expect(bindError).toBeInstanceOf(ModelMismatchError);
    expect((bindError as Error).message).toContain(
      'was built with model test-clip@q8 (dim 512); asked for test-clip (dim 512)',
    );
    expect(res.status).toBe(503);
    expect(body.error.code).toBe('model_mismatch');
    expect(body.error.message).toContain('model "test-clip@q8"');
    expect(body.error.message).toContain('model "test-clip"');
  });

  it('a store bound to fp32 vectors refuses q8 ones, naming both', async () => {
    const store = await FileVectorStore.open(await tempDir('dtype-bind'));
    await store.bind({ model: 'marqo-fashion-clip', dim: 512 });
    await store.upsert([product]);

    const error = await store
      .bind({ model: vectorModelId('marqo-fashion-clip', 'q8'), dim: 512 })
      .catch((e) => e);
    await store.close();

    expect(error).toBeInstanceOf(ModelMismatchError);
    expect((error as Error).message).toContain('asked for marqo-fashion-clip@q8 (dim 512)');
  });
});

describe('fetching a precision', () => {
  const graphs = { fp32: randomBytes(20_000), q8: randomBytes(5_000) };
  const config = Buffer.from('{"model_type":"clip"}');
  let server: FileServer;
  beforeAll(async () => {
    server = await startFileServer({
      'config.json': config,
      'onnx/text_model.onnx': graphs.fp32,
      'onnx/text_model_quantized.onnx': graphs.q8,
    });
  });
  afterAll(() => server.close());

  /** A one-tower entry on the loopback server: a pinned fp32 graph and an unpinned q8 graph. */
  const served = (): ModelSpec => ({
    ...spec('marqo-fashion-clip'),
    source: { ...spec('marqo-fashion-clip').source, baseUrl: `${server.url}/redirect` },
    files: [
      { path: 'config.json', sizeBytes: config.length, sha256: null },
      {
        path: 'onnx/text_model.onnx',
        sizeBytes: graphs.fp32.length,
        sha256: createHash('sha256').update(graphs.fp32).digest('hex'),
      },
      { path: 'onnx/text_model_quantized.onnx', sizeBytes: null, sha256: null },
    ],
  });

  it('downloads only the graphs of the chosen precision, records the hash of an unpinned one and says so', async () => {
    // Prepare
    const modelsDir = await tempDir('dtype-fetch');
    const options = {
      modelsDir,
      allowAddresses: ['127.0.0.1'],
      clock: { sleep: async () => {}, random: () => 0 },
    };

    // Act
    const q8 = await fetchModels([served()], { ...options, dtype: 'q8' });
    const fp32 = await fetchModels([served()], options);

    // Assess
    expect(q8.map((o) => [o.path, o.action, o.verified])).toEqual([
      ['config.json', 'downloaded', 'size'],
      ['onnx/text_model_quantized.onnx', 'downloaded', 'unverified'],
    ]);
    expect(fp32.map((o) => [o.path, o.action, o.verified])).toEqual([
      ['config.json', 'already present', 'size'],
      ['onnx/text_model.onnx', 'downloaded', 'sha256'],
    ]);
    const hash = createHash('sha256').update(graphs.q8).digest('hex');
    const manifest = JSON.parse(
      await fs.readFile(manifestPath(path.join(modelsDir, 'marqo-fashion-clip')), 'utf8'),
    );
    expect(manifest.files['onnx/text_model_quantized.onnx']).toMatchObject({
      verified: 'unverified',
      sha256: hash,
    });
    const text = fetchedText(q8);
    expect(text).not.toContain('verified.');
    expect(text).toContain('0 of 2 files matched a published checksum');
    expect(text).toContain('marqo-fashion-clip/config.json: checked by its published size only');
    expect(text).toContain(
      `marqo-fashion-clip/onnx/text_model_quantized.onnx: UNPINNED, nothing published to check it against; sha256 ${hash}`,
    );
    expect(fetchedText(fp32.slice(1))).toBe('Models fetched and verified.\n');
  });
});
