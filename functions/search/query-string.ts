import { InputError } from '#core/errors.ts';

const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * Splits a raw query string (`a=1&b=x+y`) into decoded name/value pairs, strictly: a `%` not followed by two
 * hex digits, or escapes that do not form UTF-8, throw InputError('invalid_encoding') naming the parameter,
 * where URLSearchParams would silently substitute U+FFFD.
 */
export function decodeQueryString(raw: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodePart(eq === -1 ? part : part.slice(0, eq), 'a parameter name');
    const value = decodePart(eq === -1 ? '' : part.slice(eq + 1), `parameter ${JSON.stringify(name)}`);
    pairs.push([name, value]);
  }
  return pairs;
}

function decodePart(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    const bad = BAD_ESCAPE.exec(text);
    const where = bad ? `at ${JSON.stringify(text.slice(bad.index, bad.index + 3))}` : 'that is not UTF-8';
    throw new InputError(
      `${what} has invalid percent-encoding ${where} (write %XX with two hex digits, encoding UTF-8)`,
      'invalid_encoding',
    );
  }
}
