/** What decides whether a finished run needs a look, as both the local and the cloud CLI read it. */
export interface RunFacts {
  productsStored: number;
  /** Embedded batches the aggregate step could not store. */
  batchesFailed: number;
  /** Batches whose child execution failed before embedding, and their products. */
  batchesNotEmbedded: number;
  productsNotEmbedded: number;
  /** Reasons the Map Run's results could not be read in full. */
  mapResultsProblems: number;
  /** Catalog rows or values the parser refused. */
  catalogErrors: number;
  /** The run ended early: too many batches failed, or it was stopped with products not processed. */
  incomplete: boolean;
}

/**
 * The one policy behind exit code 4 (`ingest` and `ingest --cloud`): the run finished, but it stored nothing,
 * lost products to failed batches, could not read its own results, or refused catalog rows.
 */
export function needsAttention(f: RunFacts): boolean {
  return (
    f.incomplete ||
    f.productsStored === 0 ||
    f.batchesFailed > 0 ||
    f.batchesNotEmbedded > 0 ||
    f.productsNotEmbedded > 0 ||
    f.mapResultsProblems > 0 ||
    f.catalogErrors > 0
  );
}
