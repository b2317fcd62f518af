import fs from 'node:fs/promises';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import type { EmbedDtype } from '#core/config.ts';
import { ModelMissingError, ThreadfinderError } from '#core/errors.ts';
import type { ResolvedEmbedModel } from '#core/resolved-models.ts';
import { truncate } from '#core/truncate.ts';
import { onnxSessionOptions } from './onnx-runtime.ts';

const refused: string[] = [];

/** URLs transformers.js tried to fetch since start-up (each refused); stays empty when loading works offline. */
export function refusedFetches(): readonly string[] {
  return refused;
}

/** Makes transformers.js read local folders only: no Hub, no file cache, and a fetch that always refuses. */
export function configureOfflineTransformers(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFS = true;
  env.useFSCache = false;
  env.useBrowserCache = false;
  env.fetch = async (url: string | URL) => {
    refused.push(String(url));
    throw new ModelMissingError(
      `transformers.js tried to fetch ${url}; Threadfinder loads models from local folders only`,
    );
  };
}

/** Throws ModelMissingError naming every absent file of `model` among `files` (relative to its folder). */
export async function requireFiles(model: ResolvedEmbedModel, files: readonly string[]): Promise<void> {
  const absent: string[] = [];
  for (const f of files) {
    const where = path.join(model.dir, f);
    const stat = await fs.stat(where).catch(() => undefined);
    if (!stat?.isFile()) absent.push(where);
  }
  if (absent.length > 0) {
    throw new ModelMissingError(
      `embedding model ${model.id} is incomplete; missing:\n  ${absent.join('\n  ')}`,
    );
  }
}

/**
 * Options every transformers.js model load uses: local files, CPU, the shared ONNX session settings, and the
 * precision of the graphs (`dtype`, which makes transformers.js load `onnx/<name>_quantized.onnx` for q8 and
 * `onnx/<name>_int8.onnx` for int8; tokenizers and processors ignore it).
 */
export const pretrainedOptions = (threads?: number, dtype: EmbedDtype = 'fp32') => ({
  local_files_only: true,
  dtype,
  device: 'cpu' as const,
  session_options: onnxSessionOptions(threads),
});

/** Runs a transformers.js load, turning its errors into ThreadfinderError naming the model and folder. */
export async function loadOrExplain<T>(
  model: ResolvedEmbedModel,
  what: string,
  load: () => Promise<T>,
): Promise<T> {
  configureOfflineTransformers();
  try {
    return await load();
  } catch (cause) {
    if (cause instanceof ThreadfinderError) throw cause;
    const bad = cause instanceof SyntaxError ? await firstBadJson(model.dir) : undefined;
    const detail = bad
      ? `${bad} is not valid JSON (damaged? fetch it again)`
      : printable((cause as Error).message);
    const message = `cannot load the ${what} of embedding model ${model.id} from ${model.dir}: ${detail}`;
    throw new ThreadfinderError(message, { cause });
  }
}

/** The first .json file of a model folder that does not parse (transformers.js does not say which it read). */
async function firstBadJson(dir: string): Promise<string | undefined> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    try {
      JSON.parse(await fs.readFile(file, 'utf8'));
    } catch {
      return file;
    }
  }
  return undefined;
}

/** An error message fit for one terminal line: no control characters, no replacement characters, 300 at most. */
function printable(text: string): string {
  const codes = [...text].map((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f || code === 0xfffd ? '?' : c;
  });
  return truncate(codes.join(''), 300);
}

type Json = Record<string, unknown> | undefined;

/** Vector width stated by a model's config.json (CLIP projection_dim, SigLIP tower hidden size), or undefined. */
export function configDim(
  config: unknown,
  family: ResolvedEmbedModel['family'],
  tower: 'text' | 'vision',
): number | undefined {
  const c = config as Json;
  const sub = c?.[`${tower}_config`] as Json;
  const candidates =
    family === 'clip'
      ? [c?.projection_dim, sub?.projection_dim]
      : [sub?.projection_size, sub?.hidden_size, c?.projection_dim, c?.hidden_size];
  return candidates.find((v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0);
}

/**
 * Checks config.json's width against the registry's, so a wrong registry entry fails at load, not in search.
 * A config that states no width (a custom config class) leaves the check to the first output's shape.
 */
export function checkedDim(model: ResolvedEmbedModel, config: unknown, tower: 'text' | 'vision'): number {
  const dim = configDim(config, model.family, tower);
  if (dim !== undefined && dim !== model.dim) {
    throw new ThreadfinderError(
      `embedding model ${model.id}: config.json in ${model.dir} gives ${tower} width ${dim}, the registry says ${model.dim}; fix models/registry.ts`,
    );
  }
  return model.dim;
}

/** Throws RangeError unless `size` is a positive integer batch size. */
export function checkBatchSize(size: number): number {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`);
  return size;
}
