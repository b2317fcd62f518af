import { describe, expect, it } from 'vitest';
import { InputError } from '#core/errors.ts';
import { decodeVector, encodeVector } from '#core/vector-codec.ts';

describe('vector codec', () => {
  it('encodes little-endian float32 bytes as base64', () => {
    // Act
    const text = encodeVector(Float32Array.from([1, -2]));
    // Assess
    expect(text).toBe('AACAPwAAAMA=');
  });

  it('round-trips vectors exactly, including subarrays and plain number arrays', () => {
    // Prepare
    const big = Float32Array.from({ length: 515 }, (_, i) => Math.sin(i) * 1e-3);
    // Act
    const back = decodeVector(encodeVector(big.subarray(3)), { dim: 512 });
    const fromArray = decodeVector(encodeVector([0.1, 0.2]));
    // Assess
    expect(Array.from(back)).toEqual(Array.from(big.subarray(3)));
    expect(Array.from(fromArray)).toEqual(Array.from(Float32Array.from([0.1, 0.2])));
  });

  it.each([
    ['text that is not base64', 'not base64!', 'expected base64'],
    ['a byte count that is not a multiple of four', 'AACA', 'not a whole number'],
    ['a wrong dimension', 'AACAPwAAAMA=', 'has 2 dimensions, expected 3'],
    ['a NaN component', encodeVector([Number.NaN]), 'component 0 is NaN'],
  ])('rejects %s with an InputError naming where', (_what, text, message) => {
    // Act
    const act = () =>
      decodeVector(text, { dim: text === 'AACAPwAAAMA=' ? 3 : undefined, where: 'batch 1 product p' });
    // Assess
    expect(act).toThrow(InputError);
    expect(act).toThrow(`batch 1 product p: `);
    expect(act).toThrow(message);
  });
});
