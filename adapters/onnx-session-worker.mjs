// One ONNX session in a worker thread (see onnx-worker-session.ts): onnxruntime-node runs a graph synchronously on
// the calling thread, so a long graph run here leaves the main thread's event loop free.
// Plain JavaScript on purpose: a worker starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';

const plainMetadata = (list) => list.map((m) => ({ ...m, ...(m.shape && { shape: [...m.shape] }) }));

let session;
try {
  session = await InferenceSession.create(workerData.file, workerData.options);
  parentPort.postMessage({
    ready: {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      inputMetadata: plainMetadata(session.inputMetadata),
      outputMetadata: plainMetadata(session.outputMetadata),
    },
  });
} catch (error) {
  parentPort.postMessage({ failed: String(error?.message ?? error) });
}

parentPort.on('message', async ({ id, feeds, fetches }) => {
  try {
    const tensors = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new Tensor(t.type, t.data, t.dims);
    const out = await session.run(tensors, fetches);
    const outputs = {};
    const transfer = [];
    for (const name of fetches) {
      const t = out[name];
      if (!t) continue;
      outputs[name] = { type: t.type, data: t.data, dims: [...t.dims] };
      transfer.push(t.data.buffer);
    }
    parentPort.postMessage({ id, outputs }, transfer);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});
