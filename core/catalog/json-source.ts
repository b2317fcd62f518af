const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SPACE = /[ \t\n\r]*/y;

/**
 * The text of the number a valid JSON object gives its top-level `key` (the last one, as JSON.parse keeps), as
 * written: JSON.parse rounds 12345678901234567890 to 12345678901234567000, and a message should quote the file.
 * Undefined when that key holds no number.
 */
export function topLevelNumberText(json: string, key: string): string | undefined {
  let depth = 0;
  let atKey = false;
  let lastKey: string | undefined;
  let found: string | undefined;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const end = stringEnd(json, i);
      if (depth === 1 && atKey) lastKey = JSON.parse(json.slice(i, end + 1)) as string;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      atKey = depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (depth === 1 && c === ',') {
      atKey = true;
    } else if (depth === 1 && c === ':') {
      atKey = false;
      if (lastKey === key) found = numberAt(json, i + 1);
    }
  }
  return found;
}

// Index of the quote that closes the string opening at `start`.
function stringEnd(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === '\\') i++;
    else if (json[i] === '"') return i;
  }
  return json.length;
}

function numberAt(json: string, from: number): string | undefined {
  SPACE.lastIndex = from;
  SPACE.exec(json);
  NUMBER.lastIndex = SPACE.lastIndex;
  return NUMBER.exec(json)?.[0];
}
