import type {
  CopyObjectCommand,
  CopyObjectCommandOutput,
  GetObjectCommand,
  GetObjectCommandOutput,
  HeadObjectCommand,
  HeadObjectCommandOutput,
  PutObjectCommand,
  PutObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type {
  DescribeExecutionCommand,
  DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  DescribeMapRunCommandOutput,
  ListMapRunsCommand,
  ListMapRunsCommandOutput,
  StartExecutionCommand,
  StartExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import type { PlanRecord } from '#cli/plan/plan-record.ts';

/** Per-call options, as the SDK clients take them. */
export interface SendOptions {
  abortSignal?: AbortSignal;
}

/**
 * The Step Functions calls a cloud ingestion makes; an `SFNClient` is one, a test passes a fake.
 * @example const sfn: SfnSender = new SFNClient({ region });
 */
export interface SfnSender {
  send(command: StartExecutionCommand, options?: SendOptions): Promise<StartExecutionCommandOutput>;
  send(command: DescribeExecutionCommand, options?: SendOptions): Promise<DescribeExecutionCommandOutput>;
  send(command: ListMapRunsCommand, options?: SendOptions): Promise<ListMapRunsCommandOutput>;
  send(command: DescribeMapRunCommand, options?: SendOptions): Promise<DescribeMapRunCommandOutput>;
}

/**
 * The S3 calls that place a catalog in the data bucket and read a run's summary; an `S3Client` is one, a test passes a fake.
 * @example const s3: S3Sender = new S3Client({ region, followRegionRedirects: true });
 */
export interface S3Sender {
  send(command: HeadObjectCommand, options?: SendOptions): Promise<HeadObjectCommandOutput>;
  send(command: PutObjectCommand, options?: SendOptions): Promise<PutObjectCommandOutput>;
  send(command: CopyObjectCommand, options?: SendOptions): Promise<CopyObjectCommandOutput>;
  send(command: GetObjectCommand, options?: SendOptions): Promise<GetObjectCommandOutput>;
}

/** Where progress and the summary are written: `process.stdout` or a test's buffer. */
export interface CloudOutput {
  write(text: string): unknown;
  /** Redraw one progress line in place (a terminal) instead of a line per change. */
  isTTY?: boolean;
}

/** What a cloud ingestion needs from the world. */
export interface CloudIngestDeps {
  sfn: SfnSender;
  s3: S3Sender;
  /** Waits `ms`, resolving early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Epoch milliseconds. */
  now(): number;
  out: CloudOutput;
  /** In [0, 1): jitter for backoff. Default Math.random. */
  random?: () => number;
  /** Random hex for execution names. Default crypto. */
  randomHex?: (bytes: number) => string;
  /** The last `plan --cloud` of a local catalog file, to hold the run against; absent: no comparison. */
  plans?: { read(file: string): Promise<PlanRecord | undefined> };
}
