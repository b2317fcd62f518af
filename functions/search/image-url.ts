import { HttpClientError, InputError } from '#core/errors.ts';
import { capDetail } from '#core/failure-reasons.ts';
import type { HttpClient } from '#core/ports/http-client.ts';
import type { UploadedFile } from './multipart.ts';
import { RequestError } from './request-error.ts';

/** Limits of fetching a query image from a URL. */
export interface ImageUrlLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/** Longest image URL accepted, in characters. */
export const MAX_IMAGE_URL_CHARS = 2048;

/**
 * Fetches the image a search names by URL, once (the shopper is waiting), through `http`, which refuses
 * private and loopback targets before connecting. Every failure is the caller's: InputError with a code
 * (`invalid_image_url`, `blocked_host`, `image_fetch_failed`, 413 `payload_too_large`).
 */
export async function fetchQueryImage(
  url: string,
  http: HttpClient,
  limits: ImageUrlLimits,
): Promise<UploadedFile> {
  checkUrl(url);
  let response: Awaited<ReturnType<HttpClient['get']>>;
  try {
    response = await http.get(url, limits);
  } catch (error) {
    if (!(error instanceof HttpClientError)) throw error;
    throw fetchError(error);
  }
  if (response.status < 200 || response.status > 299) {
    throw new InputError(
      `the image URL answered HTTP ${response.status}, not an image`,
      'image_fetch_failed',
    );
  }
  return {
    bytes: response.body,
    contentType: response.headers['content-type'] ?? 'application/octet-stream',
  };
}

function checkUrl(url: string): void {
  if (url.length > MAX_IMAGE_URL_CHARS) {
    throw new InputError(
      `"imageUrl" has ${url.length} characters; the limit is ${MAX_IMAGE_URL_CHARS}`,
      'invalid_image_url',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(
      '"imageUrl" is not an absolute URL such as https://shop.example/a.jpg',
      'invalid_image_url',
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InputError(`"imageUrl" must be http or https, not ${parsed.protocol}`, 'invalid_image_url');
  }
  if (parsed.username || parsed.password) {
    throw new InputError('"imageUrl" may not carry a user name or password', 'invalid_image_url');
  }
}

function fetchError(error: HttpClientError): InputError {
  const detail = capDetail(error.message);
  switch (error.reason) {
    case 'blocked_host':
      return new InputError(`the image URL points to a private or local address: ${detail}`, 'blocked_host', {
        cause: error,
      });
    case 'invalid_url':
      return new InputError(`the image URL cannot be fetched: ${detail}`, 'invalid_image_url', {
        cause: error,
      });
    case 'too_large':
      return new RequestError(413, `the image at that URL is too large: ${detail}`, 'payload_too_large', {
        cause: error,
      });
    default:
      return new InputError(
        `the image URL could not be fetched (${error.reason}): ${detail}`,
        'image_fetch_failed',
        {
          cause: error,
        },
      );
  }
}
