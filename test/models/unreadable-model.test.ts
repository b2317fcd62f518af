import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFiles } from '#models/local-files.ts';
import { findModel } from '#models/registry.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-unreadable-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('checkFiles on a model file that is there but cannot be read', () => {
  it('says unreadable, with the reason, instead of sending the user to download it again', async () => {
    // Prepare: a link that points at itself (ELOOP), which even root cannot read
    const file = path.join(dir, 'u2netp.onnx');
    await symlink(file, file);
    const spec = findModel('u2netp');

    // Act
    const [check] = await checkFiles(spec as NonNullable<typeof spec>, dir);

    // Assess
    expect(check?.state).toBe('unreadable');
    expect(check?.line).toMatch(/unreadable \(ELOOP\): .*u2netp\.onnx/);
  });

  it('still says missing when there is nothing there', async () => {
    const spec = findModel('u2netp');
    const [check] = await checkFiles(spec as NonNullable<typeof spec>, dir);
    expect(check?.state).toBe('missing');
  });
});
