import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  type MapRunItemCounts,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { CloudIngestDeps } from '#cli/cloud-ingest/ports.ts';

/** An error shaped like the AWS SDK's service errors. */
export function awsError(name: string, status = 400, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(`${name} (fake)`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  });
}

interface Call {
  name: string;
  input: Record<string, unknown>;
}

/** Failures to throw before answering a command, by command name. */
class Failures {
  private readonly queued = new Map<string, Error[]>();

  add(name: string, ...errors: Error[]): void {
    this.queued.set(name, [...(this.queued.get(name) ?? []), ...errors]);
  }

  throwIfQueued(name: string): void {
    const error = this.queued.get(name)?.shift();
    if (error) throw error;
  }
}

interface StoredObject {
  body: Buffer;
  metadata?: Record<string, string>;
  contentType?: string;
  etag: string;
}

/** An in-memory S3 answering HeadObject, PutObject, CopyObject and GetObject. */
export class FakeS3 {
  readonly objects = new Map<string, StoredObject>();
  readonly calls: Call[] = [];
  readonly failures = new Failures();

  put(bucket: string, key: string, body: string | Buffer, metadata?: Record<string, string>): void {
    const bytes = Buffer.from(body);
    this.objects.set(`${bucket}/${key}`, { body: bytes, metadata, etag: etagOf(bytes) });
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  // biome-ignore lint/suspicious/noExplicitAny: one fake answers every overload of the port
  async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<any> {
    const { name, input } = describe(command);
    this.calls.push({ name, input });
    if (options?.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    this.failures.throwIfQueued(name);
    if (command instanceof HeadObjectCommand) {
      const found = this.get(String(input.Bucket), String(input.Key));
      if (!found) throw awsError('NotFound', 404);
      return { ContentLength: found.body.length, ETag: found.etag, Metadata: found.metadata };
    }
    if (command instanceof PutObjectCommand) {
      const body = await bytesOf(command.input.Body);
      const sha = createHash('sha256').update(body).digest('base64');
      if (command.input.ChecksumSHA256 && command.input.ChecksumSHA256 !== sha) throw awsError('BadDigest');
      this.objects.set(`${input.Bucket}/${input.Key}`, {
        body,
        metadata: command.input.Metadata,
        contentType: command.input.ContentType,
        etag: etagOf(body),
      });
      return {};
    }
    if (command instanceof CopyObjectCommand) {
      const source = String(input.CopySource);
      const slash = source.indexOf('/');
      const found = this.get(source.slice(0, slash), decodeURIComponent(source.slice(slash + 1)));
      if (!found) throw awsError('NoSuchKey', 404);
      if (command.input.CopySourceIfMatch && command.input.CopySourceIfMatch !== found.etag) {
        throw awsError('PreconditionFailed', 412);
      }
      this.objects.set(`${input.Bucket}/${input.Key}`, { ...found, metadata: command.input.Metadata });
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const found = this.get(String(input.Bucket), String(input.Key));
      if (!found) throw awsError('NoSuchKey', 404);
      return { Body: { transformToString: async () => found.body.toString('utf8') } };
    }
    throw new Error(`FakeS3 does not answer ${name}`);
  }
}

/** One moment of a scripted execution, returned by successive DescribeExecution calls. */
export interface Step {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  items?: Partial<MapRunItemCounts>;
  mapStatus?: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** When the execution started and stopped (DescribeExecution's startDate and stopDate). */
  startDate?: Date;
  stopDate?: Date;
}

export const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:tf-ingest';

/** A scripted Step Functions: each DescribeExecution moves one step on (and stays on the last). */
export class FakeSfn {
  readonly calls: Call[] = [];
  readonly failures = new Failures();
  private at = -1;
  private name = 'run-watched';

  constructor(private readonly steps: Step[]) {}

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  get executionArn(): string {
    return `arn:aws:states:eu-west-1:123456789012:execution:tf-ingest:${this.name}`;
  }

  // biome-ignore lint/suspicious/noExplicitAny: one fake answers every overload of the port
  async send(command: unknown): Promise<any> {
    const { name, input } = describe(command);
    this.calls.push({ name, input });
    this.failures.throwIfQueued(name);
    const step = this.steps[Math.max(this.at, 0)] ?? { status: 'RUNNING' };
    if (command instanceof StartExecutionCommand) {
      this.name = String(input.name);
      return { executionArn: this.executionArn, startDate: new Date() };
    }
    if (command instanceof DescribeExecutionCommand) {
      this.at = Math.min(this.at + 1, this.steps.length - 1);
      const now = this.steps[this.at] ?? step;
      return {
        executionArn: input.executionArn,
        stateMachineArn: STATE_MACHINE_ARN,
        name: String(input.executionArn).split(':').pop(),
        status: now.status,
        ...(now.output !== undefined && { output: JSON.stringify(now.output) }),
        ...(now.error && { error: now.error }),
        ...(now.cause && { cause: now.cause }),
        ...(now.startDate && { startDate: now.startDate }),
        ...(now.stopDate && { stopDate: now.stopDate }),
      };
    }
    if (command instanceof ListMapRunsCommand) {
      return { mapRuns: step.items ? [{ mapRunArn: `${this.executionArn}:map-run` }] : [] };
    }
    if (command instanceof DescribeMapRunCommand) {
      return { mapRunArn: input.mapRunArn, status: step.mapStatus ?? 'RUNNING', itemCounts: step.items };
    }
    throw new Error(`FakeSfn does not answer ${name}`);
  }
}

/** What the run wrote, and whether it draws a terminal's redrawn line. */
export class FakeOutput {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): void {
    this.text += chunk;
  }
}

/** Deps with a clock that only moves when the run sleeps; `onSleep` lets a test act mid-run (Ctrl-C). */
export function fakeDeps(
  sfn: FakeSfn,
  s3 = new FakeS3(),
  options: { tty?: boolean; onSleep?: (count: number) => void } = {},
) {
  let clock = Date.UTC(2025, 0, 2, 3, 4, 5);
  const sleeps: number[] = [];
  const out = new FakeOutput(options.tty);
  const deps: CloudIngestDeps = {
    sfn,
    s3,
    out,
    now: () => clock,
    sleep: async (ms) => {
      // A watch loop that never ends would otherwise spin without yielding, past the test's timeout.
      if (sleeps.length >= 1000) throw new Error('the run slept 1000 times: is it looping?');
      sleeps.push(ms);
      clock += ms;
      options.onSleep?.(sleeps.length);
    },
    random: () => 0.5,
    randomHex: () => 'abcd1234',
  };
  return { deps, sleeps, out, s3, sfn };
}

function describe(command: unknown): Call {
  const c = command as { constructor: { name: string }; input: Record<string, unknown> };
  return { name: c.constructor.name.replace(/Command$/, ''), input: c.input };
}

async function bytesOf(body: unknown): Promise<Buffer> {
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  }
  return Buffer.from(body as string);
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
