import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmbedModelSpec } from '#core/model-spec.ts';
import { findModel } from '#models/registry.ts';
import { siglipFiles } from '#models/testing/embed-stand-ins.ts';
import { STAND_IN_LAYOUT } from '#models/testing/layout.ts';
import { writeStandInModels } from '#models/testing/stand-ins.ts';
import { type ModelReport, rankingCheck, verifyModel } from '#models/verify/verify-model.ts';
import { tempDir } from './drawn-images.ts';

const embedSpec = (id: string) => findModel(id) as EmbedModelSpec;

async function siglipFolder(options: Parameters<typeof siglipFiles>[0]): Promise<string> {
  const root = await tempDir('verify-siglip');
  for (const [relative, data] of siglipFiles(options)) {
    await fs.mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await fs.writeFile(path.join(root, relative), data);
  }
  return root;
}

describe('models verify', () => {
  it('lists every input and output, feeds them all, and skips the ranking check for stand-ins, saying so', async () => {
    // Prepare
    const root = (await writeStandInModels(await tempDir('verify'))).root;

    // Act
    const report = await verifyModel(embedSpec('test-siglip'), root);

    // Assess
    expect(report.error).toBeUndefined();
    expect(
      report.towers.map((t) => [t.tower, t.inputs.map((i) => i.name), t.outputs.map((o) => o.name)]),
    ).toEqual([
      ['text', ['input_ids'], ['text_embeds']],
      ['vision', ['pixel_values'], ['image_embeds']],
    ]);
    expect(report.towers.flatMap((t) => t.notFed)).toEqual([]);
    expect(report.ranking).toMatch(
      /^skipped: stand-in weights are meaningless \("a red t-shirt" -?\d\.\d{3} vs "blue jeans"/,
    );
  });

  it('flags a declared input that Threadfinder does not feed, and feeds attention_mask', async () => {
    // Prepare
    const root = await siglipFolder({ textAttentionMask: true, textExtraInputs: ['token_type_ids'] });
    const spec = { ...embedSpec('test-siglip'), folder: STAND_IN_LAYOUT.siglipDir };

    // Act
    const report = await verifyModel(spec, root);

    // Assess
    const text = report.towers.find((t) => t.tower === 'text');
    expect(text?.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(text?.notFed).toEqual(['token_type_ids']);
  });

  it('runs the ranking check with real weights: passes when the red t-shirt ranks first, fails the model otherwise', () => {
    // Prepare
    const real = embedSpec('marqo-fashion-siglip');
    const passed: ModelReport = { id: real.id, task: 'embed', towers: [], differences: [] };
    const failed: ModelReport = { id: real.id, task: 'embed', towers: [], differences: [] };

    // Act
    rankingCheck(passed, real, 0.31, 0.12);
    rankingCheck(failed, real, 0.1, 0.2);

    // Assess
    expect(passed).toMatchObject({
      ranking: expect.stringMatching(/^passed: .*"a red t-shirt" 0\.310 vs "blue jeans" 0\.120/),
    });
    expect(passed.error).toBeUndefined();
    expect(failed.ranking).toMatch(/^FAILED/);
    expect(failed.error).toMatch(/ranking sanity check failed/);
  });
});
