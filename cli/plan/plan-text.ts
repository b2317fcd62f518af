import { type CatalogSummary, catalogLines } from './catalog-summary.ts';
import type { Calibration, EstimateLine, StackShape } from './estimate.ts';
import type { Inventory } from './inventory.ts';
import { AWS_PRICES, PLAN_ASSUMPTIONS } from './prices.ts';

/** Everything `plan` found and estimated; `--json` prints this object. */
export interface Plan {
  catalog: CatalogSummary;
  inventory: Inventory;
  calibration: Calibration & { seconds: number };
  local: { seconds: number; lines: EstimateLine[] };
  cloud?: { stack: StackShape; dollars: number; wallSeconds: number; lines: EstimateLine[] };
}

/** `1 h 02 min`, `3 min 04 s`, `12.3 s`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const money = (usd: number) => (usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`);

function row(line: EstimateLine): string {
  const value = line.unit === 'USD' ? money(line.value) : duration(line.value);
  return `  ${line.item.padEnd(16)} ${value.padStart(12)}   ${line.arithmetic}`;
}

/** The plan as a table. */
export function formatPlan(plan: Plan): string[] {
  const { inventory: inv, calibration: cal } = plan;
  const lines = [
    `Plan for ${plan.catalog.file} (${plan.catalog.format})`,
    `  products ${inv.products}, images ${inv.images} on ${inv.hosts} host(s)`,
    ...catalogLines(plan.catalog),
    `  already here: originals ${inv.originals} (fresh ${inv.fresh}), masks ${inv.masks}, products in the index ${inv.vectors}`,
    `  to do: download ${inv.toDownload}, segment ${inv.toSegment}, embed ${inv.toEmbed}`,
    '',
    `Calibration: ${cal.images} drawn 1000x1333 photos through ${cal.models.segment} + ${cal.models.embed} at ${cal.threads} threads (${cal.seconds.toFixed(1)} s)`,
    `  per image: decode ${(cal.decodeSeconds * 1000).toFixed(0)} ms, segment ${(cal.segmentSeconds * 1000).toFixed(0)} ms, embed ${(cal.embedSeconds * 1000).toFixed(0)} ms; models load in ${cal.loadSeconds.toFixed(1)} s`,
  ];
  if (cal.standIns) {
    lines.push(
      '  STAND-IN MODELS (THREADFINDER_MODELS=test): these times say nothing about the real models.',
    );
  }
  lines.push('', `Local run on this machine: about ${duration(plan.local.seconds)}`);
  lines.push(...plan.local.lines.map(row));
  if (plan.cloud) {
    const { stack } = plan.cloud;
    lines.push(
      '',
      `Cloud run (batches of ${stack.batchSize}, ${stack.maxConcurrency} at once; segment ${stack.memoryMb.segment} MB, embed ${stack.memoryMb.embed} MB, download ${stack.memoryMb.download} MB):`,
      `  about ${money(plan.cloud.dollars)} and ${duration(plan.cloud.wallSeconds)}`,
      ...plan.cloud.lines.map(row),
      `  prices: ${AWS_PRICES.region} list prices of ${AWS_PRICES.asOf}; vCPUs = memory / ${PLAN_ASSUMPTIONS.mbPerVcpu} MB; ` +
        `each core beyond the first counts ${PLAN_ASSUMPTIONS.threadEfficiency} of one; downloads ${PLAN_ASSUMPTIONS.downloadSecondsPerImage} s per image, ${PLAN_ASSUMPTIONS.parallelDownloadsPerHost} at once`,
      '  not included: the Atlas cluster, Secrets Manager, alarms, ECR storage and logs (fixed monthly costs)',
    );
  }
  return lines;
}
