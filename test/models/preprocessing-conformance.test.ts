import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { toInput } from '#adapters/onnx-segmenter.ts';
import { type ImageFit, loadPreparePixels } from '#adapters/transformers-pixels.ts';
import { decodeToRgb } from '#core/image/codec.ts';
import { decodeForSegmentation } from '#core/image/mask-garment.ts';
import { cutoutForEmbedding } from '#core/image/prepare.ts';
import { Random } from '#core/random.ts';
import { findModel } from '#models/registry.ts';
import type { ResolvedSegmentModel } from '#models/resolve.ts';
import { resolveModels } from '#models/resolve.ts';
import { drawGarment } from '#samples/generator/draw.ts';
import { tempDir } from './drawn-images.ts';

// Our model inputs against the authors' Python preprocessing (PIL + numpy, test/models/pil-reference.py):
// CLIP and SigLIP image processors and rembg's BaseSession.normalize, on images chosen to stress resampling.

const PYTHON = process.env.THREADFINDER_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'pil-reference.py');
const GREEN = [0x00, 0xb1, 0x40] as const;
const LIMITS = { meanAbs: 0.01, maxAbs: 0.1 };
// The segment stage shrinks a photo larger than the model's square with libvips' lanczos3, not Pillow's LANCZOS
// (core/image/mask-garment.ts): on a photo within rounding of Pillow's; on 1 px stripes and pixel noise, which
// alias when shrunk, a few levels apart. (The path before it, libvips to 1024 px and Pillow again, was off by up
// to 0.3 on the photo.) Smaller images are enlarged with Pillow's arithmetic and meet LIMITS.
// The embed stage decodes a photo it can halve or more straight to the model's size with libvips' cubic (the
// kernel of Pillow's BICUBIC), then pads (core/image/embed-input.ts). On the photo its mean is within 1.2-2x of
// the path it replaced (libvips to 512 px, then Pillow; mean 0.018/0.006/0.010/0.002 for clip pad/model, siglip
// pad/model); stripes and noise alias further apart; a strip padded after the resize has its edge row where the
// authors' pad-then-resize blends it. Images it cannot halve keep Pillow's arithmetic and meet LIMITS.
const EMBED_STAGE_LIMITS: StageLimits = {
  photo: { meanAbs: 0.025, maxAbs: 0.65 },
  aliasing: { meanAbs: 0.035, maxAbs: 0.35 },
  padBorder: { meanAbs: 0.035, maxAbs: 2.1 },
};
interface StageLimits {
  photo: { meanAbs: number; maxAbs: number };
  aliasing: { meanAbs: number; maxAbs: number };
  padBorder?: { meanAbs: number; maxAbs: number };
}
const SEGMENT_STAGE_LIMITS: StageLimits = {
  photo: { meanAbs: 0.005, maxAbs: 0.25 },
  aliasing: { meanAbs: 0.15, maxAbs: 0.5 },
};

function pilAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasPil = pilAvailable();
if (!hasPil && process.env.THREADFINDER_REQUIRE_PIL === '1') {
  throw new Error(`${PYTHON} with PIL and numpy is required (apt-get install -y python3-pil python3-numpy)`);
}
if (!hasPil)
  console.warn(
    `SKIPPED preprocessing conformance: ${PYTHON} lacks PIL/numpy (apt python3-pil python3-numpy)`,
  );

type Pixel = (x: number, y: number) => number[];
const png = (w: number, h: number, channels: 1 | 3 | 4, at: Pixel) => {
  const data = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(at(x, y), (y * w + x) * channels);
  return sharp(data, { raw: { width: w, height: h, channels } })
    .png()
    .toBuffer();
};

async function drawCases(): Promise<[string, Buffer][]> {
  const noise = new Random(7);
  const text = `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="300"><rect width="420" height="300" fill="#f4f0e8"/>
    ${Array.from({ length: 18 }, (_, i) => `<text x="6" y="${14 + i * 16}" font-size="${8 + (i % 4)}" fill="#202020">COTTON 100% made in PT size M/L wash 30C ${i}</text>`).join('')}</svg>`;
  return [
    ['stripes 1px 512', await png(512, 512, 3, (x) => (x % 2 ? [220, 20, 40] : [20, 40, 220]))],
    [
      'checks 2px 600x800',
      await png(600, 800, 3, (x, y) => (((x >> 1) + (y >> 1)) % 2 ? [250, 250, 250] : [10, 10, 10])),
    ],
    ['small text 420x300', await sharp(Buffer.from(text)).png().toBuffer()],
    ['wide strip 1000x120', await png(1000, 120, 3, (x, y) => [(x * 7) % 256, (y * 13) % 256, 128])],
    ['tall 90x900', await png(90, 900, 3, (x, y) => (y % 3 ? [200, 180, 20] : [30, 60, 90 + (x % 50)]))],
    [
      'alpha 300x400',
      await png(300, 400, 4, (x, y) => [x % 256, y % 256, 90, (x + y) % 3 ? 255 : (x * 2) % 256]),
    ],
    ['greyscale 256x320', await png(256, 320, 1, (x, y) => [(x * y) % 256])],
    [
      'noise 640x480',
      await png(640, 480, 3, () => [noise.int(0, 255), noise.int(0, 255), noise.int(0, 255)]),
    ],
    ['small 100x150', await png(100, 150, 3, (x, y) => [x * 2, y, 255 - x])],
    // Larger than every segmenter's square: the segment stage shrinks these in libvips.
    [
      'photo 1000x1333',
      await drawGarment({
        type: 'shirt',
        color: 'red',
        pattern: 'stripes',
        view: 'front',
        seed: 3,
        width: 1000,
        height: 1333,
      }),
    ],
    ['stripes 1px 1600x1600', await png(1600, 1600, 3, (x) => (x % 2 ? [220, 20, 40] : [20, 40, 220]))],
    [
      'noise 1600x1200',
      await png(1600, 1200, 3, () => [noise.int(0, 255), noise.int(0, 255), noise.int(0, 255)]),
    ],
  ];
}

interface Diff {
  meanAbs: number;
  maxAbs: number;
}
function diff(ours: Float32Array, reference: Float32Array): Diff {
  expect(ours.length).toBe(reference.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs((ours[i] as number) - (reference[i] as number));
    sum += d;
    if (d > max) max = d;
  }
  return { meanAbs: sum / ours.length, maxAbs: max };
}

describe.skipIf(!hasPil)('preprocessing conformance with PIL + numpy', () => {
  let dir: string;
  let cases: [string, Buffer][];
  const results: Record<string, Diff> = {};

  beforeAll(async () => {
    dir = await tempDir('conformance');
    cases = await drawCases();
    await Promise.all(cases.map(([, bytes], i) => fs.writeFile(path.join(dir, `${i}.png`), bytes)));
  });

  // Runs the reference for every case of one family and returns its tensors, in case order.
  function reference(family: string, fit: ImageFit, extra: object = {}): Float32Array[] {
    const jobs = cases.map((_, i) => ({
      src: path.join(dir, `${i}.png`),
      out: path.join(dir, `${i}.${family}.${fit}.f32`),
      background: GREEN,
      fit,
      family,
      ...extra,
    }));
    execFileSync(PYTHON, [SCRIPT], { input: JSON.stringify(jobs) });
    return jobs.map((j) => {
      const bytes = readFileSync(j.out);
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    });
  }

  const decode = (bytes: Buffer) => decodeToRgb(bytes, { maxPixels: 50_000_000, background: GREEN });

  // Each case's limits: LIMITS for Pillow's arithmetic; a stage that resamples in libvips has its own table.
  function limitsFor(name: string, stage: StageLimits | undefined): { meanAbs: number; maxAbs: number } {
    if (!stage) return LIMITS;
    if (/^(stripes|checks|noise) /.test(name)) return stage.aliasing;
    if (name.startsWith('photo')) return stage.photo;
    if (stage.padBorder && /strip|tall/.test(name)) return stage.padBorder;
    return LIMITS;
  }

  function assess(
    key: string,
    ours: Float32Array[],
    expected: Float32Array[],
    usable: boolean[],
    stage?: StageLimits,
  ) {
    for (const [i, [name]] of cases.entries()) {
      if (!usable[i]) continue;
      const d = diff(ours[i] as Float32Array, expected[i] as Float32Array);
      results[`${key} ${name}`] = d;
      const limits = limitsFor(name, stage);
      expect(d.meanAbs, `${name} mean`).toBeLessThanOrEqual(limits.meanAbs);
      expect(d.maxAbs, `${name} max`).toBeLessThanOrEqual(limits.maxAbs);
    }
  }

  // adapter: the embedder's preparation of a decoded image (Pillow's arithmetic); stage: what the embed stage
  // feeds it (core/image/prepare.ts: a photo it can halve decoded straight to the model's size in libvips).
  it.each([
    ['test-clip', 'clip', 'pad', 'adapter'],
    ['test-clip', 'clip', 'model', 'adapter'],
    ['test-siglip', 'siglip', 'pad', 'adapter'],
    ['test-siglip', 'siglip', 'model', 'adapter'],
    ['test-clip', 'clip', 'pad', 'stage'],
    ['test-clip', 'clip', 'model', 'stage'],
    ['test-siglip', 'siglip', 'pad', 'stage'],
    ['test-siglip', 'siglip', 'model', 'stage'],
  ] as const)(
    '%s (%s preprocessing, fit=%s, %s path) matches the authors within the limits',
    async (id, family, fit, path) => {
      // Prepare
      const modelsDir = await tempDir('conformance-models');
      const { embed } = await resolveModels({ models: 'test', modelsDir }, { embed: id });
      const prepare = await loadPreparePixels(embed, { fit, padColour: GREEN });
      // fit=model keeps the aspect ratio only up to 4:1 (a deliberate guard), so extreme strips are left out there.
      const usable = cases.map(([name]) => fit === 'pad' || !/strip|tall/.test(name));
      const options = { maxPixels: 50_000_000, background: GREEN, embedder: prepare };

      // Act
      const expected = reference(family, fit);
      const ours = await Promise.all(
        cases.map(async ([, bytes]) => {
          const rgb =
            path === 'stage' ? await cutoutForEmbedding(bytes, undefined, options) : await decode(bytes);
          return (await prepare([rgb])).data;
        }),
      );

      // Assess
      const key = `${family} ${fit}${path === 'stage' ? ' stage' : ''}`;
      assess(key, ours, expected, usable, path === 'stage' ? EMBED_STAGE_LIMITS : undefined);
    },
  );

  // adapter: the segmenter's normalisation of a decoded image (Pillow's LANCZOS); stage: what the segment stage
  // feeds it (core/image/mask-garment.ts: a photo at least the square's size decoded straight to it in libvips).
  it.each([
    ['u2net_cloth_seg', 'adapter'],
    ['u2netp', 'adapter'],
    ['isnet-general-use', 'adapter'],
    ['u2net_cloth_seg', 'stage'],
    ['u2netp', 'stage'],
    ['isnet-general-use', 'stage'],
  ] as const)("rembg's normalisation for %s (%s path) matches within the limits", async (id, path) => {
    // Prepare
    const spec = findModel(id);
    if (spec?.task !== 'segment') throw new Error(`${id} is not a segmenter`);
    const model = { inputSize: spec.inputSize, mean: spec.mean, std: spec.std } as ResolvedSegmentModel;
    const options = { maxPixels: 50_000_000, background: GREEN };

    // Act
    const expected = reference('rembg', 'model', { size: spec.inputSize, mean: spec.mean, std: spec.std });
    const ours = await Promise.all(
      cases.map(async ([, bytes]) => {
        const rgb =
          path === 'stage'
            ? await decodeForSegmentation(bytes, { inputSize: spec.inputSize }, options)
            : await decode(bytes);
        return toInput(rgb, model).data as Float32Array;
      }),
    );

    // Assess
    const key = `${id}${path === 'stage' ? ' stage' : ''}`;
    assess(
      key,
      ours,
      expected,
      cases.map(() => true),
      path === 'stage' ? SEGMENT_STAGE_LIMITS : undefined,
    );
  });

  it('reports the differences reached', () => {
    const rows = Object.entries(results).map(
      ([k, d]) => `${k.padEnd(48)} mean ${d.meanAbs.toFixed(5)}  max ${d.maxAbs.toFixed(4)}`,
    );
    console.log(`preprocessing vs PIL (normalised units):\n${rows.join('\n')}`);
  });
});
