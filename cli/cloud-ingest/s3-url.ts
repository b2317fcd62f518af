import { InputError } from '#core/errors.ts';

/** An object in S3, named by bucket and key. */
export interface S3Location {
  bucket: string;
  key: string;
}

const MAX_KEY_BYTES = 1024;

/** Parses `s3://bucket/key`; throws InputError saying what is wrong (bucket name rules, empty key). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]*)\/?(.*)$/s.exec(url);
  if (!match) throw new InputError(`not an S3 URL: ${JSON.stringify(url)} (expected s3://BUCKET/KEY)`);
  const bucket = match[1] ?? '';
  const key = match[2] ?? '';
  const problem = bucketNameProblem(bucket);
  if (problem) throw new InputError(`${JSON.stringify(url)}: bucket ${JSON.stringify(bucket)} ${problem}`);
  if (key === '') throw new InputError(`${JSON.stringify(url)} names no object: expected s3://BUCKET/KEY`);
  if (key.endsWith('/')) throw new InputError(`${JSON.stringify(url)} names a folder, not a catalog file`);
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new InputError(`${JSON.stringify(url)}: the key is longer than ${MAX_KEY_BYTES} bytes`);
  }
  if (/\p{Cc}/u.test(key)) throw new InputError(`${JSON.stringify(url)}: the key has control characters`);
  return { bucket, key };
}

/** Why a name is not a valid general purpose S3 bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may only hold lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not have two dots in a row';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap)$/.test(name)) {
    return 'uses a prefix or suffix that S3 reserves';
  }
  return undefined;
}

/** `s3://bucket/key`. */
export const s3Url = (location: S3Location): string => `s3://${location.bucket}/${location.key}`;
