import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { ModelMissingError, ThreadfinderError } from '../core/errors.ts';

/** Session settings every ONNX model in this process shares (transformers.js gets the same ones). */
export function onnxSessionOptions(): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: os.availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
}

const sessions = new Map<string, Promise<InferenceSession>>();

async function create(file: string): Promise<InferenceSession> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new ModelMissingError(`ONNX model file not found: ${file}`);
  try {
    return await InferenceSession.create(file, onnxSessionOptions());
  } catch (cause) {
    throw new ThreadfinderError(`cannot load ONNX model ${file}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The process-wide InferenceSession for an ONNX file, created on first use and then shared.
 * A failed load is not cached, so a later call retries.
 */
export function onnxSession(file: string): Promise<InferenceSession> {
  const key = path.resolve(file);
  let session = sessions.get(key);
  if (!session) {
    session = create(key);
    sessions.set(key, session);
    session.catch(() => sessions.delete(key));
  }
  return session;
}

/** Creates (or reuses) the session for a file; the seam adapters accept for injection. */
export type OnnxSessionFactory = (file: string) => Promise<InferenceSession>;
