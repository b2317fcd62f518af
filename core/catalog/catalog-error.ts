import { InputError } from '#core/errors.ts';

/** A problem with one place in a catalog file; prints as `file:line: message`. */
export class CatalogError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly message: string,
  ) {}

  toString(): string {
    return `${this.file}:${this.line}: ${this.message}`;
  }
}

/** The catalog as a whole cannot be read (empty, too big, unknown header, bad options). */
export class CatalogFormatError extends InputError {
  override name = 'CatalogFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}: ${detail}`, 'invalid_catalog', options);
  }
}

/** The catalog was read but yields no usable product; `errors` holds every refused row. */
export class EmptyCatalogError extends CatalogFormatError {
  override name = 'EmptyCatalogError';
  constructor(
    file: string,
    readonly errors: readonly CatalogError[],
    firstLine: number,
  ) {
    super(file, errors[0]?.line ?? firstLine, describeEmpty(errors));
  }
}

const SHOWN_ERRORS = 5;

function describeEmpty(errors: readonly CatalogError[]): string {
  if (errors.length === 0) return 'the catalog has no products (only a header)';
  const lines = [
    `no usable product in the catalog (${errors.length} errors); the first:`,
    ...errors.slice(0, SHOWN_ERRORS).map((e) => `  ${e.toString()}`),
  ];
  if (errors.length > SHOWN_ERRORS) lines.push(`  ... and ${errors.length - SHOWN_ERRORS} more`);
  return lines.join('\n');
}
