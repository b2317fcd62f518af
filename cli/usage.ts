import { CLOUD_USAGE } from './cloud-ingest/cloud-args.ts';
import { MODELS_USAGE } from './models-command.ts';

/** `threadfinder --help`. */
export const USAGE = `Usage: threadfinder <command> [options]

Commands:
  start [--catalog FILE]   ingest a catalog (default: the bundled sample), then serve search
  ingest FILE              ingest a catalog and exit
  serve                    serve search over what is already ingested (read-only: may run beside an ingest)
  models list|fetch|verify list, download or check the models (threadfinder models --help)
  plan CATALOG [--cloud]   before a run: what is already here, how long it takes here, what it costs in the cloud
  check [--repair|--cloud] check the data dir's (or with --cloud the bucket's and Atlas's) integrity, read-only;
                           --repair sets damage aside and writes a catalog of the affected products to ingest
                           (threadfinder check --help)
  gc [--apply] [--cloud]   delete originals, masks, cached vectors and URL records no stored product uses, and
                           old run files, locally or with --cloud in the bucket; a dry run unless --apply
                           (threadfinder gc --help)
  eval [--queries FILE]    measure retrieval quality of the index: view consistency, attribute queries, labelled
                           queries; --json FILE, --compare A.json B.json (threadfinder eval --help)

Options:
  --format auto|urls|csv|jsonl   catalog format (default: auto-detected)
  --group-size N                 images per product in a plain URL list (default 3)
  --skip-ingest                  start: serve without ingesting
  --prune                        delete stored products that are not in this catalog (skipped if a batch failed)
  --force-refresh                download every image again, ignoring ETags and freshness from earlier runs
  --no-segment                   embed each photo as downloaded, without cutting the garment out (for eval --compare)
  --embed-model ID               embedding model (default THREADFINDER_EMBED_MODEL, else marqo-fashion-siglip)
  --segment-model ID             segmentation model (default THREADFINDER_SEGMENT_MODEL, else u2net_cloth_seg)

Exit codes: 0 done; 2 bad input or configuration; 3 models missing (or could not be fetched); 4 ingested, but catalog rows were refused,
a batch failed, nothing was stored or the run was interrupted (see the summary); 5 the environment failed (disk
full, permission denied, too many open files: the message names the path); 6 check found damage;
7 refused: another ingestion (or gc) holds the data dir, or gc found the index damaged (run it again later);
130 interrupted (Ctrl-C, or SIGTERM as docker stop sends it).

Environment: PORT (default 3000), THREADFINDER_HOST (default 127.0.0.1), THREADFINDER_MODELS=test (tiny
stand-in models: results are meaningless), THREADFINDER_DATA_DIR (default .threadfinder),
THREADFINDER_MODELS_DIR (default <data dir>/models), THREADFINDER_GARMENT_CLASSES (default upper,lower,full),
THREADFINDER_IMAGE_FIT (pad|model, default pad); see docs/configuration.md for the rest.

${CLOUD_USAGE}

${MODELS_USAGE}`;

/** Printed whenever the stand-in models run. */
export const TEST_MODELS_BANNER = `
  ***************************************************************************************
  *  THREADFINDER_MODELS=test: running with tiny generated stand-in models.             *
  *  Every stage runs for real, but vectors are meaningless and so are search results.  *
  ***************************************************************************************
`;
