import fs from 'node:fs/promises';
import path from 'node:path';
import { Binary, BSON, type Db, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { decodeHalf, encodeHalf } from '#adapters/half-float.ts';
import { fromImageVectorsDocument, imageVectorsUpdate } from '#adapters/mongo/image-vectors.ts';
import { buildSearchPipeline, checkSearchOptions } from '#adapters/mongo/search-pipeline.ts';
import { MongoVectorStore } from '#adapters/mongo-vector-store.ts';
import type { ProductImageVectors } from '#core/ports/vector-store.ts';
import { Random } from '#core/random.ts';
import { dot, normalize } from '#core/vectors.ts';
import { runAggregate } from '#functions/aggregate/run-aggregate.ts';
import { batch, embeddedProduct, MODEL, sources } from '#test/aggregate/fixtures.ts';
import { tempDir } from '#test/models/drawn-images.ts';

const SETTINGS = {
  embedModel: MODEL.modelId,
  segment: true,
  segmentModel: 'test-cloth',
  imageFit: 'pad' as const,
};
const unitVector = (prng: Random, dim: number) => normalize(Array.from(prng.gaussians(dim)));

describe('binary16 image vectors', () => {
  it('round-trip a 768-d unit vector within binary16 rounding, 2 bytes per component', () => {
    // Prepare
    const v = unitVector(new Random(1), 768);

    // Act
    const bytes = encodeHalf(v);
    const back = decodeHalf(bytes);

    // Assess: relative error per component <= 2^-11; the cosine to the original stays above 1 - 1e-6.
    expect(bytes.byteLength).toBe(1536);
    for (let i = 0; i < v.length; i++) {
      expect(Math.abs((back[i] as number) - (v[i] as number))).toBeLessThanOrEqual(
        Math.abs(v[i] as number) / 2048 + 6e-8,
      );
    }
    expect(dot(v, normalize(back))).toBeGreaterThan(1 - 1e-6);
  });
});

describe('per-image vectors in the embedded store', () => {
  it('the aggregate step stores each ok image vector with its image index and settings; they survive a restart', async () => {
    // Prepare
    const dir = await tempDir('image-vectors');
    const store = await FileVectorStore.open(dir);
    const products = [
      embeddedProduct('p1', [{ vector: [1, 0, 0, 0] }, { reason: 'not_found' }, { vector: [0, 1, 0, 0] }]),
      embeddedProduct('p2', [{ vector: [0, 0, 1, 0] }]),
    ];

    // Act
    await runAggregate(
      { runId: 'r1', batches: sources([batch('r1', products)]) },
      { store, ...MODEL, settings: SETTINGS },
    );
    await store.close();
    const reopened = await FileVectorStore.open(dir, { readOnly: true });
    const got = await reopened.getImageVectors(['p2', 'p1', 'absent']);

    // Assess
    const byId = new Map(got.map((g) => [g.id, g]));
    expect([...byId.keys()].sort()).toEqual(['p1', 'p2']);
    expect(byId.get('p1')?.images.map((i) => [i.index, Array.from(i.vector)])).toEqual([
      [0, [1, 0, 0, 0]],
      [2, [0, 1, 0, 0]],
    ]);
    expect(byId.get('p1')?.settings).toEqual(SETTINGS);
    await reopened.close();
  });

  it('writes an unchanged product once, forgets a deleted one, and skips a torn last line after a crash', async () => {
    // Prepare
    const dir = await tempDir('image-vectors-churn');
    const store = await FileVectorStore.open(dir);
    const products = [
      embeddedProduct('a', [{ vector: [1, 0, 0, 0] }]),
      embeddedProduct('b', [{ vector: [0, 1, 0, 0] }]),
    ];
    const input = () => ({ runId: 'r', batches: sources([batch('r', products)]) });
    await runAggregate(input(), { store, ...MODEL, settings: SETTINGS });
    const file = path.join(dir, 'image-vectors.log');
    const size = (await fs.stat(file)).size;

    // Act
    await runAggregate(input(), { store, ...MODEL, settings: SETTINGS });
    const sizeAfterRerun = (await fs.stat(file)).size;
    await store.delete(['a']);
    await store.close();
    await fs.appendFile(file, '0badc0de {"t":"img","id":"torn"'); // a crash mid-append
    const reopened = await FileVectorStore.open(dir);
    const afterCrash = await reopened.getImageVectors(['a', 'b']);
    await reopened.putImageVectors([
      { id: 'b', images: [{ index: 0, vector: Float32Array.of(0, 0, 0, 1) }], settings: SETTINGS },
    ]);
    await reopened.close();
    const final = await FileVectorStore.open(dir, { readOnly: true });

    // Assess
    expect(sizeAfterRerun).toBe(size);
    expect(afterCrash.map((g) => g.id)).toEqual(['b']);
    expect(Array.from((await final.getImageVectors(['b']))[0]?.images[0]?.vector ?? [])).toEqual([
      0, 0, 0, 1,
    ]);
    await final.close();
  });

  it('refuses vectors of a product that is not stored, or of the wrong width', async () => {
    const store = await FileVectorStore.open(await tempDir('image-vectors-refuse'));
    await store.bind({ model: MODEL.modelId, dim: 4 });
    const entry = (id: string, n: number): ProductImageVectors => ({
      id,
      images: [{ index: 0, vector: new Float32Array(n).fill(0.5) }],
      settings: SETTINGS,
    });

    await expect(store.putImageVectors([entry('nope', 4)])).rejects.toThrow(/"nope" is not stored/);
    await store.upsert([
      { id: 'x', vector: Float32Array.of(1, 0, 0, 0), images: ['u'], metadata: {}, imagesUsed: 1 },
    ]);
    await expect(store.putImageVectors([entry('x', 3)])).rejects.toThrow(/not a finite 4-d vector/);
    await store.close();
  });
});

// The part of a Db that putImageVectors / getImageVectors / get use, recording what was sent.
function recordingDb(docs: Map<string, Document>) {
  const sent: Document[] = [];
  const products = {
    bulkWrite: async (ops: Document[]) => {
      sent.push(...ops.map((op) => BSON.deserialize(BSON.serialize(op), { promoteBuffers: false })));
      for (const op of ops) {
        const { filter, update } = op.updateOne;
        const doc = docs.get(filter._id);
        if (doc) Object.assign(doc, BSON.deserialize(BSON.serialize(update.$set)));
      }
    },
    find: (query: Document, options: Document) => {
      sent.push({ find: query, options });
      const ids: string[] = query._id.$in;
      return (async function* () {
        for (const id of ids) {
          const doc = docs.get(id);
          if (doc?.imageVectors)
            yield { _id: id, imageVectors: doc.imageVectors, imageSettings: doc.imageSettings };
        }
      })();
    },
    findOne: async (_q: Document, options: Document) => {
      sent.push({ findOne: options });
      return null;
    },
  };
  const meta = { findOne: async () => ({ _id: 'products', model: MODEL.modelId, dim: 4 }) };
  const db = { databaseName: 'fake', collection: (name: string) => (name === 'products' ? products : meta) };
  return { db: db as unknown as Db, sent };
}

describe('per-image vectors in Atlas: an array field of the product document', () => {
  it('sets imageVectors (binary16 Binary, image index) and imageSettings with one updateOne per product', async () => {
    // Prepare
    const docs = new Map<string, Document>([['p1', { _id: 'p1', vector: [1, 0, 0, 0] }]]);
    const { db, sent } = recordingDb(docs);
    const store = new MongoVectorStore(db);
    const v = normalize([0.1, 0.2, 0.3, 0.4]);

    // Act
    await store.putImageVectors([{ id: 'p1', images: [{ index: 2, vector: v }], settings: SETTINGS }]);
    const [back] = await store.getImageVectors(['p1', 'p2']);
    await store.get('p1');

    // Assess
    const [op] = sent;
    expect(op?.updateOne.filter).toEqual({ _id: 'p1' });
    expect(Object.keys(op?.updateOne.update.$set)).toEqual(['imageVectors', 'imageSettings']);
    const stored = op?.updateOne.update.$set.imageVectors[0];
    expect(stored.i).toBe(2);
    expect(stored.v).toBeInstanceOf(Binary);
    expect((stored.v as Binary).buffer.byteLength).toBe(8);
    expect(sent[1]).toMatchObject({
      find: { _id: { $in: ['p1', 'p2'] }, imageVectors: { $exists: true } },
      options: { projection: { imageVectors: 1, imageSettings: 1 } },
    });
    expect(sent[2]).toMatchObject({ findOne: { projection: { facets: 0, imageVectors: 0 } } });
    expect(back?.settings).toEqual(SETTINGS);
    expect(dot(back?.images[0]?.vector ?? new Float32Array(4), v)).toBeGreaterThan(0.9999);
  });

  it('keeps image vectors out of search answers (the pipeline projects only the product fields)', () => {
    const pipeline = buildSearchPipeline('idx', Float32Array.of(1, 0, 0, 0), checkSearchOptions({ k: 5 }));
    const project = pipeline.find((stage) => '$project' in stage) as { $project: Record<string, unknown> };

    expect(project.$project).not.toHaveProperty('imageVectors');
    expect(Object.values(project.$project).every((v) => v !== 0)).toBe(true);
  });

  it('converts documents both ways and refuses a vector of the wrong width', () => {
    const entry: ProductImageVectors = {
      id: 'p',
      images: [{ index: 0, vector: Float32Array.of(0.5, 0.5, 0.5, 0.5) }],
      settings: SETTINGS,
    };
    const fields = imageVectorsUpdate(entry, 4);

    expect(fromImageVectorsDocument({ _id: 'p', ...fields })).toEqual(entry);
    expect(() => imageVectorsUpdate(entry, 3)).toThrow(/not a finite 3-d vector/);
  });
});
