/** Returns a unit-length copy of `v`; a zero vector stays zero. */
export function normalize(v: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2;
  const norm = Math.sqrt(sum);
  const out = new Float32Array(v.length);
  if (norm === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

/** Dot product; equals cosine similarity for unit vectors. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Mean of unit vectors, re-normalised to unit length. */
export function meanOfUnitVectors(vectors: ArrayLike<number>[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new RangeError('mean of zero vectors');
  const acc = new Float64Array(first.length);
  for (const v of vectors) {
    if (v.length !== acc.length) throw new RangeError(`vector lengths differ: ${v.length} vs ${acc.length}`);
    const unit = normalize(v);
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (unit[i] as number);
  }
  return normalize(acc);
}
