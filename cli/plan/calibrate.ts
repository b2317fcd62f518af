import { availableParallelism } from 'node:os';
import { encodeMask } from '#core/image/cutout.ts';
import { decodeForSegmentation, findGarment } from '#core/image/mask-garment.ts';
import { cutoutForEmbedding } from '#core/image/prepare.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { drawGarment, type GarmentSpec } from '#samples/generator/draw.ts';
import type { Calibration } from './estimate.ts';

const DRAWN: GarmentSpec[] = [
  { type: 't-shirt', color: 'red', pattern: 'solid' },
  { type: 'dress', color: 'blue', pattern: 'stripes' },
  { type: 'trousers', color: 'navy', pattern: 'checks' },
];

/**
 * Times `count` drawn catalog-sized photos (1000 x 1333 JPEG) through the configured models, step by step,
 * as the segment and embed stages run them: decode, segment and composite, encode, decode for embedding, embed.
 * The first image warms the models up and is not counted.
 */
export async function calibrate(rt: LocalRuntime, count = 3): Promise<Calibration> {
  const loadStart = performance.now();
  const segmenter = await rt.segmenter();
  const embedder = await rt.imageEmbedder();
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const { background } = rt.config;
  const maxPixels = rt.config.download.maxPixels;
  const totals = { decode: 0, segment: 0, embed: 0 };
  for (let i = 0; i <= count; i++) {
    const spec = DRAWN[i % DRAWN.length] as GarmentSpec;
    const jpeg = await drawGarment({ ...spec, seed: i + 1, width: 1000, height: 1333 });
    const t0 = performance.now();
    const rgb = await decodeForSegmentation(jpeg, segmenter, { maxPixels, background });
    const t1 = performance.now();
    const { mask, garmentFound } = await findGarment(rgb, segmenter);
    const t2 = performance.now();
    const stored = garmentFound ? await encodeMask(mask) : undefined;
    const forEmbedding = await cutoutForEmbedding(jpeg, stored, { maxPixels, background, embedder });
    const t3 = performance.now();
    await embedder.embedImages([forEmbedding]);
    const t4 = performance.now();
    if (i === 0) continue;
    totals.decode += t1 - t0 + (t3 - t2);
    totals.segment += t2 - t1;
    totals.embed += t4 - t3;
  }
  const per = (ms: number) => ms / 1000 / Math.max(1, count);
  return {
    images: count,
    threads: rt.config.model.onnxThreads ?? availableParallelism(),
    decodeSeconds: per(totals.decode),
    segmentSeconds: per(totals.segment),
    embedSeconds: per(totals.embed),
    loadSeconds,
    models: { segment: segmenter.modelId, embed: rt.models.embed.id },
    standIns: rt.config.models === 'test',
  };
}
