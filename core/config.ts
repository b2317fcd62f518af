import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const hexColor = z
  .string()
  .regex(/^#?[0-9a-fA-F]{6}$/, 'expected a colour like #00b140')
  .transform((s): [number, number, number] => {
    const h = s.replace('#', '');
    return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  });

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const schema = z.object({
  THREADFINDER_MODELS: z.enum(['real', 'test']).default('real'),
  THREADFINDER_DATA_DIR: z.string().min(1).default('.threadfinder'),
  THREADFINDER_MODELS_DIR: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  THREADFINDER_ALLOW_PRIVATE_HOSTS: flag.default(false),
  THREADFINDER_BACKGROUND: hexColor.default([0x00, 0xb1, 0x40]),
  THREADFINDER_DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  THREADFINDER_DOWNLOAD_MAX_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  THREADFINDER_DOWNLOAD_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  THREADFINDER_PER_HOST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  THREADFINDER_MAX_PIXELS: z.coerce.number().int().positive().default(50_000_000),
  THREADFINDER_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(8),
});

/** Validated, frozen settings of one process. */
export interface Config {
  models: 'real' | 'test';
  dataDir: string;
  modelsDir: string;
  port: number;
  allowPrivateHosts: boolean;
  background: [number, number, number];
  download: {
    timeoutMs: number;
    maxBytes: number;
    retries: number;
    perHostConcurrency: number;
    maxPixels: number;
  };
  batchSize: number;
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
  return Object.freeze({
    models: e.THREADFINDER_MODELS,
    dataDir,
    modelsDir: path.resolve(e.THREADFINDER_MODELS_DIR ?? path.join(dataDir, 'models')),
    port: e.PORT,
    allowPrivateHosts: e.THREADFINDER_ALLOW_PRIVATE_HOSTS,
    background: e.THREADFINDER_BACKGROUND,
    download: Object.freeze({
      timeoutMs: e.THREADFINDER_DOWNLOAD_TIMEOUT_MS,
      maxBytes: e.THREADFINDER_DOWNLOAD_MAX_BYTES,
      retries: e.THREADFINDER_DOWNLOAD_RETRIES,
      perHostConcurrency: e.THREADFINDER_PER_HOST_CONCURRENCY,
      maxPixels: e.THREADFINDER_MAX_PIXELS,
    }),
    batchSize: e.THREADFINDER_BATCH_SIZE,
  });
}
