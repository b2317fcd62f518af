/** Parses JSON bytes; `fail` builds the error thrown for bad JSON. */
export function parseJson(bytes: Uint8Array, what: string, fail: (message: string) => Error): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw fail(`${what} is not JSON: ${(error as Error).message}`);
  }
}
