import { Binary } from 'mongodb';
import { decodeHalf, encodeHalf } from '#adapters/half-float.ts';
import { InputError } from '#core/errors.ts';
import type { EmbedSettings, ProductImageVectors } from '#core/ports/vector-store.ts';

/** One image's vector as stored in a product document's `imageVectors` array. */
export interface ImageVectorDocument {
  /** Position of the image in the product's catalog image list. */
  i: number;
  /** Little-endian binary16 components (generic binary subtype: BSON's vector subtype has no 16-bit type). */
  v: Binary;
}

/** The fields a product document gains: its image vectors and the settings that produced them. */
export interface ImageVectorFields {
  imageVectors: ImageVectorDocument[];
  imageSettings: EmbedSettings;
}

/** The `$set` that stores `entry` on its product document; each vector must have `dim` finite components. */
export function imageVectorsUpdate(entry: ProductImageVectors, dim: number): ImageVectorFields {
  return {
    imageVectors: entry.images.map((image) => {
      if (image.vector.length !== dim || !image.vector.every(Number.isFinite)) {
        throw new InputError(
          `putImageVectors: product ${JSON.stringify(entry.id)} image ${image.index} is not a finite ${dim}-d vector`,
        );
      }
      return { i: image.index, v: new Binary(encodeHalf(image.vector)) };
    }),
    imageSettings: { ...entry.settings },
  };
}

/** Reads the image vectors back from a document projected to `imageVectors` and `imageSettings`. */
export function fromImageVectorsDocument(
  doc: { _id: string } & Partial<ImageVectorFields>,
): ProductImageVectors {
  return {
    id: doc._id,
    settings: doc.imageSettings ?? { embedModel: 'unknown' },
    images: (doc.imageVectors ?? []).map((image) => ({
      index: image.i,
      vector: decodeHalf(image.v.buffer),
    })),
  };
}
