import type { ModelSpec } from '#core/model-spec.ts';
import { fashionClip, marqoFashionClip, marqoFashionSiglip } from './entries/embed-models.ts';
import { isnetGeneralUse, u2netClothSeg, u2netp } from './entries/segment-models.ts';
import { testClip, testCloth, testSaliency, testSiglip } from './entries/stand-in-models.ts';

/** Every supported model, real ones first (best published fashion retrieval first). */
export const MODELS: readonly ModelSpec[] = [
  marqoFashionSiglip,
  marqoFashionClip,
  fashionClip,
  u2netClothSeg,
  u2netp,
  isnetGeneralUse,
  testClip,
  testSiglip,
  testCloth,
  testSaliency,
];

/** Default embedder: Marqo-FashionSigLIP, the best published fashion retrieval model (see models/README.md). */
export const DEFAULT_EMBED_MODEL = 'marqo-fashion-siglip';
/** Default segmenter: rembg's u2net_cloth_seg. */
export const DEFAULT_SEGMENT_MODEL = 'u2net_cloth_seg';
/** Stand-ins used when THREADFINDER_MODELS=test. */
export const STAND_IN_EMBED_MODEL = 'test-clip';
export const STAND_IN_SEGMENT_MODEL = 'test-cloth';

/** The registered model with this id, or undefined. */
export function findModel(id: string): ModelSpec | undefined {
  return MODELS.find((m) => m.id === id);
}

/** Download URL of one of a model's files; null for generated stand-ins. */
export function fileUrl(spec: ModelSpec, path: string): string | null {
  return spec.source.baseUrl === null ? null : `${spec.source.baseUrl}/${path}`;
}

/** Best size figure for a file: exact where known, else the rounded published one, else null. */
export function knownSize(file: ModelSpec['files'][number]): { bytes: number; exact: boolean } | null {
  if (file.sizeBytes !== null) return { bytes: file.sizeBytes, exact: true };
  return file.approxBytes === undefined ? null : { bytes: file.approxBytes, exact: false };
}
