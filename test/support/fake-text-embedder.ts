import { createHash } from 'node:crypto';
import type { TextEmbedder } from '#core/ports/models.ts';
import { normalize } from '#core/vectors.ts';

/** A deterministic TextEmbedder: chosen texts map to chosen vectors, others to a unit vector hashed from the text. */
export class FakeTextEmbedder implements TextEmbedder {
  /** Every batch it was asked to embed, in order. */
  readonly calls: string[][] = [];

  constructor(
    readonly modelId: string,
    readonly dim: number,
    private readonly chosen: Record<string, number[]> = {},
  ) {
    for (const [text, v] of Object.entries(chosen)) {
      if (v.length !== dim)
        throw new RangeError(`vector for "${text}" has ${v.length} values, expected ${dim}`);
    }
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return texts.map((t) => normalize(this.chosen[t] ?? this.hashed(t)));
  }

  private hashed(text: string): number[] {
    const out: number[] = [];
    for (let block = 0; out.length < this.dim; block++) {
      const digest = createHash('sha256').update(`${block}:${text}`).digest();
      for (const byte of digest) if (out.length < this.dim) out.push(byte - 127.5);
    }
    return out;
  }
}
