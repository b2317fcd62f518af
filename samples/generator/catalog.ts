import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '#core/concurrency.ts';
import { writeFileAtomically } from '#core/fs-atomic.ts';
import { drawGarment } from './draw.ts';
import { planSampleProducts, type SamplePlanOptions, type SampleProduct } from './plan.ts';

/** Bump when drawings change, so stale sample images are redrawn. */
export const SAMPLE_VERSION = 1;

/** The drawn sample catalog on disk. */
export interface SampleCatalog {
  /** Folder holding the pictures (`<outDir>/images`). */
  imagesDir: string;
  products: SampleProduct[];
  /** False when the pictures were already there for this version and nothing was drawn. */
  generated: boolean;
}

/** Options of generateSampleCatalog. */
export interface GenerateSampleOptions extends SamplePlanOptions {
  /** Pictures rendered at once (default 2). */
  concurrency?: number;
}

/**
 * Draws the sample catalog's pictures into `<outDir>/images/` (skipped when that folder already holds them
 * for this SAMPLE_VERSION) and returns its products.
 */
export async function generateSampleCatalog(
  outDir: string,
  options: GenerateSampleOptions = {},
): Promise<SampleCatalog> {
  const products = planSampleProducts(options);
  const imagesDir = path.join(path.resolve(outDir), 'images');
  const stampFile = path.join(imagesDir, '.sample-version');
  const images = products.flatMap((p) =>
    p.images.filter((i) => !i.missing).map((image) => ({ product: p, image })),
  );
  const stamp = `${SAMPLE_VERSION}\n`;
  const upToDate =
    (await readFile(stampFile, 'utf8').catch(() => '')) === stamp &&
    (await Promise.all(images.map(({ image }) => exists(path.join(imagesDir, image.file))))).every(Boolean);
  if (upToDate) return { imagesDir, products, generated: false };

  await mkdir(imagesDir, { recursive: true });
  await writeFile(stampFile, '');
  await mapLimit(images, options.concurrency ?? 2, async ({ product, image }) => {
    const bytes = await drawGarment({
      type: product.type,
      color: product.color,
      pattern: product.pattern,
      view: image.view,
      background: image.background,
      seed: image.seed,
      format: image.file.endsWith('.png') ? 'png' : 'jpeg',
    });
    await writeFileAtomically(path.join(imagesDir, image.file), bytes);
  });
  await writeFileAtomically(stampFile, stamp);
  return { imagesDir, products, generated: true };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile() && s.size > 0,
    () => false,
  );
}
