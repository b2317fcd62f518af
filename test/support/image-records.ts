import { expect } from 'vitest';
import type { ImageRecord, ImageStatus } from '#core/types.ts';

/** The image record of status `S`. */
export type ImageOf<S extends ImageStatus> = Extract<ImageRecord, { status: S }>;

/** Asserts the image has `status` and returns it narrowed to that status, to read its keys or reason. */
export function expectStatus<S extends ImageStatus>(image: ImageRecord | undefined, status: S): ImageOf<S> {
  expect(image?.status).toBe(status);
  return image as ImageOf<S>;
}

/** One word per image to compare in catalog order: its failure reason when it failed, else its status. */
export function outcome(image: ImageRecord): string {
  return image.status === 'failed' ? image.reason : image.status;
}

/** The failure reason of an image, undefined when it did not fail. */
export function reasonOf(image: ImageRecord | undefined): string | undefined {
  return image?.status === 'failed' ? image.reason : undefined;
}

/** The blob key of the image's original, undefined where it has none (pending, or failed before download). */
export function originalKeyOf(image: ImageRecord | undefined): string | undefined {
  return image && 'originalKey' in image ? image.originalKey : undefined;
}

/** The blob key of the image's mask, undefined where it has none. */
export function maskedKeyOf(image: ImageRecord | undefined): string | undefined {
  return image && 'maskedKey' in image ? image.maskedKey : undefined;
}
