import { performance } from 'node:perf_hooks';
import type { TensorInfo } from '#adapters/onnx-runtime.ts';
import { OnnxSegmenter } from '#adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '#adapters/transformers-embedder.ts';
import type { PixelOptions } from '#adapters/transformers-pixels.ts';
import type { EmbedDtype } from '#core/config.ts';
import type { EmbedModelSpec, ModelSpec, SegmentModelSpec, TensorSpec } from '#core/model-spec.ts';
import { dot } from '#core/vectors.ts';
import { embedModel, segmentModel } from '#models/resolve.ts';
import { CONTRAST_TEXT, drawVerifyImage, VERIFY_TEXT } from './drawn-garment.ts';

/** One graph loaded and run once. */
export interface TowerReport {
  tower: 'text' | 'vision' | 'segment';
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Declared inputs Threadfinder does not feed (a run then fails, or transformers.js fills a default). */
  notFed: string[];
  loadMs: number;
  runMs: number;
  /** What the run produced, in words (vector width and norm, mask coverage). */
  result: string;
}

/** The outcome of verifying one model. */
export interface ModelReport {
  id: string;
  task: ModelSpec['task'];
  towers: TowerReport[];
  /** Differences between the registry and the graph (names, types, shapes). */
  differences: string[];
  /** The ranking sanity check: passed, failed, or skipped (and why). */
  ranking?: string;
  /** Set when the model could not be loaded or run, or (real weights) failed the ranking sanity check. */
  error?: string;
}

// What Threadfinder feeds each graph: the tokenizer's ids and mask (all ones for SigLIP, see transformers-text.ts),
// the processor's pixels, and a segmenter's first input (rembg feeds `get_inputs()[0]` only).
const FED = { text: ['input_ids', 'attention_mask'], vision: ['pixel_values'] } as const;
const notFed = (io: { inputs: TensorInfo[] }, fed: readonly string[]) =>
  io.inputs.map((i) => i.name).filter((name) => !fed.includes(name));

/** How verify runs the models. */
export interface VerifyOptions {
  threads?: number;
  pixels?: Partial<PixelOptions>;
  /** Precision of the embedding graphs to load (THREADFINDER_EMBED_DTYPE); default fp32. */
  dtype?: EmbedDtype;
}

const ms = (since: number) => Math.round(performance.now() - since);

function compare(what: string, spec: TensorSpec, actual: TensorInfo | undefined, accepted: string[] = []) {
  if (!actual) return [`${what}: the graph declares none`];
  const out: string[] = [];
  if (spec.name !== null && actual.name !== spec.name && !accepted.includes(actual.name)) {
    out.push(`${what}: registry says ${spec.name}, graph has ${actual.name}`);
  }
  if (actual.type !== spec.dtype)
    out.push(`${what} ${actual.name}: registry says ${spec.dtype}, graph has ${actual.type}`);
  const fixed = (d: number | string) => (typeof d === 'number' ? d : '?');
  const shapeOk =
    actual.shape.length === spec.shape.length &&
    spec.shape.every(
      (d, i) => typeof d !== 'number' || typeof actual.shape[i] !== 'number' || actual.shape[i] === d,
    );
  if (!shapeOk)
    out.push(`${what} ${actual.name}: registry shape [${spec.shape.map(fixed)}], graph [${actual.shape}]`);
  return out;
}

async function verifyEmbed(spec: EmbedModelSpec, dir: string, options: VerifyOptions): Promise<ModelReport> {
  const model = embedModel(spec, dir, options.dtype);
  const report: ModelReport = { id: model.id, task: 'embed', towers: [], differences: [] };
  let start = performance.now();
  const text = await TransformersTextEmbedder.create({ model, threads: options.threads, batchSize: 1 });
  const textLoad = ms(start);
  start = performance.now();
  const [t, contrast] = await text.embedTexts([VERIFY_TEXT, CONTRAST_TEXT]);
  const textIo = text.io();
  await text.dispose(); // one model in memory at a time, however many are verified
  report.towers.push({
    tower: 'text',
    ...textIo,
    notFed: notFed(textIo, FED.text),
    loadMs: textLoad,
    runMs: ms(start),
    result: vectorText(t),
  });
  start = performance.now();
  const vision = await TransformersImageEmbedder.create({
    model,
    threads: options.threads,
    pixels: options.pixels,
  });
  const visionLoad = ms(start);
  const image = await drawVerifyImage();
  start = performance.now();
  const [v] = await vision.embedImages([image]);
  const visionIo = vision.io();
  await vision.dispose();
  const similarity = t && v ? `, cosine to the text ${dot(t, v).toFixed(3)}` : '';
  report.towers.push({
    tower: 'vision',
    ...visionIo,
    notFed: notFed(visionIo, FED.vision),
    loadMs: visionLoad,
    runMs: ms(start),
    result: `${vectorText(v)}${similarity}`,
  });
  report.differences.push(
    ...compare(
      'text input',
      spec.text.input,
      textIo.inputs.find((i) => i.name === 'input_ids') ?? textIo.inputs[0],
    ),
    ...compare('text output', spec.text.output, textIo.outputs[0], ['pooler_output']),
    ...compare('vision input', spec.vision.input, visionIo.inputs[0]),
    ...compare('vision output', spec.vision.output, visionIo.outputs[0], ['pooler_output']),
  );
  if (t && contrast && v) rankingCheck(report, spec, dot(v, t), dot(v, contrast));
  return report;
}

/**
 * With real weights, the drawn red t-shirt must be nearer "a red t-shirt" than "blue jeans". Stand-in weights
 * are meaningless, so there the check is skipped and says so.
 */
export function rankingCheck(report: ModelReport, spec: EmbedModelSpec, match: number, other: number) {
  const scores = `"${VERIFY_TEXT}" ${match.toFixed(3)} vs "${CONTRAST_TEXT}" ${other.toFixed(3)}`;
  if (spec.standIn) {
    report.ranking = `skipped: stand-in weights are meaningless (${scores})`;
  } else if (match > other) {
    report.ranking = `passed: the drawn red t-shirt scores ${scores}`;
  } else {
    report.ranking = `FAILED: the drawn red t-shirt scores ${scores}`;
    report.error = `ranking sanity check failed: ${scores}`;
  }
}

const vectorText = (v: Float32Array | undefined) =>
  v ? `${v.length}-d vector, norm ${Math.sqrt(dot(v, v)).toFixed(3)}` : 'no vector';

async function verifySegment(
  spec: SegmentModelSpec,
  dir: string,
  options: VerifyOptions,
): Promise<ModelReport> {
  const start = performance.now();
  const segmenter = await OnnxSegmenter.create({ model: segmentModel(spec, dir), threads: options.threads });
  const loadMs = ms(start);
  const image = await drawVerifyImage();
  const run = performance.now();
  const mask = await segmenter.segment(image);
  const runMs = ms(run);
  const io = segmenter.io();
  await segmenter.dispose();
  const covered = mask.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) / mask.data.length;
  const result = `${mask.width}x${mask.height} mask, ${(covered * 100).toFixed(1)}% garment`;
  return {
    id: spec.id,
    task: 'segment',
    towers: [
      { tower: 'segment', ...io, notFed: io.inputs.slice(1).map((i) => i.name), loadMs, runMs, result },
    ],
    differences: [
      ...compare('input', spec.input, io.inputs[0]),
      ...compare('first output', spec.output, io.outputs[0]),
    ],
  };
}

/** Loads one model from `dir`, runs one inference on a drawn image (and a short text), and reports what it saw. */
export async function verifyModel(
  spec: ModelSpec,
  dir: string,
  options: VerifyOptions = {},
): Promise<ModelReport> {
  try {
    return spec.task === 'embed'
      ? await verifyEmbed(spec, dir, options)
      : await verifySegment(spec, dir, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { id: spec.id, task: spec.task, towers: [], differences: [], error: message };
  }
}
