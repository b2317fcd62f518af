import { readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileVectorStore } from '#adapters/file-vector-store.ts';
import { CHECK_DAMAGE_EXIT, runCheckCommand } from '#cli/check/check-command.ts';
import { repairDataDir } from '#cli/check/repair.ts';
import { checkDataDir } from '#cli/check/run-check.ts';
import { parseCatalog } from '#core/catalog/index.ts';
import { loadConfig } from '#core/config.ts';
import { urlRecordKey } from '#functions/download/url-record.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { blobPath, indexLog, MODEL, writeDataDir } from './fixtures/data-dir.ts';

const newDir = tempDirs('check-repair');

/** A data dir with p1's index line, p2's original and p0's URL record damaged. */
async function damagedDataDir() {
  const dataDir = await newDir();
  const products = await writeDataDir(dataDir, 4, { imageVectors: true });
  const log = await readFile(indexLog(dataDir));
  let start = 0;
  for (let line = 1; line < 4; line++) start = log.indexOf(10, start) + 1;
  log.write('##', start + 40, 'latin1');
  await writeFile(indexLog(dataDir), log);
  await truncate(blobPath(dataDir, products[2]?.originalKey ?? ''), 300);
  await writeFile(blobPath(dataDir, urlRecordKey(products[0]?.url ?? '')), 'garbage');
  return { dataDir, products };
}

describe('threadfinder check --repair', () => {
  it('sets the index damage aside, deletes broken blobs and writes a catalog of the affected products', async () => {
    // Prepare
    const { dataDir, products } = await damagedDataDir();
    const report = await checkDataDir(dataDir, MODEL);
    // Act
    const result = await repairDataDir(report, MODEL.id, new Date('2026-01-02T03:04:05Z'));
    // Assess
    expect(result.setAsideTo).toMatch(/vectors\.log\.damaged-\d+$/);
    expect(result.deletedBlobs.sort()).toEqual(
      [products[2]?.originalKey, urlRecordKey(products[0]?.url ?? '')].sort(),
    );
    expect(result.catalogFile).toBe(blobPath(dataDir, 'runs/check-20260102T030405-repair.csv'));
    expect(result.catalogProducts).toEqual(['p1', 'p2']);
    const catalog = parseCatalog(await readFile(result.catalogFile ?? '', 'utf8'), { file: 'repair.csv' });
    expect(catalog.errors).toEqual([]);
    expect(catalog.products.map((p) => [p.id, p.images, p.metadata])).toEqual([
      ['p1', [products[1]?.url], { name: 'product p1', price: 11 }],
      ['p2', [products[2]?.url], { name: 'product p2', price: 12 }],
    ]);
    const after = await checkDataDir(dataDir, MODEL);
    // Left for the ingest of the catalog: p2's original is gone, and its URL record points to it.
    expect(after.findings.map((f) => f.fault)).toEqual([
      'original of product p2 is missing',
      expect.stringMatching(/^points to originals\/.*which does not exist/),
    ]);
  });

  it('refuses while an ingestion holds the index lock, changing nothing', async () => {
    // Prepare
    const { dataDir } = await damagedDataDir();
    const report = await checkDataDir(dataDir, MODEL);
    const log = await readFile(indexLog(dataDir));
    const writer = await FileVectorStore.open(path.dirname(indexLog(dataDir)), { compactMinBytes: 1 << 30 });
    // Act
    const error = await repairDataDir(report, MODEL.id).catch((e: unknown) => e);
    await writer.close();
    // Assess
    expect((error as Error).name).toBe('StoreLockedError');
    expect(String(error)).toContain('already open for writing');
    expect(await readFile(blobPath(dataDir, urlRecordKey('https://shop.example/img/0.jpg')), 'utf8')).toBe(
      'garbage',
    );
    expect(log.length).toBeGreaterThan(0);
  });
});

describe('the check command', () => {
  const configFor = (dataDir: string) => ({
    ...loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir }),
  });

  it('exits 0 on a data dir with no index yet, and 6 with damage, printing a summary', async () => {
    // Prepare
    const empty = await newDir();
    const printed: string[] = [];
    // Act
    const code = await runCheckCommand([], configFor(empty), (l) => printed.push(l));
    // Assess
    expect(code).toBe(0);
    expect(printed.join('\n')).toContain('OK: no damage found (1 warning(s)).');
    expect(CHECK_DAMAGE_EXIT).toBe(6);
  });

  it('refuses --cloud --repair, and --cloud without its settings, naming the variables', async () => {
    // Prepare
    const config = configFor(await newDir());
    // Act
    const repair = await runCheckCommand(['--cloud', '--repair'], config, () => {}, { env: {} }).catch(
      (e: unknown) => e,
    );
    const unset = await runCheckCommand(['--cloud'], config, () => {}, { env: {} }).catch((e: unknown) => e);
    const decode = await runCheckCommand(['--decode'], config, () => {}).catch((e: unknown) => e);
    // Assess
    expect(String(repair)).toContain('check --cloud --repair is refused: the cloud check is read-only');
    expect(String(unset)).toContain('check --cloud needs THREADFINDER_BUCKET (the data bucket');
    expect(String(unset)).toContain(
      'THREADFINDER_MONGODB_SECRET_ARN (the stack output MongoSecretArn) or MONGODB_URI',
    );
    expect(String(unset)).not.toContain('THREADFINDER_STATE_MACHINE_ARN');
    expect(String(decode)).toContain('--decode goes with --cloud');
  });
});
