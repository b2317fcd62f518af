import { describeIngestion, runningIngestions } from '#cli/gc/cloud-ops.ts';
import { S3BlobInventory } from '#cli/gc/s3-inventory.ts';
import type { CloudOpsPorts, CloudOpsSettings } from '#cloud/ops-ports.ts';
import { PREFIXES } from '#core/contracts/run-layout.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { BlobChecker, BlobPresenceChecker } from './blob-decodes.ts';
import { type BoundModel, checkBinding } from './check-index.ts';
import { checkProducts } from './check-products.ts';
import { checkRuns } from './check-runs.ts';
import { checkUrlRecords } from './check-url-records.ts';
import { type AreaResult, type CheckReport, damagedProductIds } from './findings.ts';
import type { KeyPages } from './key-pages.ts';

/** Requests in flight at once: each is a round trip to S3 or Atlas. */
const CONCURRENCY = 32;
const SHOWN_IDS = 20;

/** How `check --cloud` looks at images. */
export interface CloudCheckOptions {
  /** Download and fully decode every image (costs a GET and the transfer of each); else a HEAD of each. */
  decode: boolean;
  /** Keys per ListObjectsV2 page, 1 to 1000 (default 1000). */
  pageSize?: number;
}

/**
 * `check --cloud`: the local check's checks over the deployed stack, read-only (only List, Head and Get
 * requests to the bucket, reads from Atlas). Atlas is bound to the configured model; every stored product's
 * vector is unit length and its masked images and originals exist (and decode, with `decode`); URL records
 * are readable and point to an existing original; run folders are complete. Products are read from Atlas's
 * cursor a chunk at a time and URL records and run files a ListObjectsV2 page at a time, so neither the
 * index nor the bucket's listing is held whole; what stays is the set of image keys already checked.
 */
export async function checkCloud(
  ports: CloudOpsPorts,
  settings: CloudOpsSettings,
  model: BoundModel,
  options: CloudCheckOptions,
): Promise<CheckReport> {
  const started = performance.now();
  // Whether an ingestion runs only qualifies the findings: a denied or failed look is said, not fatal.
  let unknown: string | undefined;
  const look = () =>
    runningIngestions(ports, settings).catch((error: unknown) => {
      unknown = error instanceof Error ? error.message : String(error);
      return undefined;
    });
  const before = await look();
  const inventory = new S3BlobInventory({
    bucket: ports.bucket,
    client: ports.s3,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  const keyPages = (prefix: string) => keysOf(inventory.pages(prefix));
  const images = options.decode ? new BlobChecker(ports.blobs) : new BlobPresenceChecker(ports.blobs);
  const areas: AreaResult[] = [await checkBinding(ports.store, ports.storeWhere, model)];
  areas.push(await checkProducts(ports.store, ports.blobs, images, { concurrency: CONCURRENCY }));
  areas.push(await checkUrlRecords(ports.blobs, keyPages(PREFIXES.urls), CONCURRENCY));
  areas.push(await checkRuns(ports.blobs, keyPages(PREFIXES.runs)));
  areas.push({ checked: { imageBlobs: images.count }, findings: [] });
  const after = await look();
  const running = [...(before ?? []), ...(after ?? [])];
  const findings = areas.flatMap((a) => a.findings);
  const affected = damagedProductIds(findings);
  return {
    dataDir: `s3://${ports.bucket}/ and ${ports.storeWhere}`,
    checked: Object.assign({}, ...areas.map((a) => a.checked)),
    findings,
    writerActive: running.length > 0,
    ...(running[0]
      ? { writer: `${describeIngestion(running[0], settings.stateMachineArn ?? '')} was running` }
      : {}),
    notes: [
      'Read-only: nothing in the bucket or in Atlas was changed (S3 List, Head and Get requests, Atlas reads only).',
      options.decode
        ? 'Images were downloaded and fully decoded.'
        : 'Images were checked to exist (one HEAD each), not decoded: --decode downloads and decodes each (a GET and its transfer per image).',
      ...(unknown
        ? [`Whether an ingestion was running is unknown: ${unknown}.`]
        : before === undefined
          ? [
              `Whether an ingestion was running is unknown: set ${CLOUD_ENV.stateMachineArn} to have the check say so.`,
            ]
          : running.length === 0
            ? [
                `No execution of ${settings.stateMachineArn} was running when the check started or when it ended.`,
              ]
            : []),
    ],
    remedy: remedyFor(affected),
    elapsedMs: performance.now() - started,
  };
}

/** What to do about cloud damage: ingest a catalog listing the affected products again. */
function remedyFor(affected: string[]): string {
  const listed = affected.slice(0, SHOWN_IDS).join(', ');
  const more = affected.length > SHOWN_IDS ? ` and ${affected.length - SHOWN_IDS} more` : '';
  return [
    'check --cloud repairs nothing (see threadfinder check --help).',
    affected.length > 0
      ? `Ingest a catalog that lists the affected products (${listed}${more}) with threadfinder ingest --cloud: missing images are downloaded and segmented again and the products stored again.`
      : 'Ingesting the catalog again with threadfinder ingest --cloud makes missing images again; a URL record that points nowhere is only a lost hint (its URL is downloaded again).',
  ].join('\n');
}

async function* keysOf(pages: AsyncIterable<{ key: string }[]>): KeyPages {
  for await (const page of pages) yield page.map((e) => e.key);
}
