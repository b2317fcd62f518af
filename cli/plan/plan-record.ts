import { createHash } from 'node:crypto';
import path from 'node:path';
import { BlobNotFoundError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { duration } from './plan-text.ts';

/** What `plan` predicted for one catalog file, kept so that the run that follows can be held against it. */
export interface PlanRecord {
  file: string;
  at: string;
  images: number;
  toDownload: number;
  toSegment: number;
  seconds: number;
  standIns: boolean;
  /** With `plan --cloud`: the deployed stack's wall time and cost for the same run. */
  cloud?: { wallSeconds: number; dollars: number };
}

/** Where the last plan of a catalog file is kept: one per absolute path. */
export function planKey(file: string): string {
  const digest = createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 16);
  return `plans/${digest}.json`;
}

/** Where the last plan of a catalog file lists every problem of the catalog, one per line. */
export function planProblemsKey(file: string): string {
  return planKey(file).replace(/\.json$/, '-problems.txt');
}

/** Keeps `record` as the catalog's last plan. */
export async function writePlanRecord(blobs: BlobStore, record: PlanRecord): Promise<void> {
  await blobs.put(
    planKey(record.file),
    new TextEncoder().encode(`${JSON.stringify(record)}\n`),
    'application/json',
  );
}

/** The catalog's last plan; undefined when there is none or it cannot be read. */
export async function readPlanRecord(blobs: BlobStore, file: string): Promise<PlanRecord | undefined> {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(await blobs.get(planKey(file)))) as PlanRecord;
    return typeof parsed.seconds === 'number' && typeof parsed.images === 'number' ? parsed : undefined;
  } catch (error) {
    if (error instanceof BlobNotFoundError || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** A run's images and wall time, as held against its plan. */
interface RunFigures {
  images: number;
  imagesDeferred: number;
  seconds: number;
}

/** The run held against the plan: images and time, predicted and actual. */
export function planComparison(plan: PlanRecord, run: RunFigures): string[] {
  return comparison(plan, run, { seconds: plan.seconds, where: '', indent: '  ', capital: false });
}

/** A cloud run held against the plan: images and wall time, predicted and actual, and the predicted cost. */
export function cloudPlanComparison(plan: PlanRecord, run: RunFigures): string[] {
  if (!plan.cloud) return [];
  const { wallSeconds, dollars } = plan.cloud;
  const where = ` and $${dollars.toFixed(2)} on the stack`;
  return comparison(plan, run, { seconds: wallSeconds, where, indent: '', capital: true });
}

function comparison(
  plan: PlanRecord,
  run: RunFigures,
  shape: { seconds: number; where: string; indent: string; capital: boolean },
): string[] {
  const ratio = shape.seconds > 0 ? run.seconds / shape.seconds : Number.NaN;
  const off = Number.isFinite(ratio) ? ` (${ratio.toFixed(2)}x the estimate)` : '';
  const [planLabel, runLabel] = shape.capital ? ['Plan of', 'This run'] : ['plan of', 'this run'];
  return [
    `${shape.indent}${planLabel} ${plan.at.slice(0, 16).replace('T', ' ')}: ${plan.images} images ` +
      `(${plan.toDownload} to download, ${plan.toSegment} to segment), about ${duration(shape.seconds)}${shape.where}` +
      (plan.standIns ? ', calibrated on stand-in models' : ''),
    `${shape.indent}${runLabel}: ${run.images} images in ${duration(run.seconds)}${off}` +
      (run.imagesDeferred > 0 ? `; ${run.imagesDeferred} waited for a paused host` : ''),
  ];
}
