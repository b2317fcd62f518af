import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { explainAwsError, oneLine } from '#cli/cloud-ingest/aws-errors.ts';
import { regionOfArn } from '#cli/cloud-ingest/target.ts';
import {
  type ActiveIngestion,
  type CloudOpsPorts,
  type CloudOpsSettings,
  openCloudOpsPorts,
} from '#cloud/ops-ports.ts';
import type { Config } from '#core/config.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { ConfigError, ThreadfinderError } from '#core/errors.ts';

// What `check --cloud` and `gc --cloud` share: their settings, opening the stack's ports with a first call to
// each (so a wrong name or a missing permission is said before any work), and AWS and Atlas faults in words.

/** The variable that gives the Atlas connection string directly (as the Atlas contract suite reads it). */
export const MONGODB_URI_ENV = 'MONGODB_URI';

type Env = Readonly<Record<string, string | undefined>>;

/** What a cloud command may take from outside: the environment and how the ports are opened (tests: fakes). */
export interface CloudOpsDeps {
  /** Read for MONGODB_URI and THREADFINDER_STATE_MACHINE_ARN (default `process.env`). */
  env?: Env;
  /** Opens the ports (default `openCloudOpsPorts` with real AWS and Atlas clients). */
  open?: (settings: CloudOpsSettings) => Promise<CloudOpsPorts>;
  /** Epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/** The settings of `command`; a ConfigError names every variable missing, and where the stack prints it. */
export function cloudOpsSettings(
  config: Config,
  env: Env,
  command: string,
  needs: { stateMachine: boolean },
): CloudOpsSettings {
  const bucket = config.cloud.bucket;
  const uri = env[MONGODB_URI_ENV]?.trim();
  const secretArn = config.cloud.mongoSecretArn;
  const stateMachineArn = env[CLOUD_ENV.stateMachineArn]?.trim() || undefined;
  const missing = [
    !bucket && `${CLOUD_ENV.bucket} (the data bucket: the stack output BucketName)`,
    !uri &&
      !secretArn &&
      `${CLOUD_ENV.mongoSecretArn} (the stack output MongoSecretArn) or ${MONGODB_URI_ENV} (the Atlas connection string itself)`,
    needs.stateMachine &&
      !stateMachineArn &&
      `${CLOUD_ENV.stateMachineArn} (the stack output StateMachineArn: gc refuses while an ingestion runs)`,
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0 || !bucket) {
    throw new ConfigError(`${command} needs ${missing.join('; and ')}`);
  }
  const region = regionOfArn(stateMachineArn);
  if (stateMachineArn && (!region || !stateMachineArn.includes(':stateMachine:'))) {
    throw new ConfigError(
      `${CLOUD_ENV.stateMachineArn}=${JSON.stringify(stateMachineArn)} is not a state machine ARN (expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)`,
    );
  }
  return {
    bucket,
    ...(region ? { region } : {}),
    mongo: uri ? { uri } : { secretArn: secretArn as string },
    database: config.cloud.mongoDatabase,
    collection: config.cloud.mongoCollection,
    indexName: config.cloud.mongoIndex,
    ...(stateMachineArn ? { stateMachineArn } : {}),
  };
}

/**
 * Opens the ports and makes one cheap call to the bucket (a one-key listing) and to Atlas (its binding), so a
 * wrong name, missing credentials or a denied permission stop the command at once with the resource named.
 */
export async function openCloudOps(settings: CloudOpsSettings, deps: CloudOpsDeps): Promise<CloudOpsPorts> {
  const open = deps.open ?? ((s: CloudOpsSettings) => openCloudOpsPorts(s));
  const ports = await open(settings).catch((error: unknown) => {
    throw cloudFault(error, settings, 'opening MongoDB Atlas');
  });
  try {
    await ports.s3
      .send(new ListObjectsV2Command({ Bucket: settings.bucket, MaxKeys: 1 }))
      .catch((error: unknown) => {
        throw cloudFault(error, settings, `listing the bucket s3://${settings.bucket}/`);
      });
    await ports.store.info().catch((error: unknown) => {
      throw cloudFault(error, settings, `reading ${ports.storeWhere}`);
    });
  } catch (error) {
    await ports.close().catch(() => undefined);
    throw error;
  }
  return ports;
}

/** The ingestions running now, with Step Functions' faults in words. */
export async function runningIngestions(
  ports: CloudOpsPorts,
  settings: CloudOpsSettings,
): Promise<ActiveIngestion[] | undefined> {
  if (!ports.ingestions) return undefined;
  return ports.ingestions.list().catch((error: unknown) => {
    throw cloudFault(error, settings, `listing the running executions of ${ports.ingestions?.where}`);
  });
}

/** One running ingestion in words: "execution NAME (RUNNING since T) of ARN". */
export function describeIngestion(e: ActiveIngestion, stateMachineArn: string): string {
  const since = e.startedAt ? ` since ${e.startedAt.toISOString()}` : '';
  return `execution ${e.name || e.arn} (${e.status}${since}) of ${stateMachineArn}`;
}

/**
 * An AWS or Atlas fault as one line naming the resource and the setting to fix: a missing bucket, state
 * machine or secret, a denied permission, unreachable Atlas. Errors of our own pass through.
 * @param action what was being done, e.g. "listing the bucket s3://b/"
 */
export function cloudFault(error: unknown, settings: CloudOpsSettings, action: string): unknown {
  if (error instanceof ThreadfinderError || !error || typeof error !== 'object') return error;
  const e = error as { name?: string; message?: string };
  const name = e.name ?? '';
  const detail = oneLine(e.message ?? name);
  if (name === 'NoSuchBucket') {
    return new ConfigError(
      `the bucket ${settings.bucket} does not exist (in this account and region): check ${CLOUD_ENV.bucket} against the stack output BucketName`,
      { cause: error },
    );
  }
  if (name === 'StateMachineDoesNotExist' || name === 'InvalidArn') {
    return new ConfigError(
      `the state machine ${settings.stateMachineArn} ${name === 'InvalidArn' ? 'is not a valid ARN' : 'does not exist'}: check ${CLOUD_ENV.stateMachineArn} against the stack output StateMachineArn`,
      { cause: error },
    );
  }
  if (name === 'ResourceNotFoundException' && 'secretArn' in settings.mongo) {
    return new ConfigError(
      `the secret ${settings.mongo.secretArn} does not exist or holds no value yet: check ${CLOUD_ENV.mongoSecretArn} against the stack output MongoSecretArn, or set ${MONGODB_URI_ENV}`,
      { cause: error },
    );
  }
  if (name.startsWith('Mongo')) {
    const source = 'uri' in settings.mongo ? MONGODB_URI_ENV : `the secret ${settings.mongo.secretArn}`;
    return new CloudOpsError(
      `MongoDB Atlas failed while ${action} (connection string from ${source}): ${name}: ${detail}`,
      { cause: error },
    );
  }
  return explainAwsError(error, action);
}

/** Atlas or AWS failed in a way the operator has to look at (network, permissions, the cluster). */
export class CloudOpsError extends ThreadfinderError {
  override name = 'CloudOpsError';
}
