import { readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '#cli/check/check-command.ts';
import { ingestCatalogFile } from '#cli/run-ingest.ts';
import { type Config, loadConfig } from '#core/config.ts';
import { createLocalRuntime } from '#local/runtime.ts';
import { type ResolvedModels, resolveModels } from '#models/resolve.ts';
import { tempDirs } from '#test/stores/temp-dirs.ts';
import { drawImage } from '#test/support/misbehaving-server.ts';

// The whole loop as a user runs it: ingest, damage, check --repair, ingest the repair catalog, check again.

const newDir = tempDirs('check-ingest');
let host: http.Server;
let hostUrl: string;

beforeAll(async () => {
  host = http.createServer(async (req, res) => {
    const n = Number(/^\/img\/(\d+)\.jpg$/.exec(req.url ?? '')?.[1] ?? -1);
    if (n < 0) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(await drawImage('jpeg', 48 + n, 40));
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => host.close(() => resolve())));

async function ingest(config: Config, models: ResolvedModels, file: string): Promise<void> {
  const rt = await createLocalRuntime(config, models, { allowAddresses: ['127.0.0.1'] });
  try {
    await ingestCatalogFile(rt, { file, log: () => {} });
  } finally {
    await rt.close();
  }
}

/** A data dir holding an ingested catalog of `products` products, p0..p<n-1>, one image each. */
async function ingestedShop(products: number) {
  const dataDir = await newDir();
  const config = loadConfig({ THREADFINDER_MODELS: 'test', THREADFINDER_DATA_DIR: dataDir });
  const models = await resolveModels(config);
  const catalog = path.join(dataDir, 'shop.csv');
  const rows = Array.from({ length: products }, (_, i) => `p${i},${hostUrl}/img/${i}.jpg,tops`);
  await writeFile(catalog, `product_id,image_url,category\n${rows.join('\n')}\n`);
  await ingest(config, models, catalog);
  return { dataDir, config, models };
}

/** The user's loop: check --repair, ingest the catalog it writes, check again; with every line printed. */
async function repairLoop(config: Config, models: ResolvedModels) {
  const printed: string[] = [];
  const repairCode = await runCheckCommand(['--repair'], config, (l) => printed.push(l));
  const repairCatalog = /Restore them with: threadfinder ingest (.+)$/m.exec(printed.join('\n'))?.[1] ?? '';
  await ingest(config, models, repairCatalog);
  const finalCode = await runCheckCommand([], config, (l) => printed.push(l));
  return { repairCode, repairCatalog, finalCode, printed };
}

async function storedIds(config: Config, models: ResolvedModels): Promise<string[]> {
  const rt = await createLocalRuntime(config, models, { readOnly: true });
  const ids: string[] = [];
  for await (const id of rt.store.listIds()) ids.push(id);
  await rt.close();
  return ids.sort();
}

describe('check --repair, then ingest', () => {
  it('restores the products whose index line and mask were damaged', async () => {
    // Prepare
    const { dataDir, config, models } = await ingestedShop(4);
    const log = path.join(dataDir, 'index', models.embed.id, 'vectors.log');
    const text = await readFile(log, 'latin1');
    const p1 = text.indexOf('"id":"p1"');
    await writeFile(log, Buffer.from(`${text.slice(0, p1 + 30)}##${text.slice(p1 + 32)}`, 'latin1'));
    const p2Mask = /"id":"p2".*?"maskedKeys":\["([^"]+)"/.exec(text)?.[1] ?? '';
    await rm(path.join(dataDir, 'blobs', p2Mask));
    // Act
    const { repairCode, repairCatalog, finalCode, printed } = await repairLoop(config, models);
    // Assess
    expect(repairCode).toBe(6);
    expect(printed.join('\n')).toContain('2 affected product(s) listed in');
    expect(await readFile(repairCatalog, 'utf8')).toMatch(/^product_id,image_url,category\np1,.*\np2,/);
    expect(finalCode).toBe(0);
    expect(printed.at(-1)).toContain('OK: no damage found');
    expect(await storedIds(config, models)).toEqual(['p0', 'p1', 'p2', 'p3']);
  }, 120_000);

  it('restores every product a zeroed block hid, the one whose id still reads and the one whose does not', async () => {
    // Prepare: zeros from inside the second put line (after its id) to inside the third, past its id.
    const { dataDir, config, models } = await ingestedShop(4);
    const log = path.join(dataDir, 'index', models.embed.id, 'vectors.log');
    const bytes = await readFile(log);
    const starts = [0];
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) starts.push(at + 1);
    const [second, third] = [starts[3] as number, starts[4] as number];
    const hidden = [second, third].map(
      (at) => /"id":"(p\d)"/.exec(bytes.toString('latin1', at, at + 60))?.[1],
    );
    bytes.fill(0, second + 60, third + 40);
    await writeFile(log, bytes);
    // Act
    const { repairCode, repairCatalog, finalCode, printed } = await repairLoop(config, models);
    // Assess
    expect(repairCode).toBe(6);
    expect(printed.join('\n')).toContain(`it also hid ${hidden[1]}, which the runs stored`);
    expect(printed.join('\n')).toContain('2 affected product(s) listed in');
    const listed = (await readFile(repairCatalog, 'utf8')).split('\n').slice(1, -1);
    expect(listed.map((row) => row.split(',')[0])).toEqual(hidden);
    expect(finalCode).toBe(0);
    expect(printed.at(-1)).toContain('OK: no damage found');
    expect(await storedIds(config, models)).toEqual(['p0', 'p1', 'p2', 'p3']);
  }, 120_000);

  it('restores the per-image vectors a flipped byte in image-vectors.log lost', async () => {
    // Prepare
    const { dataDir, config, models } = await ingestedShop(3);
    const log = path.join(dataDir, 'index', models.embed.id, 'image-vectors.log');
    const bytes = await readFile(log);
    const p1 = bytes.indexOf('"id":"p1"');
    bytes[p1 + 40] = (bytes[p1 + 40] as number) ^ 0x04;
    await writeFile(log, bytes);
    const printed: string[] = [];
    // Act
    const checkCode = await runCheckCommand([], config, (l) => printed.push(l));
    const checked = printed.join('\n');
    const repairCode = await runCheckCommand(['--repair'], config, (l) => printed.push(l));
    const repairCatalog = /Restore them with: threadfinder ingest (.+)$/m.exec(printed.join('\n'))?.[1] ?? '';
    await ingest(config, models, repairCatalog);
    const finalCode = await runCheckCommand([], config, (l) => printed.push(l));
    const rt = await createLocalRuntime(config, models, { readOnly: true });
    const vectors = await rt.store.getImageVectors?.(['p0', 'p1', 'p2']);
    await rt.close();
    // Assess
    expect(checkCode).toBe(6);
    expect(checked).toMatch(
      /image-vectors\.log line 2 .*: checksum mismatch in an img record of p1; skipped/,
    );
    expect(checked).toContain('1 product(s) affected');
    expect(repairCode).toBe(6);
    expect(printed.join('\n')).toMatch(
      /per-image vectors' damaged lines were set aside in .*image-vectors\.log\.damaged-/,
    );
    expect(await readFile(repairCatalog, 'utf8')).toMatch(/^product_id,image_url,category\np1,[^\n]*\n$/);
    expect(finalCode).toBe(0);
    expect(printed.at(-1)).toContain('OK: no damage found');
    expect(vectors?.map((v) => v.id).sort()).toEqual(['p0', 'p1', 'p2']);
  }, 120_000);

  it('restores the per-image vectors of a product whose lines were removed from image-vectors.log', async () => {
    // Prepare: as an ingestion stopped between a product's vector and its per-image vectors leaves it.
    const { dataDir, config, models } = await ingestedShop(3);
    const log = path.join(dataDir, 'index', models.embed.id, 'image-vectors.log');
    const lines = (await readFile(log, 'latin1')).split('\n');
    await writeFile(log, Buffer.from(lines.filter((l) => !l.includes('"id":"p1"')).join('\n'), 'latin1'));
    const printed: string[] = [];
    // Act
    const checkCode = await runCheckCommand([], config, (l) => printed.push(l));
    const checked = printed.join('\n');
    const { repairCode, repairCatalog, finalCode } = await repairLoop(config, models);
    const rt = await createLocalRuntime(config, models, { readOnly: true });
    const vectors = await rt.store.getImageVectors?.(['p0', 'p1', 'p2']);
    await rt.close();
    // Assess
    expect(checkCode).toBe(6);
    expect(checked).toMatch(/image-vectors\.log: 1 stored product\(s\) have no per-image vectors .*: p1$/m);
    expect(checked).toContain('1 product(s) affected');
    expect(repairCode).toBe(6);
    expect(await readFile(repairCatalog, 'utf8')).toMatch(/^product_id,image_url,category\np1,[^\n]*\n$/);
    expect(finalCode).toBe(0);
    expect(vectors?.map((v) => v.id).sort()).toEqual(['p0', 'p1', 'p2']);
  }, 120_000);
});
