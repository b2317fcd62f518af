// The real-size model folders the bench runs: random-weight graphs of the real architectures, in the file layout
// and under the tensor names of the registry's u2net_cloth_seg and marqo-fashion-clip entries, generated once and
// cached outside the repository (os.tmpdir() by default; they are ~1 GB and never committed).
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EmbedDtype } from '#core/config.ts';
import { towerGraph } from '#models/dtypes.ts';
import { marqoFashionClip } from '#models/entries/embed-models.ts';
import { u2netClothSeg } from '#models/entries/segment-models.ts';
import { writeStandInModels } from '#models/testing/stand-ins.ts';
import { buildText, buildU2net, buildVit } from './architectures.ts';
import type { GraphBuilder } from './graph-builder.ts';

/** Bump when a generator changes, so cached graphs are rebuilt. */
const GENERATOR_VERSION = 1;

/** Where the generated graphs are cached unless told otherwise. */
export const DEFAULT_GRAPHS_DIR = path.join(os.tmpdir(), 'threadfinder-real-size-graphs');

/** The model folders, laid out as `<models dir>/<model id>/` like `models fetch` lays out the real models. */
export interface RealSizeModels {
  root: string;
  /** transformers.js folder of the embedder (marqo-fashion-clip's layout). */
  embedDir: string;
  /** Folder holding u2net_cloth_seg.onnx. */
  segmentDir: string;
  /** What each generated graph holds: params and GMACs per item, file size. */
  graphs: Record<string, { params: number; gmacs: number; bytes: number }>;
}

interface Manifest {
  version: number;
  graphs: RealSizeModels['graphs'];
}

async function readManifest(file: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    if (parsed.version === GENERATOR_VERSION) return parsed;
  } catch {
    // absent or unreadable: everything is rebuilt
  }
  return { version: GENERATOR_VERSION, graphs: {} };
}

/**
 * Makes the graphs of `dtypes` present under `dir` (default DEFAULT_GRAPHS_DIR), building only those missing or
 * from an older generator: u2net_cloth_seg/u2net_cloth_seg.onnx, and marqo-fashion-clip/ with the stand-in CLIP
 * folder's config, tokenizer and preprocessor files plus onnx/{text,vision}_model{,_quantized,_int8}.onnx.
 */
export async function ensureRealSizeGraphs(
  dtypes: readonly EmbedDtype[],
  dir = DEFAULT_GRAPHS_DIR,
  log: (line: string) => void = () => {},
): Promise<RealSizeModels> {
  const root = path.resolve(dir);
  const embedDir = path.join(root, marqoFashionClip.id);
  const segmentDir = path.join(root, u2netClothSeg.id);
  const manifestFile = path.join(root, 'graphs.json');
  const manifest = await readManifest(manifestFile);

  // The text side's files (config.json, CLIP tokenizer, CLIP preprocessor) are the stand-in CLIP's: the same
  // processor values as marqo-fashion-clip's, projection_dim 512.
  const standIns = await writeStandInModels(path.join(root, 'stand-ins'));
  await mkdir(path.join(embedDir, 'onnx'), { recursive: true });
  for (const f of [
    'config.json',
    'preprocessor_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
  ]) {
    await copyFile(path.join(standIns.clipDir, f), path.join(embedDir, f));
  }

  const wanted: [string, () => GraphBuilder][] = [
    [path.join(segmentDir, u2netClothSeg.file), () => buildU2net().graph],
    ...dtypes.flatMap((dtype): [string, () => GraphBuilder][] => [
      [path.join(embedDir, towerGraph('vision', dtype)), () => buildVit(dtype)],
      [path.join(embedDir, towerGraph('text', dtype)), () => buildText(dtype)],
    ]),
  ];
  for (const [file, build] of wanted) {
    const key = path.relative(root, file);
    const known = manifest.graphs[key];
    const size = (await stat(file).catch(() => undefined))?.size;
    if (known && known.bytes === size) continue;
    const started = performance.now();
    const graph = build();
    const bytes = graph.encode(
      `Threadfinder real-size bench: ${graph.name}, random weights (not a trained model).`,
    );
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, file);
    manifest.graphs[key] = { params: graph.params, gmacs: graph.macs / 1e9, bytes: bytes.length };
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    log(
      `  built ${key}: ${(graph.params / 1e6).toFixed(1)}M params, ${(graph.macs / 1e9).toFixed(2)} GMACs per item, ` +
        `${(bytes.length / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return { root, embedDir, segmentDir, graphs: manifest.graphs };
}
