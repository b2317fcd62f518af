import { PLAN_ASSUMPTIONS as A, AWS_PRICES } from './prices.ts';

/** What calibration measured on this machine: seconds per image for each step, with the models named. */
export interface Calibration {
  /** Images timed. */
  images: number;
  /** Threads the models ran with here. */
  threads: number;
  decodeSeconds: number;
  segmentSeconds: number;
  embedSeconds: number;
  /** Loading the segmentation and image models once (what a cold start costs besides the runtime). */
  loadSeconds: number;
  models: { segment: string; embed: string };
  /** True with THREADFINDER_MODELS=test: the times say nothing about the real models. */
  standIns: boolean;
}

/** What a run would have to do. */
export interface Workload {
  products: number;
  images: number;
  /** Images with no fresh original: a request each. */
  toDownload: number;
  /** Images with no mask yet for the configured segmenter and background. */
  toSegment: number;
  /** Images to embed (the vectors of every image are recomputed unless its product is unchanged). */
  toEmbed: number;
  /** Distinct image hosts (downloads run 4 at a time per host). */
  hosts: number;
}

/** The stack's settings that decide cost and wall time. */
export interface StackShape {
  batchSize: number;
  maxConcurrency: number;
  memoryMb: { download: number; segment: number; embed: number };
}

/** One line of an estimate: what, how much, and the arithmetic behind it. */
export interface EstimateLine {
  item: string;
  value: number;
  unit: 'seconds' | 'USD';
  arithmetic: string;
}

const n = (x: number, digits = 2) => Number(x.toFixed(digits)).toLocaleString('en-US');
/** A unit price as written on AWS's pages: $0.0000133334, $0.0000002. */
const usd = (x: number) => `$${Number(x.toPrecision(6)).toFixed(10).replace(/0+$/, '')}`;

/** Time for the local runner on this machine; steps are added up (they overlap little on one machine). */
export function estimateLocal(work: Workload, cal: Calibration): { seconds: number; lines: EstimateLine[] } {
  const perHost = A.parallelDownloadsPerHost * Math.max(1, work.hosts);
  const download = (work.toDownload * A.downloadSecondsPerImage) / perHost;
  const segment = work.toSegment * (cal.decodeSeconds + cal.segmentSeconds);
  const embed = work.toEmbed * cal.embedSeconds;
  const lines: EstimateLine[] = [
    {
      item: 'download',
      value: download,
      unit: 'seconds',
      arithmetic: `${work.toDownload} images x ${A.downloadSecondsPerImage} s / (${A.parallelDownloadsPerHost} per host x ${Math.max(1, work.hosts)} hosts)`,
    },
    {
      item: 'segment',
      value: segment,
      unit: 'seconds',
      arithmetic: `${work.toSegment} images x (${n(cal.decodeSeconds, 3)} s decode + ${n(cal.segmentSeconds, 3)} s model)`,
    },
    {
      item: 'embed',
      value: embed,
      unit: 'seconds',
      arithmetic: `${work.toEmbed} images x ${n(cal.embedSeconds, 3)} s`,
    },
    { item: 'load models', value: cal.loadSeconds, unit: 'seconds', arithmetic: 'measured once' },
  ];
  return { seconds: download + segment + embed + cal.loadSeconds, lines };
}

/** Cost and wall time of the run on the deployed stack, line by line with the arithmetic. */
export function estimateCloud(
  work: Workload,
  cal: Calibration,
  stack: StackShape,
): { dollars: number; wallSeconds: number; lines: EstimateLine[] } {
  const gbs = (mb: number) => mb / 1024;
  const price = AWS_PRICES.lambdaGbSecond;
  const segS = scaled(cal.decodeSeconds + cal.segmentSeconds, cal.threads, stack.memoryMb.segment);
  const embS = scaled(cal.embedSeconds, cal.threads, stack.memoryMb.embed);
  const dlS = A.downloadSecondsPerImage / A.parallelDownloadsPerHost;
  const batches = Math.ceil(work.products / stack.batchSize);
  const containers = Math.min(batches, stack.maxConcurrency);
  const coldGb = gbs(stack.memoryMb.segment) + gbs(stack.memoryMb.embed);
  const lines: EstimateLine[] = [];
  const add = (item: string, value: number, arithmetic: string) =>
    lines.push({ item, value, unit: 'USD', arithmetic });
  const perImage = (item: string, images: number, seconds: number, memoryMb: number) =>
    add(
      item,
      images * seconds * gbs(memoryMb) * price,
      `${images} images x ${n(seconds, 3)} s x ${n(gbs(memoryMb))} GB x ${usd(price)}/GB-s`,
    );
  perImage('segment', work.toSegment, segS, stack.memoryMb.segment);
  perImage('embed', work.toEmbed, embS, stack.memoryMb.embed);
  perImage('download', work.toDownload, dlS, stack.memoryMb.download);
  add(
    'cold starts',
    containers * cal.loadSeconds * coldGb * price,
    `${containers} containers x ${n(cal.loadSeconds)} s model load x ${n(coldGb)} GB (segment + embed) x ${usd(price)}/GB-s`,
  );
  const invocations = batches * 3 + 2;
  add(
    'Lambda requests',
    invocations * AWS_PRICES.lambdaRequest,
    `${invocations} invocations x ${usd(AWS_PRICES.lambdaRequest)}`,
  );
  const transitions = batches * A.transitionsPerBatch + 12;
  add(
    'Step Functions',
    transitions * AWS_PRICES.stepFunctionsTransition,
    `${transitions} transitions x ${usd(AWS_PRICES.stepFunctionsTransition)}`,
  );
  const puts = work.toDownload * A.s3PutsPerImage;
  const gets = work.images * A.s3GetsPerImage;
  add(
    'S3 requests',
    puts * AWS_PRICES.s3Put + gets * AWS_PRICES.s3Get,
    `${puts} PUTs x ${usd(AWS_PRICES.s3Put)} + ${gets} GETs x ${usd(AWS_PRICES.s3Get)}`,
  );
  const perBatchImages = batches === 0 ? 0 : work.images / batches;
  const share = (x: number) => (work.images === 0 ? 0 : x / work.images);
  const batchSeconds =
    perBatchImages *
    (share(work.toDownload) * dlS + share(work.toSegment) * segS + share(work.toEmbed) * embS);
  const waves = Math.ceil(batches / stack.maxConcurrency);
  const wallSeconds = waves * batchSeconds + (batches > 0 ? cal.loadSeconds : 0);
  lines.push({
    item: 'wall time',
    value: wallSeconds,
    unit: 'seconds',
    arithmetic: `${batches} batches, ${stack.maxConcurrency} at once: ${waves} waves x ${n(batchSeconds, 1)} s per batch + ${n(cal.loadSeconds)} s first cold start`,
  });
  const dollars = lines.filter((l) => l.unit === 'USD').reduce((sum, l) => sum + l.value, 0);
  return { dollars, wallSeconds, lines };
}

/**
 * Seconds per image on a function of `memoryMb` (vCPUs = memory / 1,769 MB) from seconds measured here at
 * `threads` threads. Effective cores: the first counts fully, each further one at `threadEfficiency`.
 */
export function scaled(seconds: number, threads: number, memoryMb: number): number {
  const effective = (cores: number) => 1 + (Math.max(1, cores) - 1) * A.threadEfficiency;
  return (seconds * effective(threads)) / effective(memoryMb / A.mbPerVcpu);
}
