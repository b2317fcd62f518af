import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VerifyLevel } from './checksum.ts';

/** What `models fetch` recorded about one file it downloaded or checked. */
export interface ManifestEntry {
  url: string | null;
  sizeBytes: number;
  sha256: string;
  md5: string;
  verified: VerifyLevel;
  checkedAt: string;
}

/** Per-model record of fetched files, kept next to them. */
export interface Manifest {
  model: string;
  revision: string;
  files: Record<string, ManifestEntry>;
}

/** The manifest file of a model folder. */
export const manifestPath = (dir: string) => path.join(dir, 'threadfinder-manifest.json');

/** Reads a model folder's manifest; a missing or unreadable one is an empty manifest for `model`. */
export async function readManifest(dir: string, model: string, revision: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await fs.readFile(manifestPath(dir), 'utf8')) as Manifest;
    if (parsed.model === model && parsed.revision === revision && typeof parsed.files === 'object')
      return parsed;
  } catch {
    // absent or corrupt: start afresh; the files themselves get re-checked
  }
  return { model, revision, files: {} };
}

/** Writes the manifest through a temporary file and a rename. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const temporary = `${manifestPath(dir)}.${randomUUID()}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await fs.rename(temporary, manifestPath(dir));
}
