/** Caps applied to every catalog, whatever its format. */
export const CATALOG_LIMITS = Object.freeze({
  maxUrlLength: 2048,
  maxIdLength: 256,
  maxMetadataValueLength: 2048,
  maxMetadataKeyLength: 128,
  maxMetadataFields: 64,
  maxImagesPerProduct: 20,
  maxFileBytes: 200 * 1024 * 1024,
  /** CSV syntax errors after which parsing stops (each one restarts the CSV reader). */
  maxCsvSyntaxErrors: 100,
});
