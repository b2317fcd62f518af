import { maskedKeys, maskKeys } from '#core/contracts/run-layout.ts';
import { environmentFaultOf } from '#core/env-fault.ts';
import { errorDetail } from '#core/failure-reasons.ts';
import { encodeMask } from '#core/image/cutout.ts';
import { decodeForSegmentation, findGarment } from '#core/image/mask-garment.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { Segmenter } from '#core/ports/models.ts';
import {
  type Batch,
  type DownloadedImage,
  failImage,
  type ImageRecord,
  type MaskedImage,
} from '#core/types.ts';

/** What the segment stage needs. */
export interface SegmentDeps {
  blobs: BlobStore;
  segmenter: Segmenter;
  /** Flat colour that replaces the background. */
  background: readonly [number, number, number];
  maxPixels: number;
  onImage?: (image: ImageRecord) => void;
}

/**
 * Replaces the background of every downloaded image of a batch with a flat colour.
 * Images already masked by the same model and colour are reused. A failure is recorded on the image, except an
 * environment fault (disk full, ...): that is no image's fault, so it fails the batch as EnvironmentFaultError.
 */
export async function runSegment(batch: Batch, deps: SegmentDeps): Promise<Batch> {
  const items = [];
  for (const product of batch.items) {
    const images: ImageRecord[] = [];
    for (const image of product.images) {
      if (image.status !== 'downloaded') {
        images.push(image);
        continue;
      }
      try {
        images.push(await segmentOne(image, deps));
      } catch (error) {
        const fault = environmentFaultOf(error);
        if (fault) throw fault;
        // Recorded per image: a model that cannot load fails earlier, when the handler builds its deps.
        images.push(failImage(image, 'segment_failed', errorDetail(error)));
      }
      deps.onImage?.(images[images.length - 1] as ImageRecord);
    }
    items.push({ ...product, images });
  }
  return { runId: batch.runId, items };
}

async function segmentOne(image: DownloadedImage, deps: SegmentDeps): Promise<MaskedImage> {
  const { originalKey } = image;
  const { blobs, segmenter } = deps;
  const keys = maskKeys(originalKey, segmenter.modelId);
  if (await blobs.has(keys.found)) return masked(image, keys.found);
  if (await blobs.has(keys.notFound)) return withoutGarment(image, keys.notFound);
  // A cut-out stored before masks (an older data dir or bucket) is used as it is: no segmenting again.
  const legacy = maskedKeys(originalKey, segmenter.modelId, deps.background);
  if (await blobs.has(legacy.found)) return masked(image, legacy.found);
  if (await blobs.has(legacy.notFound)) return withoutGarment(image, legacy.notFound);

  const rgb = await decodeForSegmentation(await blobs.get(originalKey), segmenter, deps);
  const { mask, garmentFound } = await findGarment(rgb, segmenter);
  // Only the mask is stored (one channel, at the model's resolution, a few KB); cut-outs are made from it on
  // demand, at their own size.
  const key = garmentFound ? keys.found : keys.notFound;
  await blobs.put(key, await encodeMask(mask), 'image/png');
  return garmentFound ? masked(image, key) : withoutGarment(image, key);
}

function masked(image: DownloadedImage, maskedKey: string): MaskedImage {
  return { ...image, status: 'masked', maskedKey, garmentFound: true };
}

function withoutGarment(image: DownloadedImage, maskedKey: string): MaskedImage {
  return {
    ...image,
    status: 'masked',
    maskedKey,
    garmentFound: false,
    detail: 'no garment found: the unmasked image was embedded',
  };
}
