import v8 from 'node:v8';

const FLAG = '--heap-growing-percent';
/** Old-generation limit after a full collection: twice the live size. */
const GROWING_PERCENT = 100;

let tuned = false;

/**
 * Lets V8's old generation grow to twice its live size after each full collection, once per process, unless
 * node was started with the flag already.
 *
 * Why: image work allocates megabytes of pixel buffers per image. V8 sizes the next limit from how busy the last
 * collections were, and about half of the ingestion runs measured here settled at a limit ~1.3x a live heap of
 * ~75 MB. From then on every allocation restarted marking, a full collection every ~150 ms that freed almost
 * nothing: 14-20 extra per 90 images, ~15 ms of CPU per image (bench/ingest-cost.ts: 53-59 ms outside the
 * models against 38-41). At 2x, 9 runs of 9 stayed at 38-41 ms. The cost is heap headroom, tens of MB.
 */
export function growHeapForImageWork(): void {
  if (tuned) return;
  tuned = true;
  if (process.execArgv.some((arg) => arg.startsWith(FLAG))) return;
  v8.setFlagsFromString(`${FLAG}=${GROWING_PERCENT}`);
}
