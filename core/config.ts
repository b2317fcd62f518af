import { type Stats, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CLOUD_ENV } from './env-names.ts';
import { ConfigError } from './errors.ts';
import { HOST_WATCH_DEFAULTS } from './host-pause.ts';

const hexColor = z
  .string()
  .regex(/^#?[0-9a-fA-F]{6}$/, 'expected a colour like #00b140')
  .transform((s): [number, number, number] => {
    const h = s.replace('#', '');
    return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  });

/** Pixel cap of an image unless THREADFINDER_MAX_PIXELS says otherwise (decompression bombs). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** The Atlas Vector Search index name unless configured: the adapter, the Lambda config and the stack use it. */
export const DEFAULT_MONGO_INDEX = 'product_vectors';

/** Names of the model settings, shared by the local CLI and the cloud stack. */
export const MODEL_ENV = {
  /** `real` (published models from the models folder) or `test` (generated stand-ins). */
  mode: 'THREADFINDER_MODELS',
  /** Registry id of the embedding model, e.g. marqo-fashion-siglip. */
  embedModel: 'THREADFINDER_EMBED_MODEL',
  /** Registry id of the segmentation model, e.g. u2net_cloth_seg. */
  segmentModel: 'THREADFINDER_SEGMENT_MODEL',
  /** Comma-separated cloth classes that count as garment, e.g. `upper,lower,full`. */
  garmentClasses: 'THREADFINDER_GARMENT_CLASSES',
  /** `pad` (square with the background colour) or `model` (the model's own resize/crop). */
  imageFit: 'THREADFINDER_IMAGE_FIT',
  /** Images (or texts) per embedding-model run. */
  embedBatchSize: 'THREADFINDER_EMBED_BATCH_SIZE',
  /** Threads per ONNX session; default: the cores available to the process. */
  onnxThreads: 'THREADFINDER_ONNX_THREADS',
  /** Side of the square the segmenter runs at (768, 512, 384 or 320); default: the model's own input size. */
  segmentSize: 'THREADFINDER_SEGMENT_SIZE',
  /** Precision of the embedding graphs, as transformers.js names it: fp32 (default), q8 or int8. */
  embedDtype: 'THREADFINDER_EMBED_DTYPE',
  /** Where model files live (and `models fetch` writes). */
  modelsDir: 'THREADFINDER_MODELS_DIR',
} as const;

const modelId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]*$/,
    'expected a model id such as marqo-fashion-siglip (see `threadfinder models list`)',
  )
  .optional();

const classList = z
  .string()
  .regex(/^\s*[a-z]+(\s*,\s*[a-z]+)*\s*$/, 'expected comma-separated class names such as upper,lower,full')
  .transform((s) => [...new Set(s.split(',').map((c) => c.trim()))])
  .optional();

/** Segmentation sizes offered: quality for speed (U2NET cloth costs about (size/768)^2 of its 768 px time). */
export const SEGMENT_SIZES = [768, 512, 384, 320] as const;

/** Embedding graph precisions offered, named as transformers.js dtypes (file suffix none, _quantized, _int8). */
export const EMBED_DTYPES = ['fp32', 'q8', 'int8'] as const;
export type EmbedDtype = (typeof EMBED_DTYPES)[number];

/** A whole number written in decimal digits: `PORT=` or `PORT=1e3` is an error, not 0 or 1000. */
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * Auto-tags (core/tags/): a group's best value is kept when its cosine margin over the runner-up is at least this
 * (`THREADFINDER_TAG_MARGIN`). 0.01 is odds of about e = 2.7 to 1 at CLIP's logit scale of 100 (docs/quality.md).
 */
export const TAG_MARGIN_DEFAULT = 0.01;

const schema = z.object({
  THREADFINDER_MODELS: z.enum(['real', 'test']).default('real'),
  THREADFINDER_DATA_DIR: z.string().min(1).default('.threadfinder'),
  THREADFINDER_MODELS_DIR: z.string().min(1).optional(),
  PORT: int(0, 65535).default(3000),
  THREADFINDER_HOST: z.string().min(1).default('127.0.0.1'),
  THREADFINDER_ALLOW_PRIVATE_HOSTS: flag.default(false),
  THREADFINDER_BACKGROUND: hexColor.default([0x00, 0xb1, 0x40]),
  THREADFINDER_DOWNLOAD_TIMEOUT_MS: int(1, 600_000).default(20_000),
  THREADFINDER_DOWNLOAD_MAX_BYTES: int(1, 2 ** 31).default(25 * 1024 * 1024),
  THREADFINDER_DOWNLOAD_RETRIES: int(0, 10).default(4),
  THREADFINDER_PER_HOST_CONCURRENCY: int(1, 64).default(4),
  THREADFINDER_DOWNLOAD_FORCE_REFRESH: flag.default(false),
  THREADFINDER_HOST_PAUSE_BUDGET_MS: int(0, 24 * 3_600_000).default(HOST_WATCH_DEFAULTS.budgetMs),
  THREADFINDER_MAX_PIXELS: int(1, 1_000_000_000).default(DEFAULT_MAX_PIXELS),
  THREADFINDER_BATCH_SIZE: int(1, 500).default(8),
  THREADFINDER_DUPLICATE_THRESHOLD: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a decimal number such as 0.98')
    .transform(Number)
    .pipe(z.number().gt(0, 'expected a number above 0').lte(1))
    .default(0.98),
  THREADFINDER_TAG_MARGIN: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a decimal number from 0 to 1 such as 0.01')
    .transform(Number)
    .default(TAG_MARGIN_DEFAULT),
  [MODEL_ENV.embedModel]: modelId,
  [MODEL_ENV.segmentModel]: modelId,
  [MODEL_ENV.garmentClasses]: classList,
  [MODEL_ENV.imageFit]: z.enum(['pad', 'model']).default('pad'),
  [MODEL_ENV.embedBatchSize]: int(1, 256).default(8),
  [MODEL_ENV.onnxThreads]: int(1, 256).optional(),
  [MODEL_ENV.segmentSize]: z
    .enum(SEGMENT_SIZES.map(String) as [string, ...string[]], {
      message: `expected one of ${SEGMENT_SIZES.join(', ')}`,
    })
    .transform(Number)
    .optional(),
  [MODEL_ENV.embedDtype]: z.enum(EMBED_DTYPES).default('fp32'),
  [CLOUD_ENV.bucket]: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')
    .optional(),
  [CLOUD_ENV.mongoSecretArn]: z.string().startsWith('arn:', 'expected a Secrets Manager ARN').optional(),
  [CLOUD_ENV.mongoDatabase]: z.string().min(1).default('threadfinder'),
  [CLOUD_ENV.mongoCollection]: z.string().min(1).default('products'),
  [CLOUD_ENV.mongoIndex]: z.string().min(1).default(DEFAULT_MONGO_INDEX),
  THREADFINDER_WEB_DIR: z.string().min(1).optional(),
});

/** Which models run and how they are fed; the same settings locally and in the cloud. */
export interface ModelSettings {
  /** Registry id; undefined means the registry default for the mode. */
  embed?: string;
  segment?: string;
  /** Cloth class names that count as garment; undefined means the model's default (all garment classes). */
  garmentClasses?: readonly string[];
  /** How a non-square image becomes the embedder's square input. */
  imageFit: 'pad' | 'model';
  embedBatchSize: number;
  /** undefined: one thread per available core. */
  onnxThreads?: number;
  /** Side of the segmenter's square input; undefined: the model's own input size. */
  segmentSize?: number;
  /** Precision of the embedding graphs. */
  embedDtype: EmbedDtype;
}

/** Validated, frozen settings of one process. */
export interface Config {
  models: 'real' | 'test';
  dataDir: string;
  modelsDir: string;
  port: number;
  /** Address the search server listens on (0.0.0.0 to serve other machines). */
  host: string;
  allowPrivateHosts: boolean;
  background: [number, number, number];
  download: {
    timeoutMs: number;
    maxBytes: number;
    retries: number;
    perHostConcurrency: number;
    maxPixels: number;
    /** Ignore what earlier runs learnt about each URL (ETag, freshness) and fetch every image again. */
    forceRefresh: boolean;
    /** Total time one host may stay paused (failing or throttling) in a run before its images give up. */
    hostPauseBudgetMs: number;
  };
  batchSize: number;
  /** Search alternatives at or above this cosine to the best product or to each other count as one. */
  duplicateThreshold: number;
  /** An auto-tag is kept when its cosine margin over the group's runner-up is at least this. */
  tagMargin: number;
  model: ModelSettings;
  /** Where the deployed functions find their bucket and MongoDB (set by the stack; unset locally). */
  cloud: CloudSettings;
  /** Folder of the search page, when not the repository's web/ (the container image sets it). */
  webDir?: string;
}

/** The deployed functions' resources, named by environment variables the stack sets (cloud/env-names.ts). */
export interface CloudSettings {
  bucket?: string;
  mongoSecretArn?: string;
  mongoDatabase: string;
  mongoCollection: string;
  mongoIndex: string;
}

/** Reads and validates settings from an environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.THREADFINDER_DATA_DIR);
  const modelsDir = path.resolve(e.THREADFINDER_MODELS_DIR ?? path.join(dataDir, 'models'));
  const dataProblem = folderProblem(`THREADFINDER_DATA_DIR=${e.THREADFINDER_DATA_DIR}`, dataDir);
  const modelsProblem = e.THREADFINDER_MODELS_DIR
    ? folderProblem(`THREADFINDER_MODELS_DIR=${e.THREADFINDER_MODELS_DIR}`, modelsDir)
    : dataProblem === undefined &&
      folderProblem(`the models folder ${modelsDir} (THREADFINDER_MODELS_DIR unset)`, modelsDir);
  // A file where the data dir needs one of its folders would otherwise surface mid-run as a raw ENOTDIR.
  const inside =
    dataProblem === undefined
      ? DATA_DIR_FOLDERS.map((name) => {
          const dir = path.join(dataDir, name);
          return folderProblem(`the data dir's ${name} folder ${dir}`, dir);
        })
      : [];
  const problems = [dataProblem, modelsProblem, ...inside].filter((p) => typeof p === 'string');
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return Object.freeze({
    models: e.THREADFINDER_MODELS,
    dataDir,
    modelsDir,
    port: e.PORT,
    host: e.THREADFINDER_HOST,
    allowPrivateHosts: e.THREADFINDER_ALLOW_PRIVATE_HOSTS,
    background: e.THREADFINDER_BACKGROUND,
    download: Object.freeze({
      timeoutMs: e.THREADFINDER_DOWNLOAD_TIMEOUT_MS,
      maxBytes: e.THREADFINDER_DOWNLOAD_MAX_BYTES,
      retries: e.THREADFINDER_DOWNLOAD_RETRIES,
      perHostConcurrency: e.THREADFINDER_PER_HOST_CONCURRENCY,
      maxPixels: e.THREADFINDER_MAX_PIXELS,
      forceRefresh: e.THREADFINDER_DOWNLOAD_FORCE_REFRESH,
      hostPauseBudgetMs: e.THREADFINDER_HOST_PAUSE_BUDGET_MS,
    }),
    batchSize: e.THREADFINDER_BATCH_SIZE,
    duplicateThreshold: e.THREADFINDER_DUPLICATE_THRESHOLD,
    tagMargin: e.THREADFINDER_TAG_MARGIN,
    model: Object.freeze({
      embed: e[MODEL_ENV.embedModel],
      segment: e[MODEL_ENV.segmentModel],
      garmentClasses: e[MODEL_ENV.garmentClasses],
      imageFit: e[MODEL_ENV.imageFit],
      embedBatchSize: e[MODEL_ENV.embedBatchSize],
      onnxThreads: e[MODEL_ENV.onnxThreads],
      segmentSize: e[MODEL_ENV.segmentSize],
      embedDtype: e[MODEL_ENV.embedDtype],
    }),
    cloud: Object.freeze({
      bucket: e[CLOUD_ENV.bucket],
      mongoSecretArn: e[CLOUD_ENV.mongoSecretArn],
      mongoDatabase: e[CLOUD_ENV.mongoDatabase],
      mongoCollection: e[CLOUD_ENV.mongoCollection],
      mongoIndex: e[CLOUD_ENV.mongoIndex],
    }),
    ...(e.THREADFINDER_WEB_DIR && { webDir: path.resolve(e.THREADFINDER_WEB_DIR) }),
  });
}

/** statfs type of procfs: Node's recursive mkdir loops forever on ENOENT there. */
const PROC_SUPER_MAGIC = 0x9fa0;

/** The folders of a data dir that commands write in (the models folder is checked on its own). */
const DATA_DIR_FOLDERS = ['blobs', 'index', 'locks', 'logs'] as const;

/**
 * Why the folder `dir` (set by `setting`) cannot hold Threadfinder's files, or undefined when it can or may:
 * it, or the nearest part of it that exists, is a file; or it lies on /proc. Missing folders are fine (they are
 * made when needed); a part that cannot be looked at (permission denied) is left to the command that uses it.
 */
export function folderProblem(setting: string, dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    let info: Stats | undefined;
    try {
      info = statSync(at, { throwIfNoEntry: false });
    } catch (error) {
      // ENOTDIR: a part above is a file, found further up.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') return undefined;
    }
    if (info === undefined) {
      if (at === path.dirname(at)) return undefined;
      continue;
    }
    if (!info.isDirectory()) {
      const what = info.isFile() ? 'a file' : 'a device, pipe or socket';
      return at === dir
        ? `${setting} is ${what}, not a folder`
        : `${setting} cannot be a folder: ${at} is ${what}, not a folder`;
    }
    if (process.platform === 'linux' && onProcfs(at)) {
      return `${setting} is on /proc, the kernel's process information, where no folder can be made; choose another folder`;
    }
    return undefined;
  }
}

function onProcfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}
