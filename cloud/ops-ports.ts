import { S3Client } from '@aws-sdk/client-s3';
import {
  type ExecutionStatus,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { MongoClientOptions } from 'mongodb';
import { MongoVectorStore } from '#adapters/mongo-vector-store.ts';
import { S3BlobStore } from '#adapters/s3-blob-store.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { VectorStore } from '#core/ports/vector-store.ts';
import { readMongoUri, type SecretReader } from './mongo-uri.ts';

// The ports of the operator's commands on a deployed stack (`check --cloud`, `gc --cloud`), run from a
// workstation: the data bucket, Atlas, and whether an ingestion is running. Tests pass fakes for each.

/** An execution of the ingestion state machine that has not ended. */
export interface ActiveIngestion {
  arn: string;
  name: string;
  status: string;
  startedAt?: Date;
}

/** Port: the ingestions running now. gc must not delete beside one, and check's findings may be transient. */
export interface RunningIngestions {
  /** What is watched, for messages (the state machine's ARN). */
  readonly where: string;
  /** Executions running or about to be redriven now; empty when none. */
  list(): Promise<ActiveIngestion[]>;
}

/** The Step Functions call SfnRunningIngestions makes; an `SFNClient` is one, a test passes a fake. */
export interface ExecutionLister {
  send(command: ListExecutionsCommand): Promise<ListExecutionsCommandOutput>;
}

/** Statuses of an execution that may still write to the bucket and Atlas. */
const ACTIVE: readonly ExecutionStatus[] = ['RUNNING', 'PENDING_REDRIVE'];

/** RunningIngestions over Step Functions: ListExecutions of the state machine, RUNNING and PENDING_REDRIVE. */
export class SfnRunningIngestions implements RunningIngestions {
  constructor(
    private readonly client: ExecutionLister,
    private readonly stateMachineArn: string,
  ) {}

  get where(): string {
    return this.stateMachineArn;
  }

  async list(): Promise<ActiveIngestion[]> {
    const found: ActiveIngestion[] = [];
    for (const statusFilter of ACTIVE) {
      const page = await this.client.send(
        new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, statusFilter, maxResults: 10 }),
      );
      for (const e of page.executions ?? []) {
        found.push({
          arn: e.executionArn ?? '',
          name: e.name ?? '',
          status: e.status ?? statusFilter,
          ...(e.startDate ? { startedAt: e.startDate } : {}),
        });
      }
    }
    return found;
  }
}

/** Where the deployed stack's data lives, as the operator's commands read it (checked by the caller). */
export interface CloudOpsSettings {
  bucket: string;
  /** AWS region of the clients; undefined: the SDK's chain (AWS_REGION, the profile). */
  region?: string;
  /** The Atlas connection string itself (MONGODB_URI), or the secret that holds it. */
  mongo: { uri: string } | { secretArn: string };
  database: string;
  collection: string;
  indexName: string;
  /** The ingestion state machine; undefined when not set (check then cannot say whether one runs). */
  stateMachineArn?: string;
}

/** Injected clients and stores (tests: s3rver's client, an in-memory store, a fake Step Functions). */
export interface CloudOpsClients {
  s3?: S3Client;
  sfn?: ExecutionLister;
  secrets?: SecretReader;
  store?: VectorStore;
}

/** The opened ports; `close()` releases what was opened here (injected clients are left to their owner). */
export interface CloudOpsPorts {
  bucket: string;
  /** The bucket's client, for the listing and batch deletes of `S3BlobInventory`. */
  s3: S3Client;
  blobs: BlobStore;
  store: VectorStore;
  /** `Atlas database.collection`, for messages. */
  storeWhere: string;
  ingestions?: RunningIngestions;
  close(): Promise<void>;
}

/**
 * A workstation's Atlas client: a larger pool than a Lambda's (the commands keep 32 reads in flight), and
 * more patience to reach the cluster.
 */
const CLI_MONGO_OPTIONS: MongoClientOptions = {
  appName: 'threadfinder-cli',
  maxPoolSize: 16,
  serverSelectionTimeoutMS: 15_000,
  connectTimeoutMS: 10_000,
};

/**
 * Opens the cloud ports of `check --cloud` and `gc --cloud`. Only reading the Atlas secret (when no URI is
 * given) touches the network here; the clients connect on first use.
 */
export async function openCloudOpsPorts(
  settings: CloudOpsSettings,
  clients: CloudOpsClients = {},
): Promise<CloudOpsPorts> {
  const storeWhere = `Atlas ${settings.database}.${settings.collection}`;
  const store = clients.store ?? (await openAtlas(settings, clients.secrets));
  const s3 =
    clients.s3 ??
    new S3Client({
      region: settings.region,
      followRegionRedirects: true,
      maxAttempts: 4,
      retryMode: 'standard',
    });
  const sfn = settings.stateMachineArn
    ? (clients.sfn ?? new SFNClient({ region: settings.region, maxAttempts: 4 }))
    : undefined;
  return {
    bucket: settings.bucket,
    s3,
    blobs: new S3BlobStore({ bucket: settings.bucket, client: s3 }),
    store,
    storeWhere,
    ...(sfn && settings.stateMachineArn
      ? { ingestions: new SfnRunningIngestions(sfn, settings.stateMachineArn) }
      : {}),
    async close() {
      if (!clients.store) await store.close();
      if (!clients.s3) s3.destroy();
      if (!clients.sfn && sfn instanceof SFNClient) sfn.destroy();
    },
  };
}

async function openAtlas(settings: CloudOpsSettings, secrets?: SecretReader): Promise<VectorStore> {
  const uri =
    'uri' in settings.mongo ? settings.mongo.uri : await readMongoUri(settings.mongo.secretArn, secrets);
  return MongoVectorStore.fromUri(uri, {
    database: settings.database,
    collection: settings.collection,
    indexName: settings.indexName,
    client: CLI_MONGO_OPTIONS,
  });
}
