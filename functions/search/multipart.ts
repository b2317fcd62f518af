import { Busboy } from '@fastify/busboy';
import { InputError } from '#core/errors.ts';
import { RequestError } from './request-error.ts';

/** The one file a multipart image search carries. */
export interface UploadedFile {
  bytes: Uint8Array;
  /** The part's own Content-Type when it names an image type; otherwise the magic bytes decide. */
  contentType?: string;
}

/**
 * Reads the file field `field` out of a whole multipart/form-data body. Refuses any other field or file, a
 * second file, a file over `maxBytes` (413) and a body that ends mid-part; throws InputError naming what.
 */
export function readMultipartFile(
  body: Uint8Array,
  contentType: string,
  options: { field: string; maxBytes: number },
): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { 'content-type': contentType },
        limits: {
          files: 1,
          fields: 1,
          fieldSize: 1024,
          parts: 1,
          fileSize: options.maxBytes,
          headerPairs: 20,
        },
      });
    } catch (cause) {
      reject(
        new InputError(`multipart body cannot be read: ${message(cause)}`, 'invalid_multipart', { cause }),
      );
      return;
    }
    let file: Promise<UploadedFile> | undefined;
    let refusal: InputError | undefined;
    const refuse = (error: InputError) => {
      refusal ??= error;
    };
    parser.on('file', (name, stream, _filename, _encoding, mimeType) => {
      if (name !== options.field || file) {
        stream.resume();
        refuse(unexpected(name, options.field));
        return;
      }
      file = new Promise((done, fail) => {
        stream.on('error', (cause) => fail(truncated(cause)));
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('limit', () =>
          refuse(
            new RequestError(413, `the image is larger than ${options.maxBytes} bytes`, 'payload_too_large'),
          ),
        );
        stream.on('end', () => {
          const bytes = Buffer.concat(chunks);
          done(mimeType.startsWith('image/') ? { bytes, contentType: mimeType } : { bytes });
        });
      });
    });
    parser.on('field', (name) =>
      refuse(
        name === options.field
          ? new InputError(`multipart field "${name}" must be a file, not text`, 'missing_image')
          : unexpected(name, options.field),
      ),
    );
    parser.on('fieldsLimit', () => refuse(unexpected('(a text field)', options.field)));
    parser.on('partsLimit', () =>
      refuse(new InputError('multipart body has more than one part', 'invalid_multipart')),
    );
    parser.on('filesLimit', () =>
      refuse(new InputError('multipart body has more than one file', 'invalid_multipart')),
    );
    parser.on('error', (cause) => reject(refusal ?? truncated(cause)));
    parser.on('finish', () => {
      if (refusal) return reject(refusal);
      if (!file) {
        return reject(new InputError(`multipart body has no file field "${options.field}"`, 'missing_image'));
      }
      file.then((f) => (refusal ? reject(refusal) : resolve(f)), reject);
    });
    parser.end(body);
  });
}

function truncated(cause: unknown): InputError {
  return new InputError(`multipart body cannot be read: ${message(cause)}`, 'invalid_multipart', { cause });
}

function unexpected(name: string, field: string): InputError {
  const shown = name.length > 50 ? `${name.slice(0, 47)}...` : name;
  return new InputError(
    `unexpected multipart field ${JSON.stringify(shown)}; send the image as the only field, "${field}"`,
    'unexpected_field',
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
