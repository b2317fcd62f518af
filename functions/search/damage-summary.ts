import type { StoreDamage } from '#core/ports/vector-store.ts';

/** Record kinds that hold no product: losing one loses none. */
const NOT_PRODUCTS = new Set(['bind', 'header']);

/**
 * Damaged lines that may have held a product but name none that still reads (garbage, a cut-off record): each
 * may hide a missing product that `productIds` cannot list.
 */
export function unidentifiedLines(damage: StoreDamage): number {
  return damage.lines.filter((l) => l.ids.length === 0 && !NOT_PRODUCTS.has(l.kind ?? '')).length;
}

/** The tail that says how many damaged lines name no product, e.g. `2 damaged line(s) whose product ...`. */
export function unidentifiedPhrase(count: number): string {
  return `${count} damaged line(s) whose product cannot be identified`;
}

/**
 * What `/healthz` says of a damaged index: every damaged line counted, the products named (the server log lists
 * them) and the lines that name none.
 */
export function damageMessage(damage: StoreDamage): string {
  const skipped = `the index had ${damage.lines.length} damaged line(s) (${damage.bytes} bytes) that were skipped`;
  return `${skipped}; ${lossOf(damage.productIds.length, unidentifiedLines(damage))}`;
}

function lossOf(products: number, unidentified: number): string {
  const named = `${products} product(s) may be missing or out of date (the server log names them)`;
  if (unidentified === 0) return named;
  const unnamed = unidentifiedPhrase(unidentified);
  if (products === 0) return `${unnamed}: the products they held may be missing or out of date`;
  return `${named}, and ${unnamed}`;
}
