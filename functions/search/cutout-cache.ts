/** Bytes of recently made cut-outs kept by default (a page of results shows 18 of ~0.3-1 MB each). */
export const CUTOUT_CACHE_BYTES = 48 * 1024 * 1024;

/** Cut-outs made at once; more requests wait their turn (each one decodes a photo and its mask). */
export const CUTOUT_BUILDS_AT_ONCE = 4;

/**
 * The page's cut-outs by ETag: recently made ones kept up to a byte budget (least recently used out first), a
 * cut-out being made shared by every request for it meanwhile, and at most CUTOUT_BUILDS_AT_ONCE made at once.
 * An ETag names the stored mask and the background (content-addressed), so a kept cut-out cannot go stale.
 */
export class CutoutCache {
  private readonly kept = new Map<string, Uint8Array>();
  private readonly making = new Map<string, Promise<Uint8Array>>();
  private keptBytes = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxBytes = CUTOUT_CACHE_BYTES,
    private readonly atOnce = CUTOUT_BUILDS_AT_ONCE,
  ) {}

  /** The cut-out for `etag`: kept, being made, or made now by `make` (a failure is not kept). */
  get(etag: string, make: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.kept.get(etag);
    if (hit) {
      this.kept.delete(etag);
      this.kept.set(etag, hit);
      return Promise.resolve(hit);
    }
    const pending = this.making.get(etag);
    if (pending) return pending;
    const made = this.inTurn(make).then(
      (png) => {
        this.making.delete(etag);
        this.keep(etag, png);
        return png;
      },
      (error: unknown) => {
        this.making.delete(etag);
        throw error;
      },
    );
    this.making.set(etag, made);
    return made;
  }

  /** Cut-outs kept, and their bytes. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.kept.size, bytes: this.keptBytes };
  }

  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    // A finished build hands its slot to the next in line, so no late arrival can slip in between.
    if (this.running < this.atOnce) this.running++;
    else await new Promise<void>((go) => this.waiting.push(go));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private keep(etag: string, png: Uint8Array): void {
    if (png.byteLength > this.maxBytes / 8) return;
    this.kept.set(etag, png);
    this.keptBytes += png.byteLength;
    for (const [oldest, bytes] of this.kept) {
      if (this.keptBytes <= this.maxBytes) break;
      this.kept.delete(oldest);
      this.keptBytes -= bytes.byteLength;
    }
  }
}
