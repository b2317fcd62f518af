import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawImage } from '#test/support/misbehaving-server.ts';

// `docker stop`, systemd and Kubernetes stop a process with SIGTERM: an ingestion stopped so finishes the
// batches in flight and stores them, as Ctrl-C does, instead of dying with nothing stored.

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
let dir: string;
let server: http.Server;
let url: string;
let hits = 0;
/** Answers held back until the test has sent SIGTERM: no scheduling lets the catalog finish before it. */
let held: (() => void)[] | undefined = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tf-sigterm-'));
  const jpeg = await drawImage('jpeg', 96, 64);
  server = http.createServer((_req, res) => {
    hits++;
    const answer = () =>
      setTimeout(() => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg), 300);
    if (held) held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('threadfinder ingest stopped with SIGTERM', () => {
  it('finishes the batches in flight, stores them and exits 130, saying so', async () => {
    // Prepare: 20 products of one slow image each, two per batch
    const rows = Array.from({ length: 20 }, (_, i) => `p${i},${url}/p${i}.jpg`);
    const catalog = path.join(dir, 'catalog.csv');
    await writeFile(catalog, `product_id,image_url\n${rows.join('\n')}\n`);
    const child = spawn(TSX, ['cli/cli.ts', 'ingest', catalog], {
      cwd: ROOT,
      env: {
        ...process.env,
        THREADFINDER_MODELS: 'test',
        THREADFINDER_DATA_DIR: path.join(dir, 'data'),
        THREADFINDER_ALLOW_PRIVATE_HOSTS: '1',
        THREADFINDER_BATCH_SIZE: '2',
      },
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Act: once the downloads have begun
    const started = Date.now();
    while (hits === 0 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    for (const answer of held?.splice(0) ?? []) answer();
    held = undefined;
    const code = await exited;
    // Assess
    expect(code).toBe(130);
    expect(out).toContain('Stopping (SIGTERM): finishing the batches in flight');
    const stored = Number(/products stored: (\d+)/.exec(out)?.[1]);
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(20);
    expect(out).toMatch(/interrupted: \d+ products were not processed/);
  }, 120_000);
});
