import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { isDamaged } from '#cli/check/findings.ts';
import { repairDataDir } from '#cli/check/repair.ts';
import { formatCheckReport } from '#cli/check/report-text.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { indexLog, MODEL, recordRun, writeDataDir } from './fixtures/data-dir.ts';

const newDir = tempDirs('check-images');

const indexDir = (dataDir: string) => path.dirname(indexLog(dataDir));
const imageLog = (dataDir: string) => path.join(indexDir(dataDir), 'image-vectors.log');

/** Stores per-image vectors for `ids` (two images each), one line per put, in the given order. */
async function putImageVectors(dataDir: string, ids: string[], scale = 1): Promise<void> {
  const store = await FileVectorStore.open(indexDir(dataDir));
  for (const id of ids) {
    const images = [0, 1].map((index) => ({
      index,
      vector: new Float32Array([scale, index, 0.5, id.length]),
    }));
    await store.putImageVectors([{ id, images, settings: { embedModel: MODEL.id } }]);
  }
  await store.close();
}

/** A data dir with per-image vectors of p0..p3 (lines 1-4 of image-vectors.log). */
async function dataDirWithImageVectors(): Promise<string> {
  const dataDir = await newDir();
  await writeDataDir(dataDir);
  await putImageVectors(dataDir, ['p0', 'p1', 'p2', 'p3']);
  return dataDir;
}

/** Overwrites `bytes` at `at` bytes into line `line` (1-based) of the image-vector log. */
async function damageImageLine(dataDir: string, line: number, at: number, bytes = '#'): Promise<void> {
  const log = await readFile(imageLog(dataDir));
  let start = 0;
  for (let i = 1; i < line; i++) start = log.indexOf(10, start) + 1;
  log.write(bytes, start + at, 'latin1');
  await writeFile(imageLog(dataDir), log);
}

describe('check of the per-image vectors (image-vectors.log)', () => {
  it('names a damaged line and the product whose vectors it lost, changing nothing', async () => {
    // Prepare
    const dataDir = await dataDirWithImageVectors();
    await damageImageLine(dataDir, 2, 60);
    const before = await readFile(imageLog(dataDir));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(isDamaged(report)).toBe(true);
    expect(report.findings).toEqual([
      expect.objectContaining({
        area: 'index',
        severity: 'damage',
        subject: expect.stringMatching(/image-vectors\.log line 2 \(byte \d+, \d+ bytes\)$/),
        fault: expect.stringMatching(
          /^checksum mismatch in an img record of p1; skipped: the latest per-image/,
        ),
        productIds: ['p1'],
      }),
    ]);
    expect(report.checked.imageVectorRecords).toBe(3);
    expect(formatCheckReport(report)).toContain('DAMAGED: 1 finding(s); 1 product(s) affected.');
    expect(await readFile(imageLog(dataDir))).toEqual(before);
  });

  it('says nothing is lost when a later line wrote the same product again, yet counts the line as damage', async () => {
    // Prepare: p1's first line is damaged; a later put wrote p1 again.
    const dataDir = await dataDirWithImageVectors();
    await putImageVectors(dataDir, ['p1'], 2);
    await damageImageLine(dataDir, 2, 60);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('image-vectors.log line 2 '),
        fault: expect.stringContaining('written again or deleted by a later line: nothing is lost'),
        productIds: [],
      }),
    ]);
  });

  it('where the id no longer reads, names the stored products left without per-image vectors', async () => {
    // Prepare: p2's id is overwritten.
    const dataDir = await dataDirWithImageVectors();
    const log = await readFile(imageLog(dataDir), 'latin1');
    await writeFile(imageLog(dataDir), Buffer.from(log.replace('"id":"p2"', '"id":#p2"'), 'latin1'));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('image-vectors.log line 3 '),
        fault: expect.stringContaining('no product id reads in it'),
        productIds: ['p2'],
      }),
    ]);
  });

  it('counts a torn last line as damage, unless a live writer is appending it', async () => {
    // Prepare
    const dataDir = await dataDirWithImageVectors();
    const log = await readFile(imageLog(dataDir));
    await writeFile(imageLog(dataDir), log.subarray(0, log.length - 20));
    // Act
    const alone = await checkDataDir(dataDir, MODEL);
    const writer = await FileVectorStore.open(indexDir(dataDir));
    const beside = await checkDataDir(dataDir, MODEL);
    await writer.close();
    // Assess
    expect(alone.findings).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('image-vectors.log line 4 '),
        fault: expect.stringContaining('the log ends inside this line (no newline) in an img record of p3'),
        productIds: ['p3'],
      }),
    ]);
    expect(beside.findings).toEqual([]);
  });

  it('--repair sets the damaged lines aside, rewrites the log and lists the products in its catalog', async () => {
    // Prepare
    const dataDir = await dataDirWithImageVectors();
    await damageImageLine(dataDir, 2, 60);
    const report = await checkDataDir(dataDir, MODEL);
    // Act
    const result = await repairDataDir(report, MODEL.id, new Date('2026-01-02T03:04:05Z'));
    const after = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(result.imagesSetAsideTo).toMatch(/image-vectors\.log\.damaged-\d+$/);
    expect(await readFile(result.imagesSetAsideTo ?? '', 'latin1')).toMatch(
      /^[0-9a-f]{8} \{"t":"img","id":"p1"/,
    );
    expect(result.catalogProducts).toEqual(['p1']);
    // Left for the ingest of the catalog: p1 has no per-image vectors (the fixture's run cannot place it).
    expect(after.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        fault: expect.stringMatching(/^1 stored product\(s\) have no per-image vectors .*: p1$/),
      }),
    ]);
    const store = await FileVectorStore.open(indexDir(dataDir), { readOnly: true });
    const kept = await store.getImageVectors(['p0', 'p1', 'p2', 'p3']);
    await store.close();
    expect(kept.map((e) => e.id).sort()).toEqual(['p0', 'p2', 'p3']);
    expect(kept.every((e) => e.images.length === 2)).toBe(true);
    expect((await readdir(indexDir(dataDir))).filter((n) => n.includes('damaged'))).toHaveLength(1);
  });

  it('names stored products left without per-image vectors by a finished run that kept them as damage, and --repair lists them', async () => {
    // Prepare: run-2 stored p0..p3; p1's per-image vectors are missing (its line was never written).
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    await recordRun(dataDir, 'run-2', ['p0', 'p1', 'p2', 'p3']);
    await putImageVectors(dataDir, ['p0', 'p2', 'p3']);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const result = await repairDataDir(report, MODEL.id, new Date('2026-01-02T03:04:05Z'));
    // Assess
    expect(report.findings).toEqual([
      {
        area: 'index',
        severity: 'damage',
        subject: imageLog(dataDir),
        fault: expect.stringMatching(
          /^1 stored product\(s\) have no per-image vectors .*a finished run that kept them \(run run-2 or later\) stored them: they were lost.*--repair lists them in its catalog.*: p1$/,
        ),
        productIds: ['p1'],
      },
    ]);
    expect(formatCheckReport(report)).toContain('DAMAGED: 1 finding(s); 1 product(s) affected.');
    expect(result.catalogProducts).toEqual(['p1']);
  });

  it('only warns of products the runs stored before any run kept per-image vectors, or cannot place', async () => {
    // Prepare: run-2 stored p0 and p1 before per-image vectors were kept; run-3 stored p1..p3 and kept them,
    // but p1's are missing; p4 was stored by no finished run (an interrupted one).
    const dataDir = await newDir();
    await writeDataDir(dataDir, 5);
    await recordRun(dataDir, 'run-2', ['p0', 'p1']);
    await recordRun(dataDir, 'run-3', ['p1', 'p2', 'p3']);
    await putImageVectors(dataDir, ['p2', 'p3']);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        severity: 'damage',
        fault: expect.stringMatching(/^1 stored product\(s\) .*\(run run-3 or later\).*: p1$/),
        productIds: ['p1'],
      }),
      {
        area: 'index',
        severity: 'warning',
        subject: imageLog(dataDir),
        fault: expect.stringMatching(
          /^2 stored product\(s\) have no per-image vectors .*ingested before per-image vectors were kept or by an ingestion stopped before writing them.*an ingest of their catalog writes them: p0, p4$/,
        ),
      },
    ]);
  });

  it('without a finished run that kept per-image vectors, a product missing them is only a warning', async () => {
    // Prepare: the fixture's run-1 has no readable catalog or summary; p1 has no per-image vectors.
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    await putImageVectors(dataDir, ['p0', 'p2', 'p3']);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(isDamaged(report)).toBe(false);
    expect(report.findings).toEqual([
      expect.objectContaining({ severity: 'warning', fault: expect.stringMatching(/vectors .*: p1$/) }),
    ]);
    expect(formatCheckReport(report)).toContain('OK: no damage found (1 warning(s)).');
  });

  it('while a live writer holds the lock, products missing their per-image vectors are only a warning', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    await recordRun(dataDir, 'run-2', ['p0', 'p1', 'p2', 'p3']);
    await putImageVectors(dataDir, ['p0', 'p2', 'p3']);
    // Act
    const writer = await FileVectorStore.open(indexDir(dataDir));
    const report = await checkDataDir(dataDir, MODEL);
    await writer.close();
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        fault: expect.stringMatching(/may be writing them now: check again once it ends: p1$/),
      }),
    ]);
  });

  it('notes an index none of whose products has per-image vectors (ingested before they were kept)', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([]);
    expect(report.notes).toEqual([
      expect.stringMatching(
        /^No stored product has per-image vectors \(4 product\(s\)\): not recorded, as eval says, the index having been ingested before they were kept/,
      ),
    ]);
    expect(formatCheckReport(report)).toContain('OK: no damage found.');
  });
});
