import { Duration, Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CLOUD_ENV } from '#core/env-names.ts';
import type { FunctionCode } from './function-code.ts';
import type { DeploySettings } from './settings.ts';

/** One function's sizing: memory decides its vCPUs (1,769 MB = 1 vCPU, 10,240 MB = 6). */
export interface FunctionSizing {
  memoryMb: number;
  timeout: Duration;
  /** ONNX Runtime intra-op threads: the vCPUs the memory buys. */
  onnxThreads?: number;
}

/** Sizing of every function, justified in docs/deploy.md. */
export const SIZING = {
  prepare: { memoryMb: 1024, timeout: Duration.minutes(5) },
  download: { memoryMb: 2048, timeout: Duration.minutes(10) },
  segment: { memoryMb: 10240, timeout: Duration.minutes(15), onnxThreads: 6 },
  embed: { memoryMb: 6144, timeout: Duration.minutes(10), onnxThreads: 4 },
  aggregate: { memoryMb: 2048, timeout: Duration.minutes(15) },
  search: { memoryMb: 4096, timeout: Duration.seconds(29), onnxThreads: 2 },
} as const satisfies Record<string, FunctionSizing>;

/** The stage names; each is a folder under functions/. */
export type StageName = keyof typeof SIZING;

/** Lambda's memory per vCPU: 1,769 MB buys one; 10,240 MB buys six. */
const MB_PER_VCPU = 1769;

/**
 * A stage's sizing under the deployment settings: segment's memory is the `segmentMemoryMb` setting (an account
 * whose Lambda memory quota is below 10,240 MB can still deploy), its ONNX threads the vCPUs that memory buys.
 */
export function sizingFor(
  stage: StageName,
  settings: Pick<DeploySettings, 'segmentMemoryMb'>,
): FunctionSizing {
  if (stage !== 'segment') return SIZING[stage];
  const memoryMb = settings.segmentMemoryMb;
  return {
    ...SIZING.segment,
    memoryMb,
    onnxThreads: Math.min(6, Math.max(1, Math.round(memoryMb / MB_PER_VCPU))),
  };
}

/**
 * Holds what every function shares (architecture, log retention, environment) and creates them: container
 * images for the stages that run models or native image code, zip bundles for the pure-JS ones.
 */
export class PipelineFunctions extends Construct {
  readonly functions = {} as Record<StageName, lambda.Function>;
  private readonly settings: DeploySettings;
  private readonly code: FunctionCode;

  constructor(scope: Construct, id: string, props: { settings: DeploySettings; code: FunctionCode }) {
    super(scope, id);
    this.settings = props.settings;
    this.code = props.code;
    for (const stage of ['download', 'segment', 'embed', 'search'] as const) this.create(stage, 'container');
    for (const stage of ['prepare', 'aggregate'] as const) this.create(stage, 'zip');
  }

  /** Gives `stages` the data bucket's name and the listed access to its prefixes. */
  bindBucket(bucket: s3.IBucket, grants: Partial<Record<StageName, BucketGrant[]>>): void {
    for (const [stage, list] of Object.entries(grants) as [StageName, BucketGrant[]][]) {
      const fn = this.functions[stage];
      fn.addEnvironment(CLOUD_ENV.bucket, bucket.bucketName);
      // Listing makes a missing key answer 404 instead of 403 (a prefix condition would not apply to GETs).
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
      );
      for (const { prefix, access } of list) {
        const objects = bucket.arnForObjects(`${prefix}*`);
        const actions = [
          ...(access.includes('r') ? ['s3:GetObject'] : []),
          ...(access.includes('w') ? ['s3:PutObject'] : []),
          ...(access.includes('d') ? ['s3:DeleteObject'] : []),
        ];
        fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
      }
    }
  }

  /**
   * Gives `stages` the MongoDB secret's ARN, read access to it, and the collection names; with
   * `mongoSecretKmsKeyArn`, kms:Decrypt on that key when Secrets Manager asks on their behalf.
   */
  bindMongo(secret: secretsmanager.ISecret, stages: StageName[]): void {
    const { mongoDatabase, mongoCollection, mongoIndex, mongoSecretArn, mongoSecretKmsKeyArn } =
      this.settings;
    for (const stage of stages) {
      const fn = this.functions[stage];
      secret.grantRead(fn);
      if (mongoSecretKmsKeyArn && mongoSecretArn) {
        // A secret's key lives in the secret's region (field 4 of its ARN).
        const region = mongoSecretArn.split(':')[3];
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [mongoSecretKmsKeyArn],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
          }),
        );
      }
      fn.addEnvironment(CLOUD_ENV.mongoSecretArn, secret.secretArn);
      fn.addEnvironment(CLOUD_ENV.mongoDatabase, mongoDatabase);
      fn.addEnvironment(CLOUD_ENV.mongoCollection, mongoCollection);
      fn.addEnvironment(CLOUD_ENV.mongoIndex, mongoIndex);
    }
  }

  private create(stage: StageName, packaging: 'container' | 'zip'): void {
    const sizing = sizingFor(stage, this.settings);
    const logGroup = new logs.LogGroup(this, `${capital(stage)}Logs`, {
      retention: this.settings.logRetentionDays as logs.RetentionDays,
    });
    const common = {
      architecture: lambda.Architecture.ARM_64,
      memorySize: sizing.memoryMb,
      timeout: sizing.timeout,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      description: `Threadfinder ${stage} stage`,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        THREADFINDER_MODELS: 'real',
        THREADFINDER_EMBED_MODEL: this.settings.embedModel,
        THREADFINDER_SEGMENT_MODEL: this.settings.segmentModel,
        THREADFINDER_DATA_DIR: '/tmp/threadfinder',
        THREADFINDER_TAG_MARGIN: String(this.settings.tagMargin),
        THREADFINDER_EMBED_DTYPE: this.settings.embedDtype,
        ...(this.settings.segmentSize && { THREADFINDER_SEGMENT_SIZE: String(this.settings.segmentSize) }),
        ...(sizing.onnxThreads && { THREADFINDER_ONNX_THREADS: String(sizing.onnxThreads) }),
      },
    };
    const id = capital(stage);
    this.functions[stage] =
      packaging === 'container'
        ? this.code.container(this, id, stage, {
            ...common,
            ephemeralStorageSize: Size.mebibytes(stage === 'segment' ? 2048 : 1024),
          })
        : this.code.zip(this, id, stage, common);
  }
}

/** Access a function gets to one key prefix of the bucket: read, write, delete. */
export interface BucketGrant {
  prefix: string;
  access: 'r' | 'w' | 'rw' | 'rwd' | 'rd';
}

function capital(s: string): string {
  return s[0]?.toUpperCase() + s.slice(1);
}
