import { InputError } from '../errors.ts';

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
