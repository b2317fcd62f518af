/** Caps applied to every catalog, whatever its format. */
export const CATALOG_LIMITS = Object.freeze({
  maxUrlLength: 2048,
  maxIdLength: 256,
  maxMetadataValueLength: 2048,
  maxMetadataKeyLength: 128,
  maxMetadataFields: 64,
  maxImagesPerProduct: 20,
  /**
   * A product's bytes as a pipeline item (id, metadata, image URLs). Well under a Distributed Map batch's input
   * cap (MAX_INPUT_BYTES_PER_BATCH, 96 KiB, which an item must fit alone) and the 256 KiB state limit, with room
   * for what the stages add to each image; a test holds the two apart.
   */
  maxProductBytes: 32 * 1024,
  maxFileBytes: 200 * 1024 * 1024,
  /**
   * CSV syntax errors listed one by one. Reading never stops at them (each refuses its own row); the ones after
   * these are counted in one summary problem, so a file of stray quotes cannot flood the problems list.
   */
  maxCsvSyntaxErrorsListed: 100,
  /** Ignored metadata column names (CSV) or keys (JSON Lines) a warning names before "and N more". */
  maxIgnoredNamesListed: 10,
});
