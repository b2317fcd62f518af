import { EMBED_DTYPES, type EmbedDtype, MODEL_ENV } from '#core/config.ts';
import { ConfigError } from '#core/errors.ts';
import { DTYPE_SUFFIX, type ModelFile, type ModelSpec, towerGraph } from '#core/model-spec.ts';

export { DTYPE_SUFFIX, towerGraph };

// An embedding model's graphs come in precisions named as transformers.js dtypes (THREADFINDER_EMBED_DTYPE):
// `onnx/<tower>_model.onnx` (fp32), `_quantized` (q8) and `_int8` (int8). The registry lists every published
// file; a process needs, and `models fetch` downloads, only the graphs of the precision it runs.

const GRAPH = /(?:^|\/)onnx\/(?:text|vision)_model(_[a-z0-9]+)?\.onnx$/;

/**
 * The precision of a file: an embedding graph's dtype by its suffix, `other` for a graph of a precision not
 * offered (fp16, q4, ...), null for every other file (configs, tokenizers, segmentation graphs).
 */
export function fileDtype(filePath: string): EmbedDtype | 'other' | null {
  const match = GRAPH.exec(filePath);
  if (!match) return null;
  const suffix = match[1] ?? '';
  return EMBED_DTYPES.find((d) => DTYPE_SUFFIX[d] === suffix) ?? 'other';
}

/** The files of `spec` a process running `dtype` needs: everything but the embedding graphs of other precisions. */
export function filesFor(spec: ModelSpec, dtype: EmbedDtype = 'fp32'): readonly ModelFile[] {
  if (spec.task !== 'embed') return spec.files;
  return spec.files.filter((f) => {
    const own = fileDtype(f.path);
    return own === null || own === dtype;
  });
}

/** The registry entry with only the files of one precision (what `models fetch` downloads and checks). */
export const withDtype = <S extends ModelSpec>(spec: S, dtype: EmbedDtype = 'fp32'): S => ({
  ...spec,
  files: filesFor(spec, dtype),
});

const folderOf = (spec: ModelSpec) => (spec.task === 'embed' && spec.folder !== '.' ? `${spec.folder}/` : '');

/** The precisions an embedding model publishes both graphs (text and vision) in, in EMBED_DTYPES order. */
export function publishedDtypes(spec: ModelSpec): EmbedDtype[] {
  if (spec.task !== 'embed') return [];
  const paths = new Set(spec.files.map((f) => f.path));
  return EMBED_DTYPES.filter((d) =>
    (['text', 'vision'] as const).every((t) => paths.has(`${folderOf(spec)}${towerGraph(t, d)}`)),
  );
}

/** Throws ConfigError naming the setting, the model and the precisions it has when it publishes no `dtype` graphs. */
export function checkDtype(spec: ModelSpec, dtype: EmbedDtype): void {
  if (spec.task !== 'embed') return;
  const has = publishedDtypes(spec);
  if (has.includes(dtype)) return;
  const wanted = (['text', 'vision'] as const).map((t) => towerGraph(t, dtype)).join(', ');
  throw new ConfigError(
    `${MODEL_ENV.embedDtype}=${dtype}: embedding model ${spec.id} publishes no ${dtype} graphs (${wanted}); ` +
      `it has ${has.join(', ')}. Choose one of those, or another model.`,
  );
}

/**
 * The id the vectors of `modelId` at `dtype` carry (store binding, index folder, embedding cache, tag
 * vocabulary): the registry id for fp32, `<id>@<dtype>` otherwise, so that vectors of different precisions are
 * never mixed silently (a store bound to one is refused for the other with both ids named).
 */
export const vectorModelId = (modelId: string, dtype: EmbedDtype = 'fp32'): string =>
  dtype === 'fp32' ? modelId : `${modelId}@${dtype}`;
