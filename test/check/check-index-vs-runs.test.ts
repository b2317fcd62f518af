import { readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { affectedProductIds } from '#cli/check/findings.ts';
import { repairDataDir } from '#cli/check/repair.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { parseCatalog } from '#core/catalog/index.ts';
import { lineStarts, overwrite } from '#test/stores/fixtures/damaged-log.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { indexLog, MODEL, recordRun, writeDataDir } from './fixtures/data-dir.ts';

// The index against what the runs recorded: products a run stored must be in the index unless a later prune
// removed them, and a product a prune removed must not be served. In the fixture's log p<i> is line i + 3.

const newDir = tempDirs('check-runs');
const ALL = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];

/** A data dir of six products whose run-1 recorded storing them all. */
async function recordedDataDir(): Promise<string> {
  const dataDir = await newDir();
  await writeDataDir(dataDir, ALL.length, { imageVectors: true });
  await recordRun(dataDir, 'run-1', ALL);
  return dataDir;
}

/** Then run-2 ingested all but p5 with --prune: p5's deletion is line 9 of the log. */
async function prunedDataDir(): Promise<string> {
  const dataDir = await recordedDataDir();
  const store = await FileVectorStore.open(path.dirname(indexLog(dataDir)));
  await store.delete(['p5']);
  await store.close();
  await recordRun(dataDir, 'run-2', ALL.slice(0, 5), 1);
  return dataDir;
}

async function damageLog(dataDir: string, damage: (log: Buffer, starts: number[]) => Buffer): Promise<void> {
  const log = await readFile(indexLog(dataDir));
  await writeFile(indexLog(dataDir), damage(log, lineStarts(log)));
}

async function storedIds(dataDir: string): Promise<string[]> {
  const store = await FileVectorStore.open(path.dirname(indexLog(dataDir)), { readOnly: true });
  const ids: string[] = [];
  for await (const id of store.listIds()) ids.push(id);
  await store.close();
  return ids.sort();
}

async function catalogIds(file: string | undefined): Promise<string[]> {
  const catalog = parseCatalog(await readFile(file ?? '', 'utf8'), { file: 'repair.csv' });
  return catalog.products.map((p) => p.id);
}

describe('check: the index against the runs', () => {
  it('finds nothing wrong where the runs stored and pruned what the index holds', async () => {
    // Prepare
    const dataDir = await prunedDataDir();
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([]);
    expect(await storedIds(dataDir)).toEqual(ALL.slice(0, 5));
  });

  it('names every product a damaged stretch hid, readable or not, and lists them all for repair', async () => {
    // Prepare: zeros from inside p1's line (after its id) to inside p2's, past its id.
    const dataDir = await recordedDataDir();
    await damageLog(dataDir, (log, s) => {
      const from = (s[4] as number) + 40;
      return overwrite(log, from, '\0'.repeat((s[5] as number) + 40 - from));
    });
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const repair = await repairDataDir(report, MODEL.id);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        subject: expect.stringMatching(/vectors\.log line 4 /),
        fault:
          'checksum mismatch in a put record of p1; skipped; it also hid p2, which the runs stored and no intact record deleted',
        productIds: ['p1', 'p2'],
      }),
    ]);
    expect(affectedProductIds(report.findings)).toEqual(['p1', 'p2']);
    expect(repair.catalogProducts).toEqual(['p1', 'p2']);
    expect(await catalogIds(repair.catalogFile)).toEqual(['p1', 'p2']);
  });

  it('names the products of a log cut at a line boundary, which has no damaged line', async () => {
    // Prepare: the log ends after p2's line.
    const dataDir = await recordedDataDir();
    const starts = lineStarts(await readFile(indexLog(dataDir)));
    await truncate(indexLog(dataDir), starts[6] as number);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const repair = await repairDataDir(report, MODEL.id);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        area: 'index',
        subject: indexLog(dataDir),
        fault: expect.stringContaining(
          '3 product(s) that the runs stored are missing from the index, and no intact del record removed them (the log lost records: was it truncated or replaced?): p3, p4, p5',
        ),
        productIds: ['p3', 'p4', 'p5'],
      }),
    ]);
    expect(await catalogIds(repair.catalogFile)).toEqual(['p3', 'p4', 'p5']);
  });

  it('does not expect what a later run pruned', async () => {
    // Prepare: p5 was pruned by run-2 and its del record was compacted away with its put.
    const dataDir = await prunedDataDir();
    const store = await FileVectorStore.open(path.dirname(indexLog(dataDir)));
    await store.compact();
    await store.close();
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([]);
  });

  it('names the product whose damaged del record brought it back, and --repair deletes it again', async () => {
    // Prepare: one byte of p5's del line, the d of its kind.
    const dataDir = await prunedDataDir();
    await damageLog(dataDir, (log, s) => overwrite(log, (s[9] as number) + 15, 'D'));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const repair = await repairDataDir(report, MODEL.id);
    const after = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        subject: expect.stringMatching(/vectors\.log line 9 /),
        fault:
          "checksum mismatch in a del record of p5; skipped: p5's deletion is lost and it is served again; --repair deletes it again",
        lostDeletions: ['p5'],
      }),
    ]);
    expect(affectedProductIds(report.findings)).toEqual(['p5']);
    expect(repair.deletedProducts).toEqual(['p5']);
    expect(repair.catalogProducts).toEqual([]);
    expect(await storedIds(dataDir)).toEqual(ALL.slice(0, 5));
    expect(after.findings).toEqual([]);
  });

  it('finds a product back from a del record whose id is unreadable, from the latest prune', async () => {
    // Prepare: the closing quote of p5's id in its del line, the log's last.
    const dataDir = await prunedDataDir();
    await damageLog(dataDir, (log) => overwrite(log, log.length - 3, 'Q'));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const repair = await repairDataDir(report, MODEL.id);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        fault: expect.stringContaining(
          'in a del record; skipped: the product id of its del record cannot be read; the cross-check with the runs names the products served although pruned (below)',
        ),
      }),
      expect.objectContaining({
        fault: expect.stringContaining(
          '1 product(s) are served although run run-2 pruned them and no later run lists them',
        ),
        lostDeletions: ['p5'],
      }),
    ]);
    expect(repair.deletedProducts).toEqual(['p5']);
    expect(await storedIds(dataDir)).toEqual(ALL.slice(0, 5));
  });

  it('recovers a damaged bind record, and --repair writes it again keeping every product', async () => {
    // Prepare: two bytes inside the bind line (line 2).
    const dataDir = await recordedDataDir();
    await damageLog(dataDir, (log, s) => overwrite(log, (s[2] as number) + 15, 'ZZ'));
    const refused = await FileVectorStore.open(path.dirname(indexLog(dataDir))).catch((e: unknown) => e);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const repair = await repairDataDir(report, MODEL.id);
    const after = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(String(refused)).toContain('`threadfinder check --repair` writes it again');
    expect(report.checked.indexRecords).toBe(ALL.length);
    expect(report.findings).toEqual([
      expect.objectContaining({
        subject: expect.stringMatching(/vectors\.log line 2 /),
        fault: expect.stringContaining(
          `it is recoverable as model ${MODEL.id} (the index folder's name) and dim ${MODEL.dim} (the width of its put lines), and --repair writes it again`,
        ),
        rebind: { model: MODEL.id, dim: MODEL.dim },
      }),
    ]);
    expect(repair.rebound).toEqual({ model: MODEL.id, dim: MODEL.dim });
    expect(repair.setAsideTo).toMatch(/vectors\.log\.damaged-\d+$/);
    expect(await storedIds(dataDir)).toEqual(ALL);
    expect(after.findings).toEqual([]);
    expect(after.checked.products).toBe(ALL.length);
  });
});
