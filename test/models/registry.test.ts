import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../models/model-spec.ts';
import {
  DEFAULT_EMBED_MODEL,
  DEFAULT_SEGMENT_MODEL,
  fileUrl,
  findModel,
  MODELS,
  STAND_IN_EMBED_MODEL,
  STAND_IN_SEGMENT_MODEL,
} from '../../models/registry.ts';

const real = MODELS.filter((m) => !m.standIn);

describe('model registry', () => {
  it('holds the four real models and three stand-ins under unique ids', () => {
    const ids = MODELS.map((m) => m.id);

    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(
      [
        'fashion-clip',
        'marqo-fashion-siglip',
        'test-clip',
        'test-cloth',
        'test-saliency',
        'u2net_cloth_seg',
        'u2netp',
      ].sort(),
    );
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

  it.each(MODELS.map((m) => [m.id, m] as [string, ModelSpec]))('%s is complete', (_id, m) => {
    expect(m.name.length).toBeGreaterThan(0);
    expect(m.licence.length).toBeGreaterThan(0);
    expect(m.files.length).toBeGreaterThan(0);
    expect(m.notes.length).toBeGreaterThan(0);
    for (const f of m.files) {
      expect(f.path).not.toMatch(/^\/|\.\./);
      expect(f.sha256 === null || /^[0-9a-f]{64}$/.test(f.sha256)).toBe(true);
      expect(f.md5 === undefined || /^[0-9a-f]{32}$/.test(f.md5)).toBe(true);
      expect(f.sizeBytes === null || (Number.isInteger(f.sizeBytes) && f.sizeBytes > 0)).toBe(true);
    }
    if (m.task === 'embed') {
      const folder = m.folder === '.' ? '' : `${m.folder}/`;
      const paths = m.files.map((f) => f.path);
      for (const needed of [
        'config.json',
        'preprocessor_config.json',
        'tokenizer.json',
        'onnx/text_model.onnx',
      ]) {
        expect(paths).toContain(`${folder}${needed}`);
      }
      expect(paths).toContain(`${folder}onnx/vision_model.onnx`);
      expect([m.text.output.shape[1], m.vision.output.shape[1]]).toEqual([m.dim, m.dim]);
      expect(m.preprocessing.mean).toHaveLength(3);
      expect(m.preprocessing.std).toHaveLength(3);
    } else {
      expect(m.files.map((f) => f.path)).toContain(m.file);
      expect(m.input.shape).toEqual([1, 3, m.inputSize, m.inputSize]);
      expect(m.output.shape[1]).toBe(m.classes.length);
      expect(m.garmentClasses.every((c) => c > 0 && c < m.classes.length)).toBe(true);
    }
  });

  it.each(real.map((m) => [m.id, m] as [string, ModelSpec]))(
    '%s has a pinned HTTPS source for every file',
    (_id, m) => {
      expect(m.source.revision).toMatch(/^([0-9a-f]{7,40}|v\d+\.\d+\.\d+)$/);
      for (const f of m.files) {
        const url = fileUrl(m, f.path) ?? '';
        expect(url.startsWith('https://')).toBe(true);
        expect(url).toContain(m.source.revision);
        expect(url.endsWith(`/${f.path}`)).toBe(true);
      }
    },
  );

  it('records rembg preprocessing: ImageNet statistics, 768 for cloth, 320 for u2netp', () => {
    expect(findModel('u2net_cloth_seg')).toMatchObject({
      inputSize: 768,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(findModel('u2netp')).toMatchObject({ inputSize: 320, classes: ['saliency'] });
  });

  it('gives stand-ins no download URL', () => {
    const standIn = findModel('test-clip') as ModelSpec;
    expect(fileUrl(standIn, 'x')).toBeNull();
  });
});
