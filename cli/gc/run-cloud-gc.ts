import type { CloudOpsPorts, CloudOpsSettings } from '#cloud/ops-ports.ts';
import { describeIngestion, runningIngestions } from './cloud-ops.ts';
import { collectGarbage, type GcOptions } from './collect.ts';
import { GcRefusedError } from './errors.ts';
import type { GcReport } from './run-gc.ts';
import { S3BlobInventory } from './s3-inventory.ts';

/**
 * How long a blob is spared after it was written, whatever references it (1 hour). The bucket has no lock to
 * hold against an ingestion, so this covers what the checks for a running execution cannot see: an execution
 * that started a moment ago (ListExecutions may lag), Lambda tasks still writing after their execution was
 * stopped or timed out (15 minutes at most), and a download or segment that wrote a blob its product is not
 * stored with yet.
 */
export const DEFAULT_CLOUD_GRACE_MS = 3600 * 1000;

/** Options of `gc --cloud`. */
export interface CloudGcOptions extends GcOptions {
  graceMs: number;
}

/**
 * Garbage collection of the deployed stack's bucket against the products in Atlas: the local gc's rules over
 * S3 (ListObjectsV2 pages, DeleteObjects batches of up to 1000 keys, a HeadObject of each first that spares
 * an object written again since it was listed), plus a grace period. Refused while an execution of the
 * ingestion state machine is running, checked again before each batch; refused when Atlas holds no product.
 */
export async function runCloudGc(
  ports: CloudOpsPorts,
  settings: CloudOpsSettings,
  options: CloudGcOptions,
): Promise<GcReport> {
  const started = performance.now();
  const stateMachineArn = settings.stateMachineArn ?? '';
  const writer = async (): Promise<string | undefined> => {
    const active = (await runningIngestions(ports, settings)) ?? [];
    return active[0]
      ? `an ingestion is running: ${describeIngestion(active[0], stateMachineArn)}`
      : undefined;
  };
  const running = await writer();
  if (running) throw new GcRefusedError(`${running}; run gc --cloud once it is done`);
  if ((await ports.store.count()) === 0) {
    throw new GcRefusedError(
      `${ports.storeWhere} holds no product: gc keeps what the index references, and without one it would delete every image; are THREADFINDER_MONGODB_DATABASE and THREADFINDER_MONGODB_COLLECTION right?`,
    );
  }
  const collected = await collectGarbage(
    {
      stores: [ports.store],
      blobs: ports.blobs,
      inventory: new S3BlobInventory({ bucket: ports.bucket, client: ports.s3 }),
      writer,
    },
    options,
  );
  return {
    dataDir: `s3://${ports.bucket}/ against ${ports.storeWhere}`,
    apply: options.apply,
    ...collected,
    phases: { ...collected.phases, compactMs: 0 },
    indexes: [],
    graceMs: options.graceMs,
    watched: stateMachineArn,
    elapsedMs: performance.now() - started,
  };
}
