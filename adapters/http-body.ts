import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Dispatcher } from 'undici';
import { HttpClientError } from '#core/errors.ts';

type Decoder = (body: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;
/** Content codings a server may use although we ask for identity; each output is capped like a plain body. */
const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

/** Drops a body we will not read; undici reports the early close as an 'error' event, which is expected here. */
export function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * Reads a response body within `maxBytes` (declared and actual length, and again once decoded) and undoes a
 * gzip, deflate or br coding, dropping content-encoding from `headers` once decoded. A 304 has no body.
 */
export async function readBody(
  res: Dispatcher.ResponseData,
  headers: Record<string, string>,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  if (res.statusCode === 304) return notModified(res);
  const raw = await readCapped(res, headers['content-length'], maxBytes, url);
  return decodeBody(raw, headers, maxBytes, url);
}

/**
 * Ends a 304, which has no body. Its Content-Length may state the size of the image it stands for (RFC 9110
 * 8.6); undici reports that as a length mismatch, which is no error here.
 */
async function notModified(res: Dispatcher.ResponseData): Promise<Uint8Array> {
  try {
    await res.body.arrayBuffer();
  } catch (error) {
    if ((error as { code?: string }).code !== 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') throw error;
  }
  return new Uint8Array(0);
}

async function readCapped(
  res: Dispatcher.ResponseData,
  contentLength: string | undefined,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (declared > maxBytes) {
    discard(res.body);
    throw new HttpClientError(
      `${url} declares ${declared} bytes, over the limit of ${maxBytes}`,
      'too_large',
      false,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      discard(res.body);
      throw new HttpClientError(`${url} sent more than ${maxBytes} bytes`, 'too_large', false);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

async function decodeBody(
  body: Uint8Array,
  headers: Record<string, string>,
  maxBytes: number,
  url: string,
): Promise<Uint8Array> {
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (!coding || coding === 'identity' || body.length === 0) return body;
  const decode = DECODERS[coding];
  if (!decode) {
    throw new HttpClientError(
      `${url} sent unsupported content-encoding ${JSON.stringify(coding)}`,
      'http_error',
      false,
    );
  }
  try {
    const decoded = await decode(body, { maxOutputLength: maxBytes });
    delete headers['content-encoding'];
    return decoded;
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new HttpClientError(
      tooLarge
        ? `${url} sent more than ${maxBytes} bytes once decoded (content-encoding ${coding})`
        : `${url} sent a body that is not valid ${coding}: ${(error as Error).message}`,
      tooLarge ? 'too_large' : 'http_error',
      false,
      { cause: error },
    );
  }
}
