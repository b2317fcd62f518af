// npx tsx bench/eval.ts [products]: threadfinder eval over a synthetic embedded index (default 47,000 products,
// 3 images each, 768-d like Marqo-FashionSigLIP), with random vectors and a random text encoder: the time eval
// takes at catalog scale and what the per-image vectors cost on disk. The numbers it measures are meaningless.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { runEval } from '#cli/eval/run-eval.ts';
import { Random } from '#core/random.ts';
import { meanOfUnitVectors, normalize } from '#core/vectors.ts';

const PRODUCTS = Number(process.argv[2] ?? 47_000);
const DIM = 768;
const MODEL = 'synthetic-768';
const prng = new Random(9);
const unit = () => normalize(Array.from(prng.gaussians(DIM)));
const colors = ['red', 'blue', 'black', 'white', 'green', 'beige', 'grey', 'pink', 'navy', 'yellow'];
const patterns = ['solid', 'stripes', 'dots', 'checks', 'floral'];
const garments = ['t-shirt', 'shirt', 'dress', 'trousers', 'skirt', 'jacket', 'coat', 'jeans'];

const dir = await mkdtemp(path.join(os.tmpdir(), 'threadfinder-bench-eval-'));
try {
  const store = await FileVectorStore.open(dir, { compactMinBytes: 1 << 40 });
  await store.bind({ model: MODEL, dim: DIM });
  let t = performance.now();
  for (let at = 0; at < PRODUCTS; at += 500) {
    const chunk = Array.from({ length: Math.min(500, PRODUCTS - at) }, (_, n) => {
      const i = at + n;
      const images = [unit(), unit(), unit()];
      const metadata = {
        color: colors[i % 10] as string,
        pattern: patterns[i % 5] as string,
        garment: garments[i % 8] as string,
      };
      return { id: `p${i}`, images, metadata };
    });
    await store.upsert(
      chunk.map((p) => ({
        id: p.id,
        vector: meanOfUnitVectors(p.images),
        images: ['a', 'b', 'c'],
        metadata: p.metadata,
        imagesUsed: 3,
      })),
    );
    await store.putImageVectors(
      chunk.map((p) => ({
        id: p.id,
        images: p.images.map((vector, index) => ({ index, vector })),
        settings: { embedModel: MODEL },
      })),
    );
  }
  const built = performance.now() - t;
  const bytes = (await stat(path.join(dir, 'image-vectors.log'))).size;
  const text = { modelId: MODEL, dim: DIM, embedTexts: async (texts: string[]) => texts.map(() => unit()) };
  t = performance.now();
  const result = await runEval({ store, text });
  const total = performance.now() - t;
  await store.close();
  const images = PRODUCTS * 3;
  console.log(
    `${PRODUCTS} products, ${images} image vectors (${DIM}-d): index built in ${(built / 1000).toFixed(1)} s`,
  );
  console.log(
    `image-vectors.log ${(bytes / 1e6).toFixed(1)} MB = ${(bytes / images).toFixed(0)} bytes per image on disk (binary16 payload ${DIM * 2} B)`,
  );
  console.log(`eval ${(total / 1000).toFixed(1)} s: ${JSON.stringify(result.ms)}`);
  const view = 'skipped' in result.view ? result.view.skipped : `${result.view.queries} view queries`;
  const attrs =
    'skipped' in result.attributes
      ? result.attributes.skipped
      : `${result.attributes.all.queries} attribute queries`;
  console.log(`${view}, ${attrs}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
