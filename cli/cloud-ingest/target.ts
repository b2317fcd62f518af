import { CLOUD_ENV } from '#core/env-names.ts';
import { ConfigError, InputError } from '#core/errors.ts';
import { bucketNameProblem } from './s3-url.ts';

/** Where the deployed ingestion lives. */
export interface CloudTarget {
  stateMachineArn: string;
  bucket: string;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:execution:[A-Za-z0-9_-]{1,80}:[^:\s]{1,80}$/;

/** Reads the stack from the flags, else the environment; throws ConfigError naming both ways to set what is missing. */
export function resolveCloudTarget(
  flags: { stateMachineArn?: string; bucket?: string },
  env: Readonly<Record<string, string | undefined>>,
): CloudTarget {
  const stateMachineArn = flags.stateMachineArn || env[CLOUD_ENV.stateMachineArn];
  const bucket = flags.bucket || env[CLOUD_ENV.bucket];
  const missing = [
    !stateMachineArn && `the state machine (--state-machine ARN or ${CLOUD_ENV.stateMachineArn})`,
    !bucket && `the data bucket (--bucket NAME or ${CLOUD_ENV.bucket})`,
  ].filter(Boolean);
  if (!stateMachineArn || !bucket) {
    throw new ConfigError(
      `ingest --cloud needs to know the deployed stack: set ${missing.join(' and ')}; ` +
        'the deploy prints both as stack outputs',
    );
  }
  if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
    throw new ConfigError(
      `not a state machine ARN: ${JSON.stringify(stateMachineArn)} ` +
        '(expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)',
    );
  }
  const problem = bucketNameProblem(bucket);
  if (problem) throw new ConfigError(`data bucket ${JSON.stringify(bucket)} ${problem}`);
  return { stateMachineArn, bucket };
}

/** Checks an execution ARN given to --watch; throws InputError when it is not one. */
export function checkExecutionArn(arn: string): string {
  if (!EXECUTION_ARN.test(arn)) {
    throw new InputError(
      `not an execution ARN: ${JSON.stringify(arn)} (expected arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)`,
    );
  }
  return arn;
}

/** The region in a Step Functions ARN, or undefined when the text is not one. */
export function regionOfArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  return (STATE_MACHINE_ARN.exec(arn) ?? EXECUTION_ARN.exec(arn))?.[1];
}
