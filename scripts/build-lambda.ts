import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The stages whose entry point cloud/lambda/<stage>.ts becomes dist/cloud/lambda/<stage>.js in the container image. */
export const CONTAINER_STAGES = ['download', 'segment', 'embed', 'search', 'prepare', 'aggregate'] as const;

/**
 * Compiles every stage handler to an ES module under `outDir`, our code bundled and node_modules left
 * external (the image installs them for its own platform: sharp and onnxruntime-node are native).
 */
export async function buildLambdaHandlers(root: string, outDir = path.join(root, 'dist')): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  const entryPoints = CONTAINER_STAGES.map((s) => path.join(root, 'cloud', 'lambda', `${s}.ts`));
  await build({
    entryPoints,
    outbase: root,
    outdir: outDir,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  return CONTAINER_STAGES.map((s) => path.join(outDir, 'cloud', 'lambda', `${s}.js`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const files = await buildLambdaHandlers(root);
  console.log(`built ${files.length} handlers under dist/cloud/lambda/`);
}
