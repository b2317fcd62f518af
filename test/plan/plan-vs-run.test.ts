import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlanCommand } from '#cli/plan/plan-command.ts';
import { planComparison } from '#cli/plan/plan-record.ts';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { loadConfig } from '#core/config.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { resolveModels } from '#models/resolve.ts';
import { type PausedHostServer, startPausedHostServer } from '#test/support/paused-host-server.ts';

let dir: string;
let server: PausedHostServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-plan-run-'));
  server = await startPausedHostServer();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the run held against its plan', () => {
  it('prints what plan predicted for the same catalog next to what the run did', async () => {
    // Prepare: a catalog of 3 products on a loopback host, planned first
    const file = path.join(dir, 'shop.csv');
    const rows = server.images(6).map((url, i) => `p${Math.floor(i / 2)},${url}`);
    await writeFile(file, `product_id,image_url\n${rows.join('\n')}\n`);
    const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: path.join(dir, 'data') });
    await runPlanCommand([file, '--calibrate', '1'], config, () => undefined);
    const rt = await createLocalRuntime(config, await resolveModels(config), {
      allowAddresses: ['127.0.0.1'],
    });
    const lines: string[] = [];
    // Act
    try {
      await ingestCatalogFile(rt, { file, log: (line) => lines.push(line) });
    } finally {
      await rt.close();
    }
    // Assess
    const text = lines.join('\n');
    expect(text).toMatch(
      /plan of \d{4}-\d\d-\d\d \d\d:\d\d: 6 images \(6 to download, 6 to segment\), about .*, calibrated on stand-in models/,
    );
    expect(text).toMatch(/this run: 6 images in [\d.]+ s \([\d.]+x the estimate\)/);
  }, 60_000);

  it('says how far the run was from the estimate, and how many images waited', () => {
    const plan = {
      file: 'a.csv',
      at: '2026-12-06T10:00:00.000Z',
      images: 100,
      toDownload: 40,
      toSegment: 50,
      seconds: 200,
      standIns: false,
    };
    expect(planComparison(plan, { images: 100, imagesDeferred: 7, seconds: 300 })).toEqual([
      '  plan of 2026-12-06 10:00: 100 images (40 to download, 50 to segment), about 3 min 20 s',
      '  this run: 100 images in 5 min 00 s (1.50x the estimate); 7 waited for a paused host',
    ]);
  });
});
