import { z } from 'zod';
import { InputError } from '#core/errors.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import type { ApiRequest } from './api-types.ts';
import { fetchQueryImage, type ImageUrlLimits } from './image-url.ts';
import { readMultipartFile, type UploadedFile } from './multipart.ts';
import { RequestError } from './request-error.ts';

/**
 * Content types of a raw image body: the raster formats a catalog photo may be. The label only admits the body;
 * its bytes decide, as for catalog photos (core/image/check.ts), so a GIF labelled image/png is read as the GIF
 * it is, and SVG or HTML under any label is refused.
 */
export const IMAGE_BODY_TYPES: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
  'image/heif',
  'image/heic',
];

/** Where the query image came from, as the response's `queryImage` says. */
export type QueryImageSource = 'upload' | 'url';

/** The query image of a POST /api/search, not yet checked. */
export interface QueryImage extends UploadedFile {
  source: QueryImageSource;
}

const MAX_JSON_BYTES = 16 * 1024;
const jsonBody = z.strictObject({ imageUrl: z.string() });

/** How the image of a request is read. */
export interface ImageRequestDeps {
  http: HttpClient;
  limits: ImageUrlLimits;
}

/**
 * Reads the image a POST /api/search carries: a raw image body (IMAGE_BODY_TYPES), the multipart file field
 * `image`, or JSON `{"imageUrl"}` fetched through `http`. Throws InputError (415 for another content type).
 */
export async function readQueryImage(req: ApiRequest, deps: ImageRequestDeps): Promise<QueryImage> {
  const header = req.headers['content-type'] ?? '';
  const type = header.split(';')[0]?.trim().toLowerCase() ?? '';
  const body = req.body ?? new Uint8Array();
  if (type === '') {
    throw new RequestError(
      415,
      'POST /api/search needs a Content-Type: an image type (image/jpeg, image/png, image/webp...), multipart/form-data or application/json',
      'unsupported_media_type',
    );
  }
  if (body.byteLength === 0) {
    throw new InputError(
      'the request has no body: send an image, a multipart form or {"imageUrl": ...}',
      'missing_image',
    );
  }
  if (IMAGE_BODY_TYPES.includes(type)) return { bytes: body, contentType: type, source: 'upload' };
  if (type === 'multipart/form-data') {
    const file = await readMultipartFile(body, header, { field: 'image', maxBytes: deps.limits.maxBytes });
    return { ...file, source: 'upload' };
  }
  if (type === 'application/json') {
    const url = parseJson(body);
    return { ...(await fetchQueryImage(url, deps.http, deps.limits)), source: 'url' };
  }
  throw new RequestError(
    415,
    `content type ${JSON.stringify(type.slice(0, 100))} is not accepted; send ${IMAGE_BODY_TYPES.join(', ')}, multipart/form-data (field "image") or application/json {"imageUrl": ...}`,
    'unsupported_media_type',
  );
}

function parseJson(body: Uint8Array): string {
  if (body.byteLength > MAX_JSON_BYTES) {
    throw new RequestError(413, `a JSON body may be at most ${MAX_JSON_BYTES} bytes`, 'payload_too_large');
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new InputError('the body is not valid UTF-8 JSON', 'invalid_json');
  }
  const parsed = jsonBody.safeParse(value);
  if (!parsed.success) {
    throw new InputError('the JSON body must be exactly {"imageUrl": "https://..."}', 'invalid_json');
  }
  return parsed.data.imageUrl;
}
