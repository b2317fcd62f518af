import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { environmentFaultOf } from '#core/env-fault.ts';
import { ModelMissingError } from '#core/errors.ts';

/**
 * Session settings every ONNX model in this process shares (transformers.js gets the same ones): CPU, all graph
 * optimisations, intra-op threads = `threads` or the cores available to the process.
 */
export function onnxSessionOptions(threads?: number): InferenceSession.SessionOptions {
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) {
    throw new RangeError(`ONNX thread count must be a positive integer, got ${threads}`);
  }
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads ?? os.availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Pool threads sleep between runs instead of spinning: the stages decode and download on the same cores
    // between runs, and a spinning pool took their CPU.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

const sessions = new Map<string, Promise<InferenceSession>>();

async function create(file: string, threads: number | undefined): Promise<InferenceSession> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new ModelMissingError(`ONNX model file not found: ${file}`);
  try {
    return await InferenceSession.create(file, onnxSessionOptions(threads));
  } catch (cause) {
    throw (
      environmentFaultOf(cause, { path: file, action: 'reading' }) ??
      unloadableModel(file, (cause as Error).message, cause)
    );
  }
}

/**
 * A model file onnxruntime cannot load (truncated, damaged, not a model): a model that is in effect missing
 * (the CLI's exit 3), with the way to check and to fetch it again.
 */
export function unloadableModel(file: string, why: string, cause?: unknown): ModelMissingError {
  return new ModelMissingError(
    `cannot load ONNX model ${file}: ${why}; the file is damaged or not a model: threadfinder models verify checks every model, threadfinder models fetch downloads it again`,
    { cause },
  );
}

/**
 * The process-wide InferenceSession for an ONNX file, created on first use and then shared.
 * A failed load is not cached, so a later call retries.
 */
export function onnxSession(file: string, threads?: number): Promise<InferenceSession> {
  const key = `${path.resolve(file)}#${threads ?? 'auto'}`;
  let session = sessions.get(key);
  if (!session) {
    session = create(path.resolve(file), threads);
    sessions.set(key, session);
    session.catch(() => sessions.delete(key));
  }
  return session;
}

/** Drops a file's shared session from the cache and frees its memory; the next onnxSession loads it again. */
export async function releaseOnnxSession(file: string, threads?: number): Promise<void> {
  const key = `${path.resolve(file)}#${threads ?? 'auto'}`;
  const session = sessions.get(key);
  sessions.delete(key);
  await (await session?.catch(() => undefined))?.release();
}

/** Creates (or reuses) the session for a file; the seam adapters accept for injection. */
export type OnnxSessionFactory = (file: string, threads?: number) => Promise<InferenceSession>;

/** A tensor's name, element type and shape as the session declares them. */
export interface TensorInfo {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

/** Inputs and outputs a session declares (names, element types, symbolic or fixed shapes). */
export function sessionIo(session: InferenceSession): { inputs: TensorInfo[]; outputs: TensorInfo[] } {
  const info = (list: readonly InferenceSession.ValueMetadata[]): TensorInfo[] =>
    list.map((m) =>
      m.isTensor
        ? { name: m.name, type: m.type, shape: [...m.shape] }
        : { name: m.name, type: 'non-tensor', shape: [] },
    );
  return { inputs: info(session.inputMetadata), outputs: info(session.outputMetadata) };
}
