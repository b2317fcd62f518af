import { z } from 'zod';
import { BlobNotFoundError } from '#core/errors.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import { formatIssues } from '#core/zod-issues.ts';
import { cut, notEmbeddedBatch, type ResultGroup } from './map-result-entry.ts';
import type { NotEmbeddedBatch } from './types.ts';

/** What the map run's ResultWriter output says about the batches that were not embedded. */
export interface MapResults {
  /** In manifest order: FAILED, then PENDING, then SUCCEEDED files (recorded failures). */
  notEmbedded: NotEmbeddedBatch[];
  /** Why some of the results could not be read; which batches failed is then not known for sure. */
  problems: string[];
}

const GROUPS: readonly ResultGroup[] = ['FAILED', 'PENDING', 'SUCCEEDED'];
const files = z.array(z.object({ Key: z.string().min(1) })).optional();
const manifest = z.object({
  ResultFiles: z.object({ FAILED: files, PENDING: files, SUCCEEDED: files }),
});

/**
 * Reads a Distributed Map ResultWriter manifest and its result files (JSON arrays or JSON Lines), one file at
 * a time, keeping only the batches that produced no embedded batch. A missing or corrupt manifest or result
 * file is reported in `problems`, never thrown; a failing blob store (other than a missing key) throws.
 */
export async function readMapResults(blobs: BlobStore, manifestKey: string): Promise<MapResults> {
  const out: MapResults = { notEmbedded: [], problems: [] };
  const text = await readText(blobs, manifestKey, `map results manifest ${manifestKey}`, out.problems);
  if (text === undefined) return out;
  const json = parseJson(text);
  if (json === undefined) {
    out.problems.push(`map results manifest ${manifestKey} is not JSON; which batches failed is unknown`);
    return out;
  }
  const parsed = manifest.safeParse(json);
  if (!parsed.success) {
    out.problems.push(
      `map results manifest ${manifestKey} is invalid: ${cut(formatIssues(parsed.error), 300)}; ` +
        'which batches failed is unknown',
    );
    return out;
  }
  for (const group of GROUPS) {
    for (const { Key } of parsed.data.ResultFiles[group] ?? []) {
      const body = await readText(blobs, Key, `map result file ${Key}`, out.problems);
      const entries = body === undefined ? [] : parseEntries(body);
      if (entries === undefined) {
        out.problems.push(`map result file ${Key} is not JSON; its batches are not known`);
        continue;
      }
      for (const entry of entries) {
        const batch = notEmbeddedBatch(entry, group);
        if (batch) out.notEmbedded.push(batch);
      }
    }
  }
  return out;
}

async function readText(
  blobs: BlobStore,
  key: string,
  what: string,
  problems: string[],
): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await blobs.get(key));
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    problems.push(`${what} not found; the batches it lists are not known`);
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON array of entries, or JSON Lines (ResultWriter's `OutputType: JSONL`); undefined when neither. */
function parseEntries(text: string): unknown[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    const array = parseJson(trimmed);
    return Array.isArray(array) ? array : undefined;
  }
  const entries: unknown[] = [];
  for (const line of trimmed.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseJson(line);
    if (entry === undefined) return undefined;
    entries.push(entry);
  }
  return entries;
}
