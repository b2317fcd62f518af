import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOG_LIMITS, type ParsedCatalog, readCatalogFile } from '#core/catalog/index.ts';
import type { Config } from '#core/config.ts';
import { InputError } from '#core/errors.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { resolveModels } from '#models/resolve.ts';
import { calibrate } from './calibrate.ts';
import { type CatalogSummary, summarizeCatalog } from './catalog-summary.ts';
import { estimateCloud, estimateLocal, type StackShape } from './estimate.ts';
import { takeInventory } from './inventory.ts';
import { planProblemsKey, writePlanRecord } from './plan-record.ts';
import { formatPlan, type Plan } from './plan-text.ts';

/** `threadfinder plan --help`. */
export const PLAN_USAGE = `threadfinder plan CATALOG [--cloud] [--json] [--calibrate N] [--format F] [--group-size N]
  Reads the catalog and says, before anything is downloaded, what a run would do and cost: products, images
  and the catalog's refused rows, dropped values and warnings (the first ones with file:line, as ingest prints
  them; all of them in a file in the data dir); originals, masks and vectors already present and fresh in the data dir; a local time
  estimate from timing N (default 3) drawn photos through the configured models here; with --cloud, the cost
  and wall time on the deployed stack (settings from cdk.json's context, function memory from infra/).
  --json     print the plan as JSON`;

/** Runs `threadfinder plan`; returns the exit code. */
export async function runPlanCommand(
  argv: string[],
  config: Config,
  out: (line: string) => void = console.log,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      cloud: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      calibrate: { type: 'string', default: '3' },
      format: { type: 'string', default: 'auto' },
      'group-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    out(PLAN_USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file) throw new InputError(`plan needs a catalog file\n${PLAN_USAGE}`, 'invalid_option');
  if (extra.length > 0) throw new InputError(`plan takes one catalog, got also: ${extra.join(' ')}`);
  const count = wholeNumber('--calibrate', values.calibrate, 1, 50);
  const groupSize =
    values['group-size'] === undefined
      ? undefined
      : wholeNumber('--group-size', values['group-size'], 1, CATALOG_LIMITS.maxImagesPerProduct);
  const format = values.format;
  if (!['auto', 'urls', 'csv', 'jsonl'].includes(format)) {
    throw new InputError(`--format must be auto, urls, csv or jsonl, got ${JSON.stringify(format)}`);
  }
  const catalog = await readCatalogFile(file, {
    format: format as 'auto',
    ...(groupSize !== undefined && { groupSize }),
  });
  const stack = values.cloud ? await deployedShape() : undefined;
  const rt = await createLocalRuntime(config, await resolveModels(config), { readOnly: true });
  try {
    const started = performance.now();
    const cal = await calibrate(rt, count);
    const calibrationSeconds = (performance.now() - started) / 1000;
    const inventory = await takeInventory(catalog.products, {
      blobs: rt.blobs,
      store: rt.store,
      segmenterId: cal.models.segment,
      background: config.background,
    });
    const plan: Plan = {
      catalog: await catalogSummary(rt, file, catalog),
      inventory,
      calibration: { ...cal, seconds: calibrationSeconds },
      local: estimateLocal(inventory, cal),
      ...(stack && { cloud: { stack, ...estimateCloud(inventory, cal, stack) } }),
    };
    await writePlanRecord(rt.blobs, {
      file,
      at: new Date().toISOString(),
      images: inventory.images,
      toDownload: inventory.toDownload,
      toSegment: inventory.toSegment,
      seconds: plan.local.seconds,
      standIns: cal.standIns,
      ...(plan.cloud && { cloud: { wallSeconds: plan.cloud.wallSeconds, dollars: plan.cloud.dollars } }),
    });
    if (values.json) out(JSON.stringify(plan, null, 2));
    else for (const line of formatPlan(plan)) out(line);
    return 0;
  } finally {
    await rt.close();
  }
}

/** The catalog's counts and first problems; every problem goes to a file when there are more than shown. */
async function catalogSummary(
  rt: LocalRuntime,
  file: string,
  catalog: ParsedCatalog,
): Promise<CatalogSummary> {
  const { summary, allProblems } = summarizeCatalog(file, catalog);
  if (summary.problemCount <= summary.problems.length) return summary;
  const key = planProblemsKey(file);
  await rt.blobs.put(
    key,
    new TextEncoder().encode(`${allProblems.join('\n')}\n`),
    'text/plain; charset=utf-8',
  );
  return { ...summary, problemsFile: path.join(rt.config.dataDir, 'blobs', key) };
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new InputError(`${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The deployed stack's batch size, concurrency (cdk.json context, validated as `cdk deploy` does) and memory. */
async function deployedShape(): Promise<StackShape> {
  const { readSettings } = await import('#infra/settings.ts');
  const { sizingFor } = await import('#infra/pipeline-functions.ts');
  const cdkJson = new URL('../../cdk.json', import.meta.url);
  const context =
    (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  const settings = readSettings((key) => context[key]);
  return {
    batchSize: settings.batchSize,
    maxConcurrency: settings.maxConcurrency,
    memoryMb: {
      download: sizingFor('download', settings).memoryMb,
      segment: sizingFor('segment', settings).memoryMb,
      embed: sizingFor('embed', settings).memoryMb,
    },
  };
}
