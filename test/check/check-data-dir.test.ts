import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { isDamaged } from '#cli/check/findings.ts';
import { formatCheckReport } from '#cli/check/report-text.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { blobPath, indexLog, MODEL, writeDataDir } from './fixtures/data-dir.ts';

const newDir = tempDirs('check');

/** Overwrites two bytes 40 bytes (in its vector) into the index line of product p<i> (line i + 3). */
async function damageIndexLineOf(dataDir: string, i: number): Promise<void> {
  const log = await readFile(indexLog(dataDir));
  let start = 0;
  for (let line = 1; line < i + 3; line++) start = log.indexOf(10, start) + 1;
  log.write('##', start + 40, 'latin1');
  await writeFile(indexLog(dataDir), log);
}

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe('threadfinder check', () => {
  it('finds nothing wrong in a sound data dir and counts what it checked', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([]);
    expect(report.checked).toEqual({
      indexRecords: 4,
      imageVectorRecords: 4,
      products: 4,
      urlRecords: 4,
      runs: 1,
      imageBlobs: 8,
    });
  });

  it('names a damaged index line and its product, changing nothing', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    await damageIndexLineOf(dataDir, 1);
    const before = await listTree(dataDir);
    const log = await readFile(indexLog(dataDir));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(isDamaged(report)).toBe(true);
    expect(report.findings).toEqual([
      expect.objectContaining({
        area: 'index',
        subject: expect.stringMatching(/vectors\.log line 4 \(byte \d+, \d+ bytes\)$/),
        fault: 'checksum mismatch in a put record of p1; skipped',
        productIds: ['p1'],
      }),
    ]);
    expect(report.checked.products).toBe(3);
    expect(await listTree(dataDir)).toEqual(before);
    expect(await readFile(indexLog(dataDir))).toEqual(log);
  });

  it('finds an index bound to another model than the configured one', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    // Act
    const report = await checkDataDir(dataDir, { id: MODEL.id, dim: 8 });
    // Assess
    expect(report.findings.map((f) => f.fault)).toEqual([
      expect.stringContaining(
        'bound to model check-model (dim 4) but the configured model is check-model (dim 8)',
      ),
    ]);
  });

  it('finds a missing mask, an original that does not decode and a missing original, naming each product', async () => {
    // Prepare
    const dataDir = await newDir();
    const products = await writeDataDir(dataDir, 4, { imageVectors: true });
    const [p0, p1, p2] = products as [(typeof products)[0], (typeof products)[0], (typeof products)[0]];
    await rm(blobPath(dataDir, p0.maskedKey));
    await truncate(blobPath(dataDir, p1.originalKey), 300);
    await rm(blobPath(dataDir, p2.originalKey));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    const products_ = report.findings.filter((f) => f.area === 'products');
    expect(products_).toEqual([
      expect.objectContaining({
        subject: p0.maskedKey,
        fault: 'masked image of product p0 is missing',
        productIds: ['p0'],
      }),
      expect.objectContaining({
        subject: p1.originalKey,
        fault: 'original of product p1 is undecodable',
        removable: p1.originalKey,
      }),
      expect.objectContaining({ fault: 'original of product p2 is missing', productIds: ['p2'] }),
    ]);
    expect(report.findings.filter((f) => f.area === 'url-records')).toEqual([
      expect.objectContaining({
        subject: urlRecordKey(p2.url),
        fault: expect.stringContaining('which does not exist'),
      }),
    ]);
  });

  it('finds an unreadable URL record and one filed under another URL', async () => {
    // Prepare
    const dataDir = await newDir();
    const [p0, p1] = await writeDataDir(dataDir, 2, { imageVectors: true });
    await writeFile(blobPath(dataDir, urlRecordKey(p0?.url ?? '')), '{"url":');
    const moved = await readFile(blobPath(dataDir, urlRecordKey(p1?.url ?? '')));
    await writeFile(blobPath(dataDir, urlRecordKey('https://elsewhere.example/x.jpg')), moved);
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings.map((f) => f.fault).sort()).toEqual([
      `holds another URL's record (${p1?.url})`,
      'not readable JSON (the next download of its URL ignores it and fetches again)',
    ]);
  });

  it('finds incomplete and unreadable run files; a run without a summary is only a warning', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    await rm(blobPath(dataDir, 'runs/run-1/products.json'));
    await writeFile(blobPath(dataDir, 'runs/run-1/embedded/b1.json'), '{"products":[');
    await mkdir(blobPath(dataDir, 'runs/run-2'));
    await writeFile(blobPath(dataDir, 'runs/run-2/items.json'), '[]');
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({ severity: 'damage', subject: 'runs/run-1/', fault: 'lacks products.json' }),
      expect.objectContaining({ severity: 'damage', subject: 'runs/run-1/embedded/b1.json' }),
      expect.objectContaining({
        severity: 'warning',
        subject: 'runs/run-2/',
        fault: 'lacks products.json, summary.json: the run was interrupted or is still running',
      }),
    ]);
  });

  it('reports an index it cannot replay at all, naming the file', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    await writeFile(indexLog(dataDir), 'not a log\n');
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    // Assess
    expect(report.findings).toEqual([
      expect.objectContaining({
        area: 'index',
        subject: indexLog(dataDir),
        fault: expect.stringContaining('cannot be replayed'),
      }),
    ]);
  });

  it('notes a writer holding the index lock', async () => {
    // Prepare
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    const writer = await FileVectorStore.open(path.dirname(indexLog(dataDir)));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    await writer.close();
    // Assess
    expect(report.writerActive).toBe(true);
    expect(formatCheckReport(report)).toContain(
      `Note: an ingestion (or gc, or check --repair) holds the index lock: process ${process.pid} on ${hostname()}`,
    );
  });

  it('says a lock whose process is gone is stale and taken over by the next writer, not that one writes', async () => {
    // Prepare: a LOCK left by a process of this machine that has exited.
    const dataDir = await newDir();
    await writeDataDir(dataDir, 4, { imageVectors: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const lock = path.join(path.dirname(indexLog(dataDir)), 'LOCK');
    const holder = { pid: dead, host: hostname(), token: 'gone', since: '2026-01-01T00:00:00.000Z' };
    await writeFile(lock, JSON.stringify(holder));
    // Act
    const report = await checkDataDir(dataDir, MODEL);
    const text = formatCheckReport(report);
    // Assess
    expect(report.writerActive).toBe(false);
    expect(text).not.toContain('holds the index lock');
    expect(text).toContain(
      `Note: the index lock ${lock} is stale (process ${dead} on ${hostname()}, which took it 2026-01-01T00:00:00.000Z, no longer holds it); the next writer (ingest, check --repair, gc) takes it over.`,
    );
    expect(text).toContain('OK: no damage found.');
  });

  it('refuses a data dir that does not exist: there is nothing to check', async () => {
    // Prepare
    const missing = path.join(await newDir(), 'not-there');
    // Act
    const error = await checkDataDir(missing, MODEL).catch((e: unknown) => e);
    // Assess
    expect((error as Error).name).toBe('ConfigError');
    expect((error as Error).message).toMatch(
      new RegExp(`^nothing to check at ${missing}: there is no data dir there`),
    );
  });
});
