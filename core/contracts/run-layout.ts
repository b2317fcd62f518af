/**
 * Every blob key and prefix of the data bucket (S3) and the local blob store, in one place: the stages write
 * and read them from here, and infra grants each function its prefixes from the same table.
 *
 * | prefix | what | written by |
 * |---|---|---|
 * | `catalogs/` | uploaded catalogs | `ingest --cloud`, the local runner |
 * | `originals/<sha256>.<ext>` | downloaded images, content-addressed | download |
 * | `urls/<sha256 of URL>.json` | what earlier runs learnt about a URL | download |
 * | `masked/<model>/mask/<sha256>[.nogarment].png` | garment masks (one channel); cut-outs are made on demand | segment |
 * | `masked/<model>/<rrggbb>/<sha256>[.nogarment].png` | cut-outs on the flat colour, as stored before masks (read only) | segment |
 * | `runs/<runId>/` | a run's items, product list, problems, embedded batches, host reports, summary | prepare, download, embed, aggregate |
 * | `map-results/<runId>/` | the Distributed Map's ResultWriter output | Step Functions |
 * | `embeddings/<model>/<original sha256>/<sha256>.f32` | one image's vector, named by what produced it (the embedding cache; gc drops it with its original) | embed |
 */
export const PREFIXES = {
  catalogs: 'catalogs/',
  runs: 'runs/',
  mapResults: 'map-results/',
  originals: 'originals/',
  masked: 'masked/',
  urls: 'urls/',
  embeddings: 'embeddings/',
} as const;

export type Prefix = keyof typeof PREFIXES;

/** Where a run's files live. */
export const runPrefix = (runId: string): string => `${PREFIXES.runs}${runId}/`;
/** The Distributed Map's item file (its ItemReader key). */
export const itemsKey = (runId: string): string => `${runPrefix(runId)}items.json`;
/** The catalog's refused rows and warnings, when there are any. */
export const problemsKey = (runId: string): string => `${runPrefix(runId)}catalog-problems.txt`;
/** The catalog's product ids, written at run start and read by a pruning aggregate. */
export const productListKey = (runId: string): string => `${runPrefix(runId)}products.json`;
/** The run's full summary. */
export const summaryKey = (runId: string): string => `${runPrefix(runId)}summary.json`;
/** The embedded batches an aggregation that completed had stored, written just before its summary. */
export const aggregatedKey = (runId: string): string => `${runPrefix(runId)}aggregated.json`;
/** The embed stage's batch files. */
export const embeddedPrefix = (runId: string): string => `${runPrefix(runId)}embedded/`;
/** One batch's embeddings, named by the batch's digest so a retry overwrites. */
export const embeddedKey = (runId: string, batchDigest: string): string =>
  `${embeddedPrefix(runId)}${batchDigest}.json`;
/** What the run's download batches saw of paused hosts. */
export const hostReportsPrefix = (runId: string): string => `${runPrefix(runId)}hosts/`;
/** One batch's host report, stable across its passes and retries. */
export const hostReportKey = (runId: string, batchDigest: string): string =>
  `${hostReportsPrefix(runId)}${batchDigest}.json`;
/** Where the Distributed Map's ResultWriter writes (no trailing slash: Step Functions adds its own). */
export const mapResultsPrefix = (runId: string): string => `${PREFIXES.mapResults}${runId}`;
/** `runs/<file>` outside any run's folder: `check --repair` catalogs. */
export const repairCatalogKey = (stamp: string): string => `${PREFIXES.runs}check-${stamp}-repair.csv`;

/** A downloaded image, named by the SHA-256 of its bytes. */
export const originalKey = (sha256: string, ext: string): string => `${PREFIXES.originals}${sha256}.${ext}`;
/** The prefix that finds an original of a given hash whatever its extension. */
export const originalsOfHash = (sha256: string): string => `${PREFIXES.originals}${sha256}.`;
/** The record of a URL, named by the SHA-256 of the canonical URL. */
export const urlRecordKey = (urlSha256: string): string => `${PREFIXES.urls}${urlSha256}.json`;

const hex = (rgb: readonly number[]) => rgb.map((c) => c.toString(16).padStart(2, '0')).join('');

/** The content hash a key is named after: `originals/<hash>.<ext>`, `masked/<model>/<colour>/<hash>[.nogarment].png`. */
export function contentHashOf(key: string): string {
  return (key.split('/').pop() ?? '').replace(/(\.nogarment)?\.[a-z0-9]+$/i, '');
}

/** Keys of an original's garment mask: one when a garment was found, one (a marker) when not. */
export function maskKeys(original: string, segmenterId: string) {
  const base = contentHashOf(original);
  const prefix = `${PREFIXES.masked}${segmenterId}/mask/${base}`;
  return { found: `${prefix}.png`, notFound: `${prefix}.nogarment.png` };
}

/** True for a garment mask's key; false for a stored cut-out (the layout before masks). */
export function isMaskKey(key: string): boolean {
  return /^masked\/[^/]+\/mask\//.test(key);
}

/** True for the key of an image in which no garment was found (mask or cut-out). */
export function isNoGarmentKey(key: string): boolean {
  return key.endsWith('.nogarment.png');
}

/**
 * Keys of a stored cut-out of an original, the layout before masks: one when a garment was found, one when not.
 * Read only: data dirs and buckets written before masks keep working without segmenting again.
 */
export function maskedKeys(original: string, segmenterId: string, background: readonly number[]) {
  const base = contentHashOf(original);
  const prefix = `${PREFIXES.masked}${segmenterId}/${hex(background)}/${base}`;
  return { found: `${prefix}.png`, notFound: `${prefix}.nogarment.png` };
}

/** Where the local runner puts a catalog file it reads from disk (`catalogs/local/<path hash>/<name>`). */
export const localCatalogKey = (pathHash: string, name: string): string =>
  `${PREFIXES.catalogs}local/${pathHash}/${name}`;

/** The IAM grant pattern of every run's host reports (`runs/*\/hosts/`). */
export const HOST_REPORTS_GRANT = `${PREFIXES.runs}*/hosts/`;

/**
 * The tag vocabulary's text vectors for one embedding model, named by the vocabulary's hash (core/tags/prompts.ts):
 * written by the embed stage when absent, read by the aggregate step. A file directly under `runs/` (no run's
 * folder), so it is a cache: the bucket's lifecycle rule and `gc` age it out and the next embed writes it again.
 */
export const tagVocabularyKey = (modelId: string, vocabularyHash: string): string =>
  `${PREFIXES.runs}tag-vocabulary-${modelId}-${vocabularyHash}.json`;

/**
 * An image's cached vector: little-endian float32, filed under its original's content hash (so gc can drop it
 * with the original) and named by the SHA-256 of everything that produced it (the content-addressed original
 * and mask keys, the model, the settings), so a re-ingestion where nothing changed reads it instead of running
 * the model.
 */
export const embeddingKey = (modelId: string, originalHash: string, inputDigest: string): string =>
  `${PREFIXES.embeddings}${modelId.replace(/[^A-Za-z0-9._-]/g, '_')}/${originalHash}/${inputDigest}.f32`;
