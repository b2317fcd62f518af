import { PREFIXES, runPrefix } from '#core/contracts/run-layout.ts';
import type { BlobStore } from '#core/ports/blob-store.ts';
import type { AreaResult, Finding } from './findings.ts';
import { type KeyPages, listedAtOnce } from './key-pages.ts';

/** Files every finished run leaves under `runs/<id>/`. */
const RUN_FILES = ['items.json', 'products.json', 'summary.json'] as const;

/**
 * Every run folder: its JSON files parse, and a run has its items, product list and summary. A run without a
 * summary was interrupted (or is running): a warning, since the next ingest starts afresh. `pages` lists
 * `runs/` in sorted order (default: all at once from `blobs`), so a run's files arrive together and each run
 * is checked as soon as its last file is listed.
 */
export async function checkRuns(
  blobs: BlobStore,
  pages: KeyPages = listedAtOnce(blobs, PREFIXES.runs),
): Promise<AreaResult> {
  const findings: Finding[] = [];
  let runs = 0;
  let current: { run: string; files: string[] } | undefined;
  const finish = async () => {
    if (!current) return;
    runs++;
    findings.push(...(await checkRun(blobs, current.run, current.files)));
    current = undefined;
  };
  for await (const keys of pages) {
    for (const key of keys) {
      const [, run, ...rest] = key.split('/');
      if (run === undefined || rest.length === 0) continue;
      if (current?.run !== run) await finish();
      current ??= { run, files: [] };
      current.files.push(rest.join('/'));
    }
  }
  await finish();
  return { checked: { runs }, findings };
}

async function checkRun(blobs: BlobStore, run: string, files: string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const missing = RUN_FILES.filter((f) => !files.includes(f));
  if (missing.length > 0) {
    const finished = !missing.includes('summary.json');
    findings.push({
      area: 'runs',
      severity: finished ? 'damage' : 'warning',
      subject: runPrefix(run),
      fault: `lacks ${missing.join(', ')}${finished ? '' : ': the run was interrupted or is still running'}`,
    });
  }
  for (const file of files.filter((f) => f.endsWith('.json'))) {
    const key = `${runPrefix(run)}${file}`;
    try {
      JSON.parse(Buffer.from(await blobs.get(key)).toString('utf8'));
    } catch (error) {
      findings.push({
        area: 'runs',
        severity: 'damage',
        subject: key,
        fault: `does not parse: ${(error as Error).message}`,
      });
    }
  }
  return findings;
}
