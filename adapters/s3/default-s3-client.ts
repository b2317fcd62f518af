import { S3Client } from '@aws-sdk/client-s3';

/** Limits of the default client: how often a request is tried and how long it may take. */
export interface S3ClientLimits {
  /** Attempts per request, first one included (standard retry mode: backoff with jitter, throttling aware). */
  maxAttempts?: number;
  /** Milliseconds from sending a request to its response headers before it fails (and is retried). */
  requestTimeoutMs?: number;
  /** Milliseconds the socket may stay idle, response body included, before the request fails. */
  socketTimeoutMs?: number;
  /** Milliseconds to open a connection. */
  connectionTimeoutMs?: number;
}

/** The limits `createDefaultS3Client` uses where none are given. */
export const DEFAULT_S3_LIMITS: Readonly<Required<S3ClientLimits>> = Object.freeze({
  maxAttempts: 4,
  requestTimeoutMs: 30_000,
  socketTimeoutMs: 30_000,
  connectionTimeoutMs: 5_000,
});

/**
 * An S3 client with a retry policy and timeouts; region, credentials and endpoint come from the
 * environment through the SDK's default chain (`AWS_REGION`, the Lambda role, `AWS_ENDPOINT_URL_S3`).
 */
export function createDefaultS3Client(limits: S3ClientLimits = {}): S3Client {
  const { maxAttempts, requestTimeoutMs, socketTimeoutMs, connectionTimeoutMs } = {
    ...DEFAULT_S3_LIMITS,
    ...limits,
  };
  return new S3Client({
    maxAttempts,
    retryMode: 'standard',
    // Options for the SDK's own NodeHttpHandler, so no direct dependency on @smithy/node-http-handler.
    // Without throwOnRequestTimeout, a request over requestTimeout only logs a warning.
    requestHandler: {
      connectionTimeout: connectionTimeoutMs,
      requestTimeout: requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: socketTimeoutMs,
    },
  });
}
