import { Worker } from 'node:worker_threads';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { ThreadfinderError } from '#core/errors.ts';
import { onnxSessionOptions, unloadableModel } from './onnx-runtime.ts';

type Plain = { type: Tensor.Type; data: Tensor.DataType; dims: readonly number[] };
type Reply = { id: number; outputs?: Record<string, Plain>; error?: string };
type Ready = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'inputMetadata' | 'outputMetadata'>;

/**
 * An ONNX session that runs its graph in a worker thread, with the session settings every model shares
 * (OnnxSessionFactory's shape: what OnnxSegmenter takes). The search server uses it for a photo search's
 * segmentation: onnxruntime-node runs a graph synchronously on the calling thread, and U2NET's seconds on the main
 * thread would stall every other request. Inputs are copied to the worker, outputs are moved back. Only `run` (feeds,
 * fetched names) and `release` are provided; a worker that dies fails its runs and every later one.
 */
export async function workerOnnxSession(file: string, threads?: number): Promise<InferenceSession> {
  const worker = new Worker(new URL('./onnx-session-worker.mjs', import.meta.url), {
    workerData: { file, options: onnxSessionOptions(threads) },
  });
  const pending = new Map<
    number,
    { resolve: (r: InferenceSession.ReturnType) => void; reject: (e: Error) => void }
  >();
  let next = 0;
  let dead: Error | undefined;
  const fail = (error: Error) => {
    dead ??= error;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.once('message', (m: { ready?: Ready; failed?: string }) =>
      m.ready ? resolve(m.ready) : reject(unloadableModel(file, String(m.failed))),
    );
    worker.once('error', reject);
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.error !== undefined) return p.reject(new ThreadfinderError(`${file}: ${m.error}`));
    const outputs = Object.entries(m.outputs ?? {}).map(([name, t]) => [
      name,
      new Tensor(t.type, t.data, t.dims),
    ]);
    p.resolve(Object.fromEntries(outputs) as InferenceSession.ReturnType);
  });
  worker.on('error', (error) =>
    fail(new ThreadfinderError(`the ONNX worker for ${file} failed: ${error.message}`)),
  );
  worker.on('exit', (code) =>
    fail(new ThreadfinderError(`the ONNX worker for ${file} stopped (exit code ${code})`)),
  );
  // An idle worker does not keep the process alive; one with runs pending does.
  worker.unref();
  const session = {
    ...ready,
    run(feeds: Record<string, Tensor>, fetches?: readonly string[] | Record<string, unknown>) {
      if (dead) return Promise.reject(dead);
      const names =
        fetches === undefined ? ready.outputNames : Array.isArray(fetches) ? fetches : Object.keys(fetches);
      const plain = Object.fromEntries(
        Object.entries(feeds).map(([name, t]) => [name, { type: t.type, data: t.data, dims: t.dims }]),
      );
      const id = next++;
      return new Promise<InferenceSession.ReturnType>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, feeds: plain, fetches: names });
      });
    },
    async release() {
      dead ??= new ThreadfinderError(`the ONNX session for ${file} was released`);
      await worker.terminate();
    },
  };
  return session as unknown as InferenceSession;
}
