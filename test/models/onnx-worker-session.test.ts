import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxSession, onnxSessionOptions } from '#adapters/onnx-runtime.ts';
import { workerOnnxSession } from '#adapters/onnx-worker-session.ts';
import { exitCodeOf } from '#cli/cli.ts';
import { ModelMissingError } from '#core/errors.ts';
import { buildClothGraph } from '#models/testing/segment-graphs.ts';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-onnx-worker-'));
  file = path.join(dir, 'cloth.onnx');
  await writeFile(file, buildClothGraph());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const input = (side: number) => {
  const data = new Float32Array(3 * side * side);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 500 - 1;
  return { 'input.1': new Tensor('float32', data, [1, 3, side, side]) };
};

/** The longest gap between 5 ms timer ticks while `work` runs: how long the event loop was held. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  await work();
  clearInterval(timer);
  return Math.max(longest, performance.now() - last);
}

describe('workerOnnxSession', () => {
  it('gives the outputs an in-thread session gives, and leaves the event loop free while the graph runs', async () => {
    // Prepare
    const inThread = await InferenceSession.create(file, onnxSessionOptions());
    const inWorker = await workerOnnxSession(file);
    const feeds = input(1536);
    await inThread.run(feeds, ['1959']);
    await inWorker.run(feeds, ['1959']);
    // Act
    let expected: InferenceSession.ReturnType = {};
    let got: InferenceSession.ReturnType = {};
    const heldInThread = await longestStall(async () => {
      expected = await inThread.run(feeds, ['1959']);
    });
    // The least of 3 runs: on a loaded 2-core machine any one of them may lose the core to another process.
    let heldInWorker = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const held = await longestStall(async () => {
        got = await inWorker.run(feeds, ['1959']);
      });
      heldInWorker = Math.min(heldInWorker, held);
    }
    // Assess
    expect(inWorker.inputNames).toEqual(inThread.inputNames);
    expect(inWorker.outputNames).toEqual(inThread.outputNames);
    expect(got['1959']?.dims).toEqual([1, 4, 1536, 1536]);
    const bytes = (r: InferenceSession.ReturnType) => {
      const data = (r['1959'] as Tensor).data as Float32Array;
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    };
    expect(Buffer.compare(bytes(got), bytes(expected))).toBe(0);
    expect(heldInThread).toBeGreaterThan(2 * heldInWorker);
    await Promise.all([inThread.release(), inWorker.release()]);
  });

  it('refuses a file that is not a model, naming it, and every run once released', async () => {
    // Prepare
    const junk = path.join(dir, 'junk.onnx');
    await writeFile(junk, 'not a model');
    const session = await workerOnnxSession(file);
    await session.release();
    // Act and assess
    await expect(workerOnnxSession(junk)).rejects.toThrow(/cannot load ONNX model .*junk\.onnx/);
    await expect(session.run(input(8), ['1959'])).rejects.toThrow(/was released/);
  });

  it('calls a damaged model file a missing model (exit 3), in a worker or not, and says how to get it again', async () => {
    // Prepare: a model cut short, as an interrupted copy leaves it
    const cut = path.join(dir, 'cut.onnx');
    await writeFile(cut, (await readFile(file)).subarray(0, 200));
    // Act
    const errors = await Promise.all(
      [workerOnnxSession(cut), onnxSession(cut)].map((p) => p.catch((e: unknown) => e)),
    );
    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(ModelMissingError);
      expect(exitCodeOf(error)).toBe(3);
      expect(String(error)).toMatch(
        /cannot load ONNX model .*cut\.onnx: .*; the file is damaged or not a model: threadfinder models verify checks every model, threadfinder models fetch downloads it again/,
      );
    }
  });
});
