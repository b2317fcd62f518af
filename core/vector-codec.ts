import { InputError } from './errors.ts';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes a vector as base64 of its little-endian Float32 bytes. */
export function encodeVector(vector: ArrayLike<number>): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  if (littleEndianHost && vector instanceof Float32Array) {
    bytes.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  } else {
    for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] as number, true);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes base64 little-endian Float32 bytes; throws InputError naming `where` on malformed text,
 * a length other than `dim` (when given) or a non-finite component.
 */
export function decodeVector(text: string, options: { dim?: number; where?: string } = {}): Float32Array {
  const where = options.where ?? 'vector';
  if (typeof text !== 'string' || !base64Pattern.test(text)) {
    throw new InputError(`${where}: expected base64 text of little-endian float32 values`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) {
    throw new InputError(`${where}: ${bytes.length} bytes is not a whole number of float32 values`);
  }
  const length = bytes.length / 4;
  if (options.dim !== undefined && length !== options.dim) {
    throw new InputError(`${where}: has ${length} dimensions, expected ${options.dim}`);
  }
  const out = new Float32Array(length);
  if (littleEndianHost) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  for (let i = 0; i < length; i++) {
    const x = out[i] as number;
    if (!Number.isFinite(x)) throw new InputError(`${where}: component ${i} is ${x}`);
  }
  return out;
}
