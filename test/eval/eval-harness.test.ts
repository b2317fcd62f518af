import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { buildAttributeQueries } from '#cli/eval/attribute-queries.ts';
import { parseLabelledQueries } from '#cli/eval/labelled-queries.ts';
import { ndcgAt, precisionAt, recallAt, reciprocalRank } from '#cli/eval/metrics.ts';
import { renderCompare, renderEval } from '#cli/eval/report.ts';
import { type EvalResult, runEval } from '#cli/eval/run-eval.ts';
import type { TextEmbedder } from '#core/ports/models.ts';
import { Random } from '#core/random.ts';
import type { ProductMetadata } from '#core/types.ts';
import { meanOfUnitVectors, normalize } from '#core/vectors.ts';
import { tempDir } from '#test/models/drawn-images.ts';

// The harness measured against answers worked out by hand: an oracle embedder (vectors built from the products'
// known attributes), a shuffled one (must land near chance), and the metrics on small rankings.

const MODEL = 'oracle';
const WORDS = ['red', 'blue', 'striped', 'plain', 'shirt', 'dress'];
const DIM = WORDS.length;
const SETTINGS = { embedModel: MODEL, segment: true, segmentModel: 'none', imageFit: 'pad' as const };

/** The oracle's vector of a text or of a product's attributes: one dimension per known word. */
const oracle = (words: string[]) => normalize(WORDS.map((w) => (words.includes(w) ? 1 : 0)));

const oracleText: TextEmbedder = {
  modelId: MODEL,
  dim: DIM,
  embedTexts: async (texts) => texts.map((t) => oracle(t.split(' '))),
};

interface TestProduct {
  id: string;
  metadata: ProductMetadata;
  images: Float32Array[];
}

async function storeOf(products: TestProduct[], dim = DIM) {
  const store = await FileVectorStore.open(await tempDir('eval'));
  await store.bind({ model: MODEL, dim });
  await store.upsert(
    products.map((p) => ({
      id: p.id,
      vector: meanOfUnitVectors(p.images),
      images: p.images.map((_, i) => `https://img.example/${p.id}/${i}.jpg`),
      metadata: p.metadata,
      imagesUsed: p.images.length,
    })),
  );
  await store.putImageVectors(
    products.map((p) => ({
      id: p.id,
      images: p.images.map((vector, index) => ({ index, vector })),
      settings: SETTINGS,
    })),
  );
  return store;
}

// Five products, two identical images each: `e` has exactly the attributes of `a`.
const ATTRS: [string, string, string, string][] = [
  ['a', 'red', 'stripes', 'shirt'],
  ['b', 'red', 'solid', 'shirt'],
  ['c', 'blue', 'stripes', 'dress'],
  ['d', 'blue', 'solid', 'dress'],
  ['e', 'red', 'stripes', 'shirt'],
];
const PATTERN = { stripes: 'striped', solid: 'plain' } as Record<string, string>;
const oracleProducts = (): TestProduct[] =>
  ATTRS.map(([id, color, pattern, garment]) => {
    const v = oracle([color, PATTERN[pattern] as string, garment]);
    return { id, metadata: { color, pattern, garment }, images: [v, v] };
  });

describe('metrics on a hand-computed ranking', () => {
  it('recall, precision, reciprocal rank and nDCG', () => {
    const ranked = ['x', 'r1', 'y', 'r2'];
    const relevant = new Set(['r1', 'r2', 'r3']);

    expect([
      recallAt(ranked, relevant, 1),
      recallAt(ranked, relevant, 2),
      recallAt(ranked, relevant, 10),
    ]).toEqual([0, 1 / 3, 2 / 3]);
    expect([
      precisionAt(ranked, relevant, 1),
      precisionAt(ranked, relevant, 4),
      precisionAt(ranked, relevant, 10),
    ]).toEqual([0, 0.5, 0.2]);
    expect(reciprocalRank(ranked, relevant)).toBe(0.5);
    expect(reciprocalRank(['x'], relevant)).toBe(0);
    // DCG = 1/log2(3) + 1/log2(5); ideal (3 relevant) = 1 + 1/log2(3) + 1/2.
    expect(ndcgAt(ranked, relevant, 10)).toBeCloseTo(
      (1 / Math.log2(3) + 1 / Math.log2(5)) / (1.5 + 1 / Math.log2(3)),
      12,
    );
  });
});

describe('eval with an oracle embedder gives exactly the metrics computed by hand', () => {
  it('view consistency: a and e tie (same attributes) and rank each other first; ties count against', async () => {
    const store = await storeOf(oracleProducts());

    const result = await runEval({ store, text: oracleText });

    // a and e: own score 1, the other scores 1 too -> rank 2; b, c, d: rank 1.
    expect(result.view).toEqual({
      queries: 5,
      eligible: 5,
      recallAt1: 0.6,
      recallAt5: 1,
      recallAt10: 1,
      mrr: 0.8,
    });
    expect(result.index).toEqual({ model: MODEL, dim: DIM, products: 5, settings: [SETTINGS] });
    await store.close();
  });

  it('attribute queries: precision@k and recall@10 per template, as worked out by hand', async () => {
    const store = await storeOf(oracleProducts());

    const result = await runEval({ store, text: oracleText });

    if ('skipped' in result.attributes) throw new Error(result.attributes.skipped);
    const rows = Object.fromEntries(result.attributes.rows.map((r) => [r.template, r]));
    // "red shirt": a, b, e of 5 results; "blue dress": c, d.
    expect(rows['color + garment']).toEqual({
      template: 'color + garment',
      queries: 2,
      precisionAt1: 1,
      precisionAt5: 0.5,
      precisionAt10: 0.25,
      recallAt10: 1,
    });
    // "striped shirt": a, e; then one relevant product each for the three others.
    for (const t of ['pattern + garment', 'color + pattern + garment']) {
      expect(rows[t]).toMatchObject({
        queries: 4,
        precisionAt1: 1,
        precisionAt5: 0.25,
        precisionAt10: 0.125,
        recallAt10: 1,
      });
    }
    expect(result.attributes.all.queries).toBe(10);
    expect(result.attributes.all.precisionAt5).toBeCloseTo(0.3, 12);
    expect(result.attributes.all.precisionAt10).toBeCloseTo(0.15, 12);
    await store.close();
  });

  it('labelled queries: recall@1/5/10, MRR@10 and nDCG@10; an id not in the index still counts as relevant', async () => {
    const store = await storeOf(oracleProducts());
    const file = [
      '{"query": "red striped shirt", "relevant": ["b"]}',
      '{"query": "blue dress", "relevant": ["c", "d", "zz"]}',
    ].join('\n');
    const { queries } = parseLabelledQueries(file, 'q.jsonl');

    const result = await runEval({ store, text: oracleText }, { labelled: queries });

    // Query 1: a and e score 1, b 2/3 -> b at rank 3. Query 2: c and d first, zz never found.
    const ndcg2 = (1 + 1 / Math.log2(3)) / (1.5 + 1 / Math.log2(3));
    if ('skipped' in result.labelled) throw new Error(result.labelled.skipped);
    expect(result.labelled.queries).toBe(2);
    expect(result.labelled.relevantNotStored).toBe(1);
    expect(result.labelled.recallAt1).toBeCloseTo((0 + 1 / 3) / 2, 12);
    expect(result.labelled.recallAt5).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(result.labelled.recallAt10).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(result.labelled.mrr).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(result.labelled.ndcgAt10).toBeCloseTo((0.5 + ndcg2) / 2, 12);
    await store.close();
  });
});

describe('the sample without a labels file', () => {
  it('uses each product name as a query whose relevant product is itself', async () => {
    const products = oracleProducts().map((p) =>
      ['b', 'c', 'd'].includes(p.id)
        ? {
            ...p,
            metadata: {
              ...p.metadata,
              name:
                ATTRS.find((x) => x[0] === p.id)
                  ?.slice(1)
                  .map((w) => PATTERN[w] ?? w)
                  .join(' ') ?? '',
            },
          }
        : p,
    );
    const store = await storeOf(products);

    const result = await runEval({ store, text: oracleText }, { namesAsQueries: true });

    // "red plain shirt", "blue striped dress", "blue plain dress": each product alone scores 1.
    expect(result.labelled).toMatchObject({
      queries: 3,
      recallAt1: 1,
      mrr: 1,
      source: "the sample's product names (built in)",
    });
    await store.close();
  });
});

describe('eval with a shuffled embedder lands near chance', () => {
  it('view consistency and attribute queries', async () => {
    // Prepare: 300 products over 4 colours x 3 patterns x 5 garments; every image and product vector is
    // random, so neither images nor texts carry information about their product.
    const prng = new Random(42);
    const colors = ['red', 'blue', 'green', 'black'];
    const patterns = ['stripes', 'solid', 'dots'];
    const garments = ['shirt', 'dress', 'skirt', 'jacket', 'coat'];
    const dim = 64;
    const random = () => normalize(Array.from(prng.gaussians(dim)));
    const products: TestProduct[] = Array.from({ length: 300 }, (_, i) => ({
      id: `p${String(i).padStart(3, '0')}`,
      metadata: {
        color: colors[i % 4] as string,
        pattern: patterns[i % 3] as string,
        garment: garments[i % 5] as string,
      },
      images: [random(), random(), random()],
    }));
    const store = await storeOf(products, dim);
    const shuffledText: TextEmbedder = {
      modelId: MODEL,
      dim,
      embedTexts: async (t) => t.map(() => random()),
    };

    // Act
    const result = await runEval({ store, text: shuffledText });

    // Assess: chance is 1/300 for recall@1 and 10/300 for recall@10; precision is the share of relevant products.
    if ('skipped' in result.view || 'skipped' in result.attributes) throw new Error('skipped');
    expect(result.view.queries).toBe(300);
    expect(result.view.recallAt10).toBeLessThan(3 * (10 / 300));
    expect(result.view.mrr).toBeLessThan(0.05);
    const base = (q: { relevant: Set<string> }) => q.relevant.size / 300;
    const queries = buildAttributeQueries(products);
    const chance = queries.reduce((s, q) => s + base(q), 0) / queries.length;
    expect(Math.abs(result.attributes.all.precisionAt10 - chance)).toBeLessThan(0.03);
    await store.close();
  });
});

describe('eval output', () => {
  it('labelled query files: each bad line is named file:line, the good ones run', () => {
    const text = [
      '{"query": "red", "relevant": ["a"]}',
      'nope',
      '{"query": "", "relevant": ["a"]}',
      '',
      '{"query": "x", "relevant": []}',
      '[1]',
    ].join('\n');

    const { queries, problems } = parseLabelledQueries(text, 'q.jsonl');

    expect(queries).toEqual([{ query: 'red', relevant: ['a'] }]);
    expect(problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual([
      'q.jsonl:2',
      'q.jsonl:3',
      'q.jsonl:5',
      'q.jsonl:6',
    ]);
  });

  it('prints the three tables and the settings, and compares two results with differences', async () => {
    const store = await storeOf(oracleProducts());
    const a = await runEval({ store, text: oracleText });
    const b: EvalResult = {
      ...a,
      index: { ...a.index, settings: [{ ...SETTINGS, segment: false, segmentModel: undefined }] },
      view: { ...(a.view as Exclude<EvalResult['view'], { skipped: string }>), recallAt1: 0.4 },
    };

    const table = renderEval(a);
    const compared = renderCompare(a, b, ['seg.json', 'noseg.json']);

    expect(table).toContain('View consistency (no labels): 5 queries');
    expect(table).toMatch(/color \+ garment\s+2\s+1\.000\s+0\.500\s+0\.250\s+1\.000/);
    expect(table).toContain('Labelled queries: skipped (no --queries file)');
    expect(table).toContain('embed oracle, segmentation none, background ?, fit pad');
    expect(compared).toContain('segmentation off (photos as downloaded)');
    expect(compared).toMatch(/view recallAt1\s+0\.600\s+0\.400\s+-0\.200/);
    expect(compared).not.toMatch(/Note:|STAND-IN/);
    await store.close();
  });

  it('warns when two compared results did not measure the same catalog and queries, or used stand-ins', async () => {
    // Prepare
    const store = await storeOf(oracleProducts());
    const a = await runEval({ store, text: oracleText });
    const view = a.view as Exclude<EvalResult['view'], { skipped: string }>;
    const b = {
      ...a,
      standIn: true,
      index: { ...a.index, products: a.index.products + 3 },
      view: { ...view, queries: 9 },
    };
    // Act
    const compared = renderCompare(a, b, ['a.json', 'b.json']);
    // Assess
    expect(compared).toContain('STAND-IN MODELS in B: those numbers are meaningless.');
    expect(compared).toContain(
      `Note: A ranked ${a.index.products} products, B ${a.index.products + 3}: not the same catalog`,
    );
    expect(compared).toContain(`Note: the query counts differ for view (${view.queries} vs 9)`);
    await store.close();
  });
});
