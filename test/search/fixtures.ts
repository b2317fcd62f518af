import type { ProductRecord } from '#core/types.ts';
import { FakeTextEmbedder } from '#test/support/fake-text-embedder.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

export const MODEL = 'test/fashion-2d';

/** A unit vector in the plane at `degrees`, padded with zeros to `dim`. */
export function at(degrees: number, dim = 2): number[] {
  const r = (degrees * Math.PI) / 180;
  return [Math.cos(r), Math.sin(r), ...new Array<number>(dim - 2).fill(0)];
}

export function cosDeg(degrees: number): number {
  return Math.cos((degrees * Math.PI) / 180);
}

/** Products on the unit circle: the angle between two products is their (in)similarity. */
export const CATALOG: { id: string; angle: number; category: string; price: number }[] = [
  { id: 'a', angle: 0, category: 'dress', price: 10 },
  { id: 'b', angle: 20, category: 'dress', price: 20 },
  { id: 'c', angle: 50, category: 'shirt', price: 30 },
  { id: 'd', angle: 75, category: 'dress', price: 40 },
  { id: 'e', angle: 90, category: 'shirt', price: 50 },
  { id: 'f', angle: 120, category: 'dress', price: 60 },
  { id: 'g', angle: 170, category: 'coat', price: 70 },
  { id: 'h', angle: 200, category: 'coat', price: 80 },
];

export function record(id: string, angle: number, metadata: ProductRecord['metadata'] = {}): ProductRecord {
  return {
    id,
    vector: Float32Array.from(at(angle)),
    images: [`https://cdn.example.com/${id}/2.jpg`, `https://cdn.example.com/${id}/1.jpg`],
    metadata: { name: `product ${id}`, ...metadata },
    imagesUsed: 2,
  };
}

/** A store holding CATALOG, bound to MODEL. */
export async function catalogStore(): Promise<MemoryVectorStore> {
  const store = new MemoryVectorStore();
  await store.bind({ model: MODEL, dim: 2 });
  await store.upsert(CATALOG.map((p) => record(p.id, p.angle, { category: p.category, price: p.price })));
  return store;
}

/** Embeds "shirt at thirty" at 30 degrees (nearest product: b at 20) and anything else by hash. */
export function textEmbedder(model = MODEL): FakeTextEmbedder {
  return new FakeTextEmbedder(model, 2, { 'shirt at thirty': at(30), 'coat at 180': at(180) });
}
