import { z } from 'zod';
import { DEFAULT_MONGO_INDEX, EMBED_DTYPES, SEGMENT_SIZES, TAG_MARGIN_DEFAULT } from '#core/config.ts';
import { PREFIXES } from '#core/contracts/run-layout.ts';
import { formatIssues } from '#core/zod-issues.ts';
import { DEFAULT_EMBED_MODEL, DEFAULT_SEGMENT_MODEL, findModel } from '#models/registry.ts';

/** The retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const knownModel = (kind: 'embed' | 'segment') =>
  z.string().refine((id) => findModel(id)?.task === kind && findModel(id)?.standIn === false, {
    message: `not a downloadable ${kind} model of models/registry.ts`,
  });

/**
 * A complete Secrets Manager ARN: the name followed by the six characters Secrets Manager appends
 * (`...:secret:threadfinder/mongo-AbC123`). IAM matches a partial ARN (without them) only with a wildcard, so
 * `fromSecretCompleteArn` with one synthesizes and is then denied at run time.
 */
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;

/** A KMS key ARN (not an alias: a policy naming an alias ARN does not authorize the key). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

const schema = z.object({
  embedModel: knownModel('embed').default(DEFAULT_EMBED_MODEL),
  segmentModel: knownModel('segment').default(DEFAULT_SEGMENT_MODEL),
  /** THREADFINDER_SEGMENT_SIZE on every function: the segmenter's square; unset: the model's own. */
  segmentSize: z.coerce
    .number()
    .refine((n) => (SEGMENT_SIZES as readonly number[]).includes(n), {
      message: `expected one of ${SEGMENT_SIZES.join(', ')}`,
    })
    .optional(),
  /** THREADFINDER_EMBED_DTYPE on every function and in the image: the embedding graphs' precision. */
  embedDtype: z.enum(EMBED_DTYPES).default('fp32'),
  mongoSecretArn: z
    .string()
    .regex(
      SECRET_ARN,
      'expected a complete Secrets Manager ARN, ending in -XXXXXX (the six characters Secrets Manager appends to ' +
        'the name; `aws secretsmanager describe-secret --secret-id <name> --query ARN` prints it): ' +
        'a partial ARN is denied at run time',
    )
    .optional(),
  /** The customer-managed KMS key encrypting `mongoSecretArn`, if any: the readers get kms:Decrypt on it. */
  mongoSecretKmsKeyArn: z
    .string()
    .regex(KMS_KEY_ARN, 'expected a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)')
    .optional(),
  mongoDatabase: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/)
    .default('threadfinder'),
  mongoCollection: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,120}$/)
    .default('products'),
  mongoIndex: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default(DEFAULT_MONGO_INDEX),
  schedule: z
    .string()
    .regex(/^(none|cron\(.+\)|rate\(.+\))$/, 'expected none, cron(...) or rate(...)')
    // Off by default: nothing creates scheduleCatalogKey, so a default schedule would fail every week.
    .default('none'),
  scheduleTimezone: z.string().min(1).default('UTC'),
  scheduleCatalogKey: z
    .string()
    .refine((k) => k.startsWith(PREFIXES.catalogs) && /^\S+$/.test(k), `expected ${PREFIXES.catalogs}<file>`)
    .default(`${PREFIXES.catalogs}catalog.csv`),
  /**
   * Whether the schedule's runs delete stored products its catalog no longer lists (`--prune`; skipped by the
   * run itself when a batch failed or rows were refused). Off by default: a discontinued product stays
   * searchable until a run prunes.
   */
  schedulePrune: z.enum(['true', 'false']).default('false'),
  /** Segment function memory (MB): it buys the vCPUs; new accounts may be held below 10,240 (docs/deploy.md). */
  segmentMemoryMb: count(2048, 10_240).default(10_240),
  batchSize: count(1, 100).default(20),
  /** Smallest margin over the runner-up for an auto-tag (THREADFINDER_TAG_MARGIN; docs/quality.md). */
  tagMargin: z.coerce.number().min(0).max(1).default(TAG_MARGIN_DEFAULT),
  maxConcurrency: count(1, 1000).default(16),
  toleratedFailurePercentage: count(0, 100).default(10),
  corsOrigins: z.string().min(1).default('*'),
  throttleRate: count(1, 10_000).default(50),
  throttleBurst: count(1, 5_000).default(100),
  alarmEmail: z.email().optional(),
  /** Search environments kept initialised (models and Atlas loaded) on the `live` alias; each is billed. */
  provisionedConcurrency: count(0, 100).default(0),
  logRetentionDays: z.coerce
    .number()
    .refine((d) => RETENTION_DAYS.includes(d), { message: `expected one of ${RETENTION_DAYS.join(', ')}` })
    .default(30),
});

/** What a deployment can be told with `cdk deploy -c key=value` (or the `context` of cdk.json). */
export type DeploySettings = z.infer<typeof schema>;

/** Context keys users may set (`stackName` names the stack, read by infra/app.ts). */
export const SETTING_KEYS = Object.keys(schema.shape) as (keyof DeploySettings)[];

/** Our context keys that are not deployment settings. */
const APP_KEYS = ['stackName'];

/** CDK's own context keys without a colon (read by the CDK CLI from cdk.json or cdk.context.json). */
const CDK_PLAIN_KEYS = ['notices', 'cli-telemetry', 'acknowledged-issue-numbers'];

/**
 * Whether a context key belongs to CDK rather than to Threadfinder: every key with a colon (feature flags
 * `@aws-cdk/<module>:<flag>`, the CLI's `aws:cdk:*`, cached lookups `<provider>:account=...`) and the few plain
 * keys CDK's CLI reads. Every other key is ours, so a misspelt setting is refused instead of ignored.
 */
export function isCdkContextKey(key: string): boolean {
  return key.includes(':') || CDK_PLAIN_KEYS.includes(key);
}

/** The context keys that are neither ours nor CDK's: typos of a setting. */
export function unknownContextKeys(keys: Iterable<string>): string[] {
  const ours = new Set<string>([...SETTING_KEYS, ...APP_KEYS]);
  return [...keys].filter((key) => !isCdkContextKey(key) && !ours.has(key)).sort();
}

/**
 * Reads and validates the deployment settings from CDK context values (strings from `-c`, or JSON values
 * from cdk.json). Throws with every bad key and why. With `presentKeys` (every context key the app was given),
 * a key that is neither a setting nor CDK's own (see {@link isCdkContextKey}) is refused with the valid ones.
 *
 * @example
 * const settings = readSettings((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
 */
export function readSettings(
  context: (key: string) => unknown,
  presentKeys?: Iterable<string>,
): DeploySettings {
  const unknown = presentKeys ? unknownContextKeys(presentKeys) : [];
  if (unknown.length > 0)
    throw new Error(
      `unknown deployment setting${unknown.length > 1 ? 's' : ''} (cdk context): ${unknown.join(', ')}; ` +
        `valid keys: ${[...SETTING_KEYS, ...APP_KEYS].join(', ')}`,
    );
  const raw: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = context(key);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`invalid deployment settings (cdk context): ${formatIssues(parsed.error)}`);
  if (parsed.data.mongoSecretKmsKeyArn && !parsed.data.mongoSecretArn)
    throw new Error(
      'invalid deployment settings (cdk context): mongoSecretKmsKeyArn: only meaningful with mongoSecretArn ' +
        '(the secret the stack creates uses the AWS managed key)',
    );
  return parsed.data;
}
