import path from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { readPlanRecord } from '#cli/plan/plan-record.ts';
import { loadConfig } from '#core/config.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import type { CloudArgs } from './cloud-args.ts';
import { runCloudIngest } from './run-cloud-ingest.ts';
import { regionOfArn } from './target.ts';

/**
 * `threadfinder ingest --cloud`: real AWS clients, Ctrl-C to stop watching (twice to quit at once).
 * The clients use the region in the state machine's (or watched execution's) ARN, else the SDK's default chain.
 * @returns the exit code
 */
export async function runCloudCommand(
  args: CloudArgs & { prune: boolean },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const region = regionOfArn(args.watch ?? args.stateMachineArn ?? env[CLOUD_ENV.stateMachineArn]);
  const sfn = new SFNClient({ region });
  const s3 = new S3Client({ region, followRegionRedirects: true });
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    const result = await runCloudIngest(
      { ...args, env, signal: controller.signal },
      { sfn, s3, sleep, now: Date.now, out: process.stdout, plans: localPlans(env) },
    );
    return result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    sfn.destroy();
    s3.destroy();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal }).catch(() => undefined);
}

/** The plans `threadfinder plan --cloud` kept in the local data dir (THREADFINDER_DATA_DIR). */
function localPlans(env: Readonly<Record<string, string | undefined>>) {
  const blobs = new FsBlobStore(path.join(loadConfig(env as NodeJS.ProcessEnv).dataDir, 'blobs'));
  return { read: (file: string) => readPlanRecord(blobs, file) };
}
