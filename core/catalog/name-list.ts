import { CATALOG_LIMITS as L } from './limits.ts';
import { quote } from './validate.ts';

/** Names for a message, quoted: `"a", "b" and 3 more`, at most CATALOG_LIMITS.maxIgnoredNamesListed of them. */
export function listNames(names: readonly string[], total = names.length): string {
  const shown = names.slice(0, L.maxIgnoredNamesListed).map((n) => quote(n));
  const more = total - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
