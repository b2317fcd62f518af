import type { StoreDamage, VectorStore } from '#core/ports/vector-store.ts';
import { unidentifiedLines, unidentifiedPhrase } from '#functions/search/damage-summary.ts';

const SHOWN = 5;

/** The CLI's warning about a damaged index: counts, the first damaged lines, and what to do. */
export function damageWarning(damage: StoreDamage): string {
  const { lines, bytes } = damage;
  const out = [
    `WARNING: the index ${damage.file} is damaged: ${lines.length} damaged line(s), ${bytes} bytes, were skipped; every other record was kept.`,
    `  ${lossOf(damage)}`,
    ...lines.slice(0, SHOWN).map((l) => `  ${describeLine(l)}`),
    ...(lines.length > SHOWN ? [`  ... and ${lines.length - SHOWN} more damaged line(s)`] : []),
    damage.setAsideTo
      ? `  The damaged bytes were set aside in ${damage.setAsideTo}; the log was rewritten without them.`
      : '  Opened read-only: nothing was changed. `threadfinder check --repair` or the next ingest sets the damage aside.',
    '  Ingest the catalog again to restore the products (threadfinder check --repair lists them in a catalog).',
  ];
  return out.join('\n');
}

/** Prints the store's damage warning on stderr when it has one; returns whether it did. */
export function warnIfDamaged(store: VectorStore, warn: (text: string) => void = console.warn): boolean {
  const damage = store.damage?.();
  if (damage) warn(damageWarning(damage));
  return Boolean(damage);
}

/** The products the damage may have cost: those named, then the count of damaged lines that name none. */
function lossOf(damage: StoreDamage): string {
  const { productIds } = damage;
  const unidentified = unidentifiedLines(damage);
  const unnamed = unidentifiedPhrase(unidentified);
  if (productIds.length === 0) {
    return unidentified > 0
      ? `${unnamed}: the products they held may be missing from search or out of date.`
      : 'No product id is readable in the damaged lines.';
  }
  const shownIds = productIds.slice(0, 10).join(', ') + (productIds.length > 10 ? ', ...' : '');
  const named = `${productIds.length} product(s) may be missing from search or out of date: ${shownIds}`;
  return unidentified > 0 ? `${named}; and ${unnamed}` : named;
}

function describeLine(l: StoreDamage['lines'][number]): string {
  const what = [l.kind, ...l.ids].filter(Boolean).join(' ');
  return `line ${l.line} at byte ${l.offset} (${l.bytes} bytes): ${l.fault}${what ? ` [${what}]` : ''}`;
}
