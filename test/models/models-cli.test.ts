import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runModelsCommand } from '#cli/models-command.ts';
import { type Config, loadConfig } from '#core/config.ts';
import { tempDir } from './drawn-images.ts';
import { offlineResolver, recordingClock } from './offline.ts';

const run = promisify(execFile);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (line: string) => out.push(line), err: { write: (t: string) => err.push(t) } },
    out,
    err,
  };
}

let dataDir: string;
let testConfig: Config;

beforeAll(async () => {
  dataDir = await tempDir('models-cli');
  testConfig = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
});

describe('threadfinder models list', () => {
  it('shows every model with task, size, licence, source, presence and verification', async () => {
    // Prepare
    const { io, out } = capture();

    // Act
    const code = await runModelsCommand(['list'], testConfig, io);

    // Assess
    expect(code).toBe(0);
    const text = out.join('\n');
    const row = (id: string) => text.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
    expect(text.split('\n')[0]).toMatch(/^id\s+task\s+size\s+licence\s+source\s+present\s+verified files$/);
    expect(row('marqo-fashion-siglip *')).toMatch(
      /embed\s+~816 MB \+\?\s+Apache-2\.0\s+https:\/\/huggingface\.co\/Marqo\/marqo-fashionSigLIP @ ef343cf10da5\s+no\s+-/,
    );
    expect(row('u2net_cloth_seg *')).toMatch(
      /segment\s+~176 MB\s+MIT\s+https:\/\/github\.com\/danielgatis\/rembg @ v0\.0\.0/,
    );
    expect(row('test-siglip')).toMatch(
      /embed\s+generated\s+generated\s+models\/testing\/stand-ins\.ts\s+yes\s+n\/a/,
    );
    expect(text).toContain('* default model for its task');
  });
});

describe('threadfinder models verify', () => {
  it('loads each stand-in, runs one inference and reports names, shapes and timing', async () => {
    const { io, out } = capture();

    const code = await runModelsCommand(['verify'], testConfig, io);

    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toContain('test-siglip (embed, stand-in): ok');
    expect(text).toMatch(/ {2}text: load \d+ ms, one inference \d+ ms -> 768-d vector, norm 1\.000/);
    expect(text).toContain('    input  input_ids int64 [batch_size, sequence_length]');
    expect(text).toContain('    output image_embeds float32 [batch_size, 512]');
    expect(text).toMatch(
      /test-cloth \(segment, stand-in\): ok\n {2}segment: load \d+ ms, one inference \d+ ms -> 768x768 mask, \d+\.\d% garment/,
    );
    expect(text).toContain('    input  input.1 float32 [1, 3, height, width]');
    expect(text).toContain('    output 1959 float32 [1, 4, height, width]');
    expect(text).not.toContain('differs from the registry');
  });

  it('says so when no real model is present', async () => {
    const { io, out } = capture();
    const config = loadConfig({ THREADFINDER_DATA_DIR: await tempDir('models-cli-empty') });

    const code = await runModelsCommand(['verify'], config, io);

    expect(code).toBe(3);
    expect(out.join('\n')).toMatch(/No model is present under .*; run `threadfinder models fetch` first\./);
  });
});

describe('threadfinder models fetch', () => {
  it('fails fast and clearly offline: the URL it could not reach and how to place the files by hand', async () => {
    const { io, err } = capture();
    const config = loadConfig({ THREADFINDER_DATA_DIR: await tempDir('models-cli-offline') });
    const offline = offlineResolver();
    const clock = recordingClock();

    const code = await runModelsCommand(['fetch'], config, io, { fetch: { lookup: offline.lookup, clock } });

    expect(offline.asked).toEqual(['huggingface.co', 'huggingface.co']);
    expect(clock.waits).toEqual([499]);
    expect(code).toBe(4);
    const text = err.join('');
    expect(text).toMatch(
      /^threadfinder: cannot reach huggingface\.co for https:\/\/huggingface\.co\/Marqo\/marqo-fashionSigLIP\//,
    );
    expect(text).toContain('To place the files by hand');
    expect(text).toContain(path.join(config.modelsDir, 'u2net_cloth_seg', 'u2net_cloth_seg.onnx'));
  });

  it('refuses stand-ins and unknown ids', async () => {
    const { io } = capture();

    await expect(runModelsCommand(['fetch', 'test-clip'], testConfig, io)).rejects.toThrow(
      /stand-ins are generated locally/,
    );
    await expect(runModelsCommand(['fetch', 'nope'], testConfig, io)).rejects.toThrow('unknown model "nope"');
  });
});

describe('the threadfinder binary', () => {
  it('dispatches `models list` (a real process)', async () => {
    const env = { ...process.env, THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir };

    const { stdout } = await run(process.execPath, ['bin/threadfinder.js', 'models', 'list'], {
      env,
      timeout: 20_000,
    });

    expect(stdout).toMatch(/^id\s+task/);
    expect(stdout).toContain('test-clip');
  });
});
