/**
 * AWS list prices the cloud estimate uses: us-east-1, read on the date below. Change them here (and the date)
 * when they change; nothing else holds a price.
 */
export const AWS_PRICES = {
  asOf: '2026-11',
  region: 'us-east-1',
  /** Lambda arm64, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  /** Lambda, per request. */
  lambdaRequest: 0.2 / 1_000_000,
  /** Step Functions Standard, per state transition. */
  stepFunctionsTransition: 0.025 / 1000,
  /** S3 Standard PUT/COPY/POST/LIST, per request. */
  s3Put: 0.005 / 1000,
  /** S3 Standard GET, per request. */
  s3Get: 0.0004 / 1000,
} as const;

/**
 * The assumptions the estimates rest on, each stated once. Calibration measures this machine; these say how
 * its numbers carry over to another machine or to Lambda.
 */
export const PLAN_ASSUMPTIONS = {
  /** Each core beyond the first adds this fraction of one to a model's speed (6 vCPUs ≈ 4.5 cores' worth). */
  threadEfficiency: 0.7,
  /** Memory that buys one vCPU on Lambda. */
  mbPerVcpu: 1769,
  /** Seconds to download one image (network, not CPU); 4 at once per host. */
  downloadSecondsPerImage: 0.5,
  parallelDownloadsPerHost: 4,
  /** State transitions per batch: download, choice, segment, embed, map bookkeeping. */
  transitionsPerBatch: 6,
  /** S3 requests per image: original + URL record + mask written; original, mask and records read. */
  s3PutsPerImage: 3,
  s3GetsPerImage: 4,
} as const;
