import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import type { ImageEmbedder, Segmenter, TextEmbedder } from '#core/ports/models.ts';
import type { ProductRecord } from '#core/types.ts';
import { decodeVector } from '#core/vector-codec.ts';
import type { EmbeddedBatch } from '#functions/aggregate/types.ts';
import { runEmbed } from '#functions/embed/run-embed.ts';
import type { ApiDeps } from '#functions/search/api.ts';
import { runSegment } from '#functions/segment/run-segment.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawShirt, tempDir } from '#test/models/drawn-images.ts';
import { maskedKeyOf } from '#test/support/image-records.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

export const BACKGROUND: [number, number, number] = [0x00, 0xb1, 0x40];
export const MAX_PIXELS = 50_000_000;
const FILLS = { red: '#d01010', blue: '#1030d0', yellow: '#e0d020', black: '#101010' };

/** A drawn shirt as JPEG bytes. */
export async function shirtJpeg(fill: string, background = '#ffffff'): Promise<Buffer> {
  const rgb = await drawShirt(fill, background);
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** The stand-in models, a blob store and a store of four drawn shirts ingested by the real stages. */
export interface ImageWorld {
  text: TextEmbedder;
  segmenter: Segmenter;
  embedder: ImageEmbedder;
  blobs: FsBlobStore;
  store: MemoryVectorStore;
  /** The JPEG each product was ingested from, by id. */
  originals: Record<string, Buffer>;
  deps(http: HttpClient, extra?: Partial<ApiDeps>): ApiDeps;
}

/** Ingests one single-image product per colour through runSegment and runEmbed, as the pipeline does. */
export async function imageWorld(): Promise<ImageWorld> {
  const dir = await tempDir('image-search');
  const models = await resolveModels({ models: 'test', modelsDir: path.join(dir, 'models') });
  const segmenter = await OnnxSegmenter.create({ model: models.segment });
  const embedder = await TransformersImageEmbedder.create({
    model: models.embed,
    pixels: { fit: 'pad', padColour: BACKGROUND },
  });
  const text = await TransformersTextEmbedder.create({ model: models.embed });
  const blobs = new FsBlobStore(path.join(dir, 'blobs'));
  const originals: Record<string, Buffer> = {};
  const items = [];
  for (const [colour, fill] of Object.entries(FILLS)) {
    const bytes = await shirtJpeg(fill);
    originals[colour] = bytes;
    const originalKey = `originals/${createHash('sha256').update(bytes).digest('hex')}.jpg`;
    await blobs.put(originalKey, bytes, 'image/jpeg');
    items.push({
      id: colour,
      metadata: { name: `${colour} shirt`, category: 'shirt', color: colour, price: 10 },
      images: [{ url: `https://cdn.example/${colour}.jpg`, status: 'downloaded' as const, originalKey }],
    });
  }
  const segmented = await runSegment(
    { runId: 'r1', items },
    { blobs, segmenter, background: BACKGROUND, maxPixels: MAX_PIXELS },
  );
  const embedded = await runEmbed(segmented, {
    blobs,
    embedder,
    maxPixels: MAX_PIXELS,
    background: BACKGROUND,
  });
  const batch = JSON.parse(new TextDecoder().decode(await blobs.get(embedded.key))) as EmbeddedBatch;
  const store = new MemoryVectorStore();
  await store.bind({ model: embedder.modelId, dim: embedder.dim });
  const records: ProductRecord[] = batch.products.map((p) => {
    const [image] = p.images;
    if (image?.status !== 'embedded')
      throw new Error(`product ${p.id}: its image is ${image?.status}, not embedded`);
    return {
      id: p.id,
      vector: decodeVector(image.vector),
      images: p.images.map((i) => i.url),
      maskedKeys: p.images.map(maskedKeyOf),
      metadata: p.metadata,
      imagesUsed: 1,
    };
  });
  await store.upsert(records);
  return {
    text,
    segmenter,
    embedder,
    blobs,
    store,
    originals,
    deps: (http, extra = {}) => ({
      text,
      store,
      blobs,
      image: {
        segmenter: async () => segmenter,
        embedder: async () => embedder,
        http,
        background: BACKGROUND,
        maxPixels: MAX_PIXELS,
      },
      onError: () => {},
      ...extra,
    }),
  };
}

/** A multipart/form-data body with the given parts. */
export function multipart(
  parts: { name: string; filename?: string; type?: string; body: Buffer | string }[],
  boundary = 'tf-boundary-7MA4YWxkTrZu0gW',
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    const type = p.type === undefined ? '' : `\r\nContent-Type: ${p.type}`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}${type}\r\n\r\n`),
    );
    chunks.push(Buffer.from(p.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
