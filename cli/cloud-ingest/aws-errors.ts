import { ConfigError, ThreadfinderError } from '#core/errors.ts';
import { truncate } from '#core/truncate.ts';

/** An AWS call failed in a way the user has to fix (permissions, a missing resource, a refused request). */
export class AwsCallError extends ThreadfinderError {
  override name = 'AwsCallError';
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether an error from an AWS call is worth retrying later: throttling, a server fault, a network blip. */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as SdkError;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable?.throttling || THROTTLING.has(e.name ?? '')) return true;
  if (e.$metadata?.httpStatusCode === 429 || e.$fault === 'server') return true;
  return NETWORK.has(e.code ?? '') || e.name === 'TimeoutError';
}

/** Whether the error is an aborted call (Ctrl-C while a request was in flight). */
export function isAbort(error: unknown): boolean {
  return (error as SdkError)?.name === 'AbortError';
}

/**
 * Turns an SDK error into one line that says what to do: missing region or credentials, denied access.
 * Errors of our own and anything unrecognised pass through unchanged.
 * @param action what was being done, e.g. "starting the execution"
 */
export function explainAwsError(error: unknown, action: string): unknown {
  if (error instanceof ThreadfinderError || !error || typeof error !== 'object') return error;
  const e = error as SdkError;
  const name = e.name ?? '';
  const detail = oneLine(e.message ?? name);
  if (detail === 'Region is missing') {
    return new ConfigError(
      'no AWS region: set AWS_REGION (or a profile with a region via AWS_PROFILE), or pass the stack ARN',
      { cause: error },
    );
  }
  if (name === 'CredentialsProviderError') {
    return new ConfigError(
      `no AWS credentials (${detail}): run aws configure or aws sso login, or set AWS_PROFILE`,
      { cause: error },
    );
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException'].includes(name)) {
    return new ConfigError(`AWS credentials were refused (${name}): ${detail}; refresh them and retry`, {
      cause: error,
    });
  }
  if (/AccessDenied|Forbidden/.test(name) || e.$metadata?.httpStatusCode === 403) {
    return new AwsCallError(`access denied while ${action}: ${detail}`, { cause: error });
  }
  if (e.$metadata || e.$fault)
    return new AwsCallError(`${action} failed: ${name}: ${detail}`, { cause: error });
  return error;
}

/** The first line of a message, at most 300 characters. */
export function oneLine(text: string, max = 300): string {
  const line = text.split('\n', 1)[0] ?? '';
  return truncate(line, max);
}
