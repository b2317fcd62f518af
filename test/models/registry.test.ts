import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '#core/model-spec.ts';
import {
  DEFAULT_EMBED_MODEL,
  DEFAULT_SEGMENT_MODEL,
  fileUrl,
  findModel,
  knownSize,
  MODELS,
  STAND_IN_EMBED_MODEL,
  STAND_IN_SEGMENT_MODEL,
} from '#models/registry.ts';

const real = MODELS.filter((m) => !m.standIn);
const each = (list: readonly ModelSpec[]) => list.map((m) => [m.id, m] as [string, ModelSpec]);

describe('model registry', () => {
  it('holds six real models and four stand-ins under unique ids', () => {
    const ids = MODELS.map((m) => m.id);

    expect(new Set(ids).size).toBe(ids.length);
    expect(real.map((m) => m.id)).toEqual([
      'marqo-fashion-siglip',
      'marqo-fashion-clip',
      'fashion-clip',
      'u2net_cloth_seg',
      'u2netp',
      'isnet-general-use',
    ]);
    expect(MODELS.filter((m) => m.standIn).map((m) => m.id)).toEqual([
      'test-clip',
      'test-siglip',
      'test-cloth',
      'test-saliency',
    ]);
  });

  it('defaults to Marqo-FashionSigLIP and u2net_cloth_seg, with CLIP and cloth stand-ins for tests', () => {
    expect(findModel(DEFAULT_EMBED_MODEL)).toMatchObject({ task: 'embed', family: 'siglip', standIn: false });
    expect(findModel(DEFAULT_SEGMENT_MODEL)).toMatchObject({
      task: 'segment',
      contract: 'cloth',
      standIn: false,
    });
    expect(findModel(STAND_IN_EMBED_MODEL)).toMatchObject({ task: 'embed', family: 'clip', standIn: true });
    expect(findModel(STAND_IN_SEGMENT_MODEL)).toMatchObject({
      task: 'segment',
      contract: 'cloth',
      standIn: true,
    });
  });

  it.each(each(MODELS))('%s is complete: licence, files, shapes, preprocessing', (_id, m) => {
    expect(m.name.length).toBeGreaterThan(0);
    expect(m.licence.length).toBeGreaterThan(0);
    expect(m.files.length).toBeGreaterThan(0);
    expect(m.notes.length).toBeGreaterThan(0);
    for (const f of m.files) {
      expect(f.path).not.toMatch(/^\/|\.\./);
      expect(f.sha256 === null || /^[0-9a-f]{64}$/.test(f.sha256)).toBe(true);
      expect(f.md5 === undefined || /^[0-9a-f]{32}$/.test(f.md5)).toBe(true);
      expect(
        f.sha256Hint === undefined || /^[0-9a-f]{6,}$/.test(f.sha256Hint.prefix + f.sha256Hint.suffix),
      ).toBe(true);
      expect(f.sizeBytes === null || (Number.isInteger(f.sizeBytes) && f.sizeBytes > 0)).toBe(true);
    }
    if (m.task === 'embed') {
      const folder = m.folder === '.' ? '' : `${m.folder}/`;
      const paths = m.files.map((f) => f.path);
      for (const needed of [
        'config.json',
        'preprocessor_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ]) {
        expect(paths).toContain(`${folder}${needed}`);
      }
      expect(paths).toContain(`${folder}onnx/text_model.onnx`);
      expect(paths).toContain(`${folder}onnx/vision_model.onnx`);
      expect(m.text.input).toEqual({
        name: 'input_ids',
        dtype: 'int64',
        shape: ['batch_size', 'sequence_length'],
      });
      expect(m.vision.input).toEqual({
        name: 'pixel_values',
        dtype: 'float32',
        shape: ['batch_size', 3, 224, 224],
      });
      expect([m.text.output.shape, m.vision.output.shape]).toEqual([
        ['batch_size', m.dim],
        ['batch_size', m.dim],
      ]);
      expect(m.text.maxLength).toBeGreaterThan(0);
      expect(m.preprocessing.mean).toHaveLength(3);
      expect(m.preprocessing.std).toHaveLength(3);
      expect(m.preprocessing.rescaleFactor).toBeCloseTo(1 / 255, 10);
    } else {
      expect(m.files.map((f) => f.path)).toContain(m.file);
      expect(m.input).toMatchObject({ dtype: 'float32', shape: [1, 3, m.inputSize, m.inputSize] });
      expect(m.output.shape).toEqual([1, m.classes.length, m.inputSize, m.inputSize]);
      expect([m.mean, m.std].every((v) => v.length === 3)).toBe(true);
      expect(m.garmentClasses.every((c) => c > 0 && c < m.classes.length)).toBe(true);
    }
  });

  it.each(each(real))(
    '%s has a pinned HTTPS source, a size for every graph, and a checksum or a note',
    (_id, m) => {
      expect(m.source.revision).toMatch(/^([0-9a-f]{7,40}|v\d+\.\d+\.\d+)$/);
      for (const f of m.files) {
        const url = fileUrl(m, f.path) ?? '';
        expect(url.startsWith('https://')).toBe(true);
        expect(url).toContain(m.source.revision);
        expect(url.endsWith(`/${f.path}`)).toBe(true);
      }
      const graphs = m.files.filter((f) => f.path.endsWith('.onnx'));
      const checked = graphs.filter((f) => f.sha256 || f.sha256Hint || f.md5);
      expect(graphs.length).toBeGreaterThan(0);
      if (checked.length < graphs.length) expect(m.notes.join(' ')).toMatch(/hash|sha256|checksum/i);
      if (graphs.some((f) => knownSize(f) === null)) expect(m.notes.join(' ')).toMatch(/size/i);
    },
  );

  it('records the authors preprocessing for each family and rembg session', () => {
    expect(findModel('marqo-fashion-siglip')).toMatchObject({
      dim: 768,
      text: { maxLength: 64, padding: 'max_length', clean: 'canonicalize' },
      preprocessing: { resize: { height: 224, width: 224 }, centerCrop: null, mean: [0.5, 0.5, 0.5] },
    });
    expect(findModel('fashion-clip')).toMatchObject({
      dim: 512,
      text: { maxLength: 77, clean: 'none' },
      preprocessing: { resize: { shortestEdge: 224 }, centerCrop: { height: 224, width: 224 } },
    });
    expect(findModel('u2net_cloth_seg')).toMatchObject({
      inputSize: 768,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      classes: ['background', 'upper', 'lower', 'full'],
    });
    expect(findModel('u2netp')).toMatchObject({ inputSize: 320, classes: ['saliency'] });
    expect(findModel('isnet-general-use')).toMatchObject({
      inputSize: 1024,
      mean: [0.5, 0.5, 0.5],
      std: [1, 1, 1],
    });
  });

  it('gives each stand-in the interface of the real model it stands for', () => {
    const pairs = [
      ['test-clip', 'fashion-clip'],
      ['test-siglip', 'marqo-fashion-siglip'],
      ['test-cloth', 'u2net_cloth_seg'],
      ['test-saliency', 'u2netp'],
    ];
    for (const [standIn, realId] of pairs) {
      const a = findModel(standIn as string) as ModelSpec;
      const b = findModel(realId as string) as ModelSpec;
      if (a.task === 'embed' && b.task === 'embed') {
        expect([a.family, a.dim, a.text, a.vision, a.preprocessing]).toEqual([
          b.family,
          b.dim,
          b.text,
          b.vision,
          b.preprocessing,
        ]);
      } else if (a.task === 'segment' && b.task === 'segment') {
        expect([a.contract, a.inputSize, a.mean, a.std, a.classes]).toEqual([
          b.contract,
          b.inputSize,
          b.mean,
          b.std,
          b.classes,
        ]);
      }
    }
  });

  it('gives stand-ins no download URL', () => {
    expect(fileUrl(findModel('test-siglip') as ModelSpec, 'x')).toBeNull();
  });
});
