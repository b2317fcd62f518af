import { parseArgs } from 'node:util';
import {
  type CloudOpsDeps,
  cloudFault,
  cloudOpsSettings,
  MONGODB_URI_ENV,
  openCloudOps,
} from '#cli/gc/cloud-ops.ts';
import type { Config } from '#core/config.ts';
import { CLOUD_ENV } from '#core/env-names.ts';
import { ConfigError } from '#core/errors.ts';
import { vectorModelId } from '#models/dtypes.ts';
import { DEFAULT_EMBED_MODEL, findModel, STAND_IN_EMBED_MODEL } from '#models/registry.ts';
import type { BoundModel } from './check-index.ts';
import { type CheckReport, isDamaged } from './findings.ts';
import { type RepairResult, repairDataDir } from './repair.ts';
import { formatCheckReport } from './report-text.ts';
import { checkDataDir } from './run-check.ts';
import { type CloudCheckOptions, checkCloud } from './run-cloud-check.ts';

/** Exit code of `check` when it found damage (after `--repair`: when damage was found and set aside). */
export const CHECK_DAMAGE_EXIT = 6;

/** `threadfinder check --help`. */
export const CHECK_USAGE = `threadfinder check [--repair] [--embed-model ID] | check --cloud [--decode] [--embed-model ID]
  Checks the data dir (THREADFINDER_DATA_DIR) without changing it: the index replays cleanly, is bound to
  the configured model and holds what the runs recorded storing, less what they pruned; every stored product's
  masked images, originals and vector are sound; the per-image vectors (image-vectors.log) read, and every
  stored product has them (a product a finished run stored without them is damage; one that may have been
  ingested before they were kept, a warning); URL records point to stored originals; run folders are complete.
  Exit 0 when sound, ${CHECK_DAMAGE_EXIT} on damage, 2 when there is no data dir at all.
  --repair   also set the index's damaged lines (vectors.log, image-vectors.log) aside and rewrite each log
             from its valid records (refused while an ingestion runs), writing a lost bind record again, delete
             again the products whose deletion was lost, delete images that do not decode and bad URL records,
             and write runs/<id>-repair.csv listing the affected products (damaged, stored by a run but missing
             from the index, or whose per-image vectors were lost): \`threadfinder ingest <that file>\` restores
             them.
  --cloud    the deployed stack instead, read-only: the data bucket (${CLOUD_ENV.bucket}) and the products in
             Atlas (${CLOUD_ENV.mongoSecretArn}, or ${MONGODB_URI_ENV}). Atlas is bound to --embed-model (or
             THREADFINDER_EMBED_MODEL), else to a model the registry knows; every product's vector is unit length
             and its masked images and originals exist; URL records point to existing originals; run folders are
             complete. Atlas and the bucket are read a page at a time. With ${CLOUD_ENV.stateMachineArn} set,
             it says whether an ingestion was running. It repairs nothing: --repair is refused (the bucket has no
             lock to keep an ingestion out while blobs are deleted); ingest --cloud a catalog listing the affected
             products instead. AWS credentials and region as for the aws CLI.
  --decode   with --cloud: download and fully decode each image (a GET and its transfer per image) instead of
             checking that it exists (a HEAD per image).`;

/** Runs `threadfinder check`; returns the exit code. `deps` opens the cloud's ports for --cloud (tests: fakes). */
export async function runCheckCommand(
  argv: string[],
  config: Config,
  out: (line: string) => void = console.log,
  deps: CloudOpsDeps = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      repair: { type: 'boolean', default: false },
      cloud: { type: 'boolean', default: false },
      decode: { type: 'boolean', default: false },
      'embed-model': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    out(CHECK_USAGE);
    return 0;
  }
  if (values.cloud && values.repair) {
    throw new ConfigError(
      'check --cloud --repair is refused: the cloud check is read-only. A repair deletes broken blobs, and the bucket has no lock that keeps an ingestion out meanwhile (one could be using them); Atlas keeps no damaged log lines to set aside. Run check --cloud, then ingest --cloud a catalog that lists the affected products it names: that makes their images again and stores them again.',
    );
  }
  if (values.decode && !values.cloud)
    throw new ConfigError('--decode goes with --cloud: the local check always decodes every image');
  if (values.cloud) {
    const chosen = values['embed-model'] ?? config.model?.embed;
    const model = chosen === undefined ? undefined : configuredModel(config, chosen);
    const report = await cloudCheck(config, deps, model, { decode: values.decode });
    out(formatCheckReport(report));
    return isDamaged(report) ? CHECK_DAMAGE_EXIT : 0;
  }
  const model = configuredModel(config, values['embed-model']);
  const report = await checkDataDir(config.dataDir, model);
  out(formatCheckReport(report));
  if (!isDamaged(report)) return 0;
  if (values.repair) out(formatRepair(await repairDataDir(report, model.id)));
  return CHECK_DAMAGE_EXIT;
}

/**
 * `check --cloud`. The model Atlas should be bound to: --embed-model or THREADFINDER_EMBED_MODEL when given (a
 * workstation seldom sets the stack's setting), else the model Atlas is bound to when the registry knows it
 * with that width, else the default.
 */
async function cloudCheck(
  config: Config,
  deps: CloudOpsDeps,
  chosen: BoundModel | undefined,
  options: CloudCheckOptions,
): Promise<CheckReport> {
  const settings = cloudOpsSettings(config, deps.env ?? process.env, 'check --cloud', {
    stateMachine: false,
  });
  const ports = await openCloudOps(settings, deps);
  try {
    const bound = chosen ? undefined : knownModel(await ports.store.info());
    const model = chosen ?? bound ?? configuredModel(config, undefined);
    const report = await checkCloud(ports, settings, model, options);
    const why = chosen
      ? '--embed-model or THREADFINDER_EMBED_MODEL'
      : bound
        ? 'the model Atlas is bound to; --embed-model checks against another'
        : 'the default; --embed-model checks against another';
    return { ...report, notes: [...(report.notes ?? []), `Model: ${model.id} (dim ${model.dim}), ${why}.`] };
  } catch (error) {
    throw cloudFault(error, settings, `checking s3://${settings.bucket}/ and ${ports.storeWhere}`);
  } finally {
    await ports.close();
  }
}

/** A binding's model as the registry knows it (an embedding model of that width), else undefined. */
function knownModel(info: { model: string; dim: number } | null): BoundModel | undefined {
  // A quantized precision's vectors carry `<id>@<dtype>` (models/dtypes.ts vectorModelId).
  const spec = info ? findModel(info.model.split('@')[0] as string) : undefined;
  return spec?.task === 'embed' && spec.dim === info?.dim ? { id: info.model, dim: spec.dim } : undefined;
}

/** The embedding model an index should be bound to: --embed-model, else the configured or default one. */
function configuredModel(config: Config, choice: string | undefined): BoundModel {
  const test = config.models === 'test';
  const id = choice ?? config.model?.embed ?? (test ? STAND_IN_EMBED_MODEL : DEFAULT_EMBED_MODEL);
  const spec = findModel(id);
  if (spec?.task !== 'embed') throw new ConfigError(`--embed-model ${id} is not a known embedding model`);
  return { id: vectorModelId(spec.id, config.model?.embedDtype), dim: spec.dim };
}

function formatRepair(r: RepairResult): string {
  return [
    'Repair:',
    r.setAsideTo
      ? `  the index's damaged lines were set aside in ${r.setAsideTo}; the log was rewritten from its valid records`
      : '  the index log had no damaged line to set aside',
    ...(r.imagesSetAsideTo
      ? [
          `  the per-image vectors' damaged lines were set aside in ${r.imagesSetAsideTo}; that log was rewritten from its valid lines`,
        ]
      : []),
    ...(r.rebound
      ? [`  the lost bind record was written again: model ${r.rebound.model}, dim ${r.rebound.dim}`]
      : []),
    ...(r.deletedProducts.length
      ? [
          `  deleted again ${r.deletedProducts.length} product(s) whose deletion had been lost: ${r.deletedProducts.join(', ')}`,
        ]
      : []),
    ...(r.deletedBlobs.length
      ? [
          `  deleted ${r.deletedBlobs.length} broken blob(s), made again by the next ingest: ${r.deletedBlobs.join(', ')}`,
        ]
      : []),
    r.catalogFile
      ? `  ${r.catalogProducts.length} affected product(s) listed in ${r.catalogFile}\n  Restore them with: threadfinder ingest ${r.catalogFile}`
      : '  no affected product could be listed in a catalog',
    ...(r.unknownProducts.length
      ? [
          `  no run or record lists the images of ${r.unknownProducts.join(', ')}: ingest them from the shop's catalog`,
        ]
      : []),
  ].join('\n');
}
