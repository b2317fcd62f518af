import { performance } from 'node:perf_hooks';
import type { TensorInfo } from '../../adapters/onnx-runtime.ts';
import { OnnxSegmenter } from '../../adapters/onnx-segmenter.ts';
import { TransformersImageEmbedder, TransformersTextEmbedder } from '../../adapters/transformers-embedder.ts';
import type { PixelOptions } from '../../adapters/transformers-pixels.ts';
import { dot } from '../../core/vectors.ts';
import type { EmbedModelSpec, ModelSpec, SegmentModelSpec, TensorSpec } from '../model-spec.ts';
import { embedModel, segmentModel } from '../resolve.ts';
import { drawVerifyImage, VERIFY_TEXT } from './drawn-garment.ts';

/** One graph loaded and run once. */
export interface TowerReport {
  tower: 'text' | 'vision' | 'segment';
  inputs: TensorInfo[];
  outputs: TensorInfo[];
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
  /** Set when the model could not be loaded or run. */
  error?: string;
}

/** How verify runs the models. */
export interface VerifyOptions {
  threads?: number;
  pixels?: Partial<PixelOptions>;
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
  const model = embedModel(spec, dir);
  const report: ModelReport = { id: spec.id, task: 'embed', towers: [], differences: [] };
  let start = performance.now();
  const text = await TransformersTextEmbedder.create({ model, threads: options.threads, batchSize: 1 });
  const textLoad = ms(start);
  start = performance.now();
  const [t] = await text.embedTexts([VERIFY_TEXT]);
  const textIo = text.io();
  await text.dispose(); // one model in memory at a time, however many are verified
  report.towers.push({ tower: 'text', ...textIo, loadMs: textLoad, runMs: ms(start), result: vectorText(t) });
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
  return report;
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
    towers: [{ tower: 'segment', ...io, loadMs, runMs, result }],
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
