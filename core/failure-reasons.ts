import { truncate } from './truncate.ts';
import type { FailureReason } from './types.ts';

/** A zero count for every FailureReason; the type makes this list exhaustive. */
export function zeroFailureCounts(): Record<FailureReason, number> {
  return {
    invalid_url: 0,
    blocked_host: 0,
    not_found: 0,
    http_error: 0,
    rate_limited: 0,
    timeout: 0,
    network_error: 0,
    host_unavailable: 0,
    too_large: 0,
    not_an_image: 0,
    corrupt_image: 0,
    too_many_pixels: 0,
    segment_failed: 0,
    embed_failed: 0,
  };
}

/** Every FailureReason, in declaration order. */
export const FAILURE_REASONS = Object.keys(zeroFailureCounts()) as [FailureReason, ...FailureReason[]];

/**
 * Longest failure detail a stage records: short enough that a batch of failed images stays far under the state
 * machine's 256 KB state limit; the batch schema refuses records whose detail passes 4096.
 */
export const MAX_DETAIL = 300;

/** Cuts a failure detail to MAX_DETAIL characters. */
export function capDetail(detail: string): string {
  return truncate(detail, MAX_DETAIL);
}

/** The message of an error as a capped failure detail. */
export function errorDetail(error: unknown): string {
  return capDetail(error instanceof Error ? error.message : String(error));
}
