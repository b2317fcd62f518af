import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '#core/fs-atomic.ts';
import { clipFiles, siglipFiles } from './embed-stand-ins.ts';
import { STAND_IN_LAYOUT } from './layout.ts';
import { buildClothGraph, buildSaliencyGraph } from './segment-graphs.ts';

/** Where writeStandInModels put each stand-in, plus which files it had to (re)write. */
export interface StandInPaths {
  root: string;
  /** transformers.js model folder of the stand-in CLIP (config.json, tokenizers, onnx/). */
  clipDir: string;
  /** transformers.js model folder of the stand-in SigLIP. */
  siglipDir: string;
  /** u2net_cloth_seg stand-in. */
  clothFile: string;
  /** u2netp stand-in. */
  saliencyFile: string;
  /** Absolute paths written by this call; files already present with the right hash are skipped. */
  written: string[];
}

// Relative path to bytes of every stand-in file; built once per process.
let contents: Map<string, Uint8Array | string> | undefined;

function buildContents(): Map<string, Uint8Array | string> {
  return new Map<string, Uint8Array | string>([
    ...clipFiles(),
    ...siglipFiles(),
    [STAND_IN_LAYOUT.clothFile, buildClothGraph()],
    [STAND_IN_LAYOUT.saliencyFile, buildSaliencyGraph()],
  ]);
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return sha256(await fs.readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Generates the deterministic stand-in models (tiny, seeded, meaningless weights with the real
 * models' interfaces) under `rootDir`, rewriting only files whose content hash differs.
 */
export async function writeStandInModels(rootDir: string): Promise<StandInPaths> {
  const root = path.resolve(rootDir);
  contents ??= buildContents();
  const written: string[] = [];
  await Promise.all(
    [...contents].map(async ([relative, data]) => {
      const file = path.join(root, relative);
      if ((await hashOf(file)) === sha256(data)) return;
      await writeFileAtomically(file, data);
      written.push(file);
    }),
  );
  return {
    root,
    clipDir: path.join(root, STAND_IN_LAYOUT.clipDir),
    siglipDir: path.join(root, STAND_IN_LAYOUT.siglipDir),
    clothFile: path.join(root, STAND_IN_LAYOUT.clothFile),
    saliencyFile: path.join(root, STAND_IN_LAYOUT.saliencyFile),
    written: written.sort(),
  };
}
