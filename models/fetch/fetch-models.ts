import fs from 'node:fs/promises';
import path from 'node:path';
import type { EmbedDtype } from '#core/config.ts';
import type { ModelSpec } from '#core/model-spec.ts';
import { filesFor } from '#models/dtypes.ts';
import { modelDir } from '#models/local-files.ts';
import { fileUrl } from '#models/registry.ts';
import { digestFile, judge, type VerifyLevel } from './checksum.ts';
import { type DownloadJob, type DownloadOptions, downloadFile } from './download.ts';
import { ModelFetchError } from './errors.ts';
import { acquireFetchLock } from './fetch-lock.ts';
import { createFetchAgent } from './http.ts';
import { type Manifest, readManifest, writeManifest } from './manifest.ts';

/** Where models go and how to reach their hosts. */
export interface FetchModelsOptions extends DownloadOptions {
  modelsDir: string;
  /**
   * Precision of the embedding graphs to fetch (THREADFINDER_EMBED_DTYPE); default fp32. The other precisions'
   * graphs are left alone: a process needs only those it runs.
   */
  dtype?: EmbedDtype;
}

/** What happened to one registered file. */
export interface FileOutcome {
  model: string;
  path: string;
  dest: string;
  url: string;
  action: 'downloaded' | 'already present' | 'checked in place';
  verified: VerifyLevel;
  sizeBytes: number;
  sha256: string;
  /** Set when a file already in place failed verification and was downloaded again. */
  replaced?: string;
}

interface Planned extends DownloadJob {
  spec: ModelSpec;
  dir: string;
}

function plan(specs: readonly ModelSpec[], modelsDir: string, dtype?: EmbedDtype): Planned[] {
  return specs.flatMap((spec) => {
    const dir = modelDir(modelsDir, spec);
    return filesFor(spec, dtype).map((file) => {
      const url = fileUrl(spec, file.path);
      if (url === null)
        throw new ModelFetchError(`${spec.id} is generated locally; nothing to fetch`, 'http', '');
      return { spec, dir, url, file, dest: path.join(dir, file.path) };
    });
  });
}

/** The "place the files by hand" instructions for every job not yet on disk. */
async function byHand(jobs: Planned[]): Promise<string> {
  const missing: string[] = [];
  for (const job of jobs) {
    if (await fs.stat(job.dest).catch(() => undefined)) continue;
    missing.push(`  ${job.url}\n    -> ${job.dest}`);
  }
  if (missing.length === 0) return '';
  return [
    'To place the files by hand, download each URL to the path under it (e.g. curl -fL --create-dirs -o <path> <url>),',
    'then run `threadfinder models fetch` again: it verifies files already in place instead of downloading them.',
    ...missing,
  ].join('\n');
}

// A file already at its destination: trusted if the manifest has it at this size, else hashed and judged.
async function inPlace(job: Planned, manifest: Manifest): Promise<FileOutcome | { replaced: string } | null> {
  const stat = await fs.stat(job.dest).catch(() => undefined);
  if (!stat?.isFile()) return null;
  const base = { model: job.spec.id, path: job.file.path, dest: job.dest, url: job.url };
  const known = manifest.files[job.file.path];
  if (known && known.sizeBytes === stat.size) {
    return {
      ...base,
      action: 'already present',
      verified: known.verified,
      sizeBytes: stat.size,
      sha256: known.sha256,
    };
  }
  const digest = await digestFile(job.dest);
  const verdict = judge(job.file, digest);
  if (!verdict.ok) {
    await fs.rm(job.dest, { force: true });
    return { replaced: `${job.dest} failed verification (${verdict.problem}) and was deleted` };
  }
  manifest.files[job.file.path] = {
    url: job.url,
    ...digest,
    verified: verdict.level,
    checkedAt: new Date().toISOString(),
  };
  return {
    ...base,
    action: 'checked in place',
    verified: verdict.level,
    sizeBytes: digest.sizeBytes,
    sha256: digest.sha256,
  };
}

/**
 * Makes every file of `specs` present and verified under `modelsDir`: files already recorded are kept, files
 * placed by hand are hashed and judged, the rest are downloaded (resumable, verified, renamed into place).
 * Stops at the first failure with a ModelFetchError that says how to place the remaining files by hand.
 */
export async function fetchModels(
  specs: readonly ModelSpec[],
  options: FetchModelsOptions,
): Promise<FileOutcome[]> {
  const jobs = plan(specs, options.modelsDir, options.dtype);
  const agent = createFetchAgent(options);
  const outcomes: FileOutcome[] = [];
  try {
    for (const spec of specs) {
      const dir = modelDir(options.modelsDir, spec);
      // One fetch at a time per model folder: two would append to the same .partial files.
      const lock = await acquireFetchLock(dir);
      try {
        await fetchSpec(spec, dir, jobs, agent, options, outcomes);
      } finally {
        await lock.release();
      }
    }
  } finally {
    await agent.agent.close();
  }
  return outcomes;
}

async function fetchSpec(
  spec: ModelSpec,
  dir: string,
  jobs: Planned[],
  agent: ReturnType<typeof createFetchAgent>,
  options: FetchModelsOptions,
  outcomes: FileOutcome[],
): Promise<void> {
  const manifest = await readManifest(dir, spec.id, spec.source.revision);
  for (const job of jobs.filter((j) => j.spec === spec)) {
    const found = await inPlace(job, manifest);
    if (found && !('replaced' in found)) {
      outcomes.push(found);
      continue;
    }
    let result: Awaited<ReturnType<typeof downloadFile>>;
    try {
      result = await downloadFile(job, agent, options);
    } catch (error) {
      if (!(error instanceof ModelFetchError)) throw error;
      const help = await byHand(jobs);
      throw new ModelFetchError(
        help ? `${error.message}\n${help}` : error.message,
        error.failure,
        error.url,
        {
          cause: error,
        },
      );
    }
    const { digest, verified } = result;
    manifest.files[job.file.path] = {
      url: job.url,
      ...digest,
      verified,
      checkedAt: new Date().toISOString(),
    };
    await writeManifest(dir, manifest);
    outcomes.push({
      model: spec.id,
      path: job.file.path,
      dest: job.dest,
      url: job.url,
      action: 'downloaded',
      verified,
      sizeBytes: digest.sizeBytes,
      sha256: digest.sha256,
      ...(found ? { replaced: found.replaced } : {}),
    });
  }
  await writeManifest(dir, manifest);
}
