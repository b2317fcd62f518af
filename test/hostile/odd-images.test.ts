import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '#adapters/fs-blob-store.ts';
import { UndiciHttpClient } from '#adapters/undici-http-client.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import { decodeToRgb } from '#core/image/codec.ts';
import type { ImageRecord } from '#core/types.ts';
import { runDownload } from '#functions/download/run-download.ts';
import { expectStatus, originalKeyOf, outcome } from '#test/support/image-records.ts';

const MAX_PIXELS = 4_000_000;

/** A patterned image (so encoders cannot collapse it) with `channels` channels. */
function patterned(width: number, height: number, channels: 1 | 3 | 4 = 3) {
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  return sharp(pixels, { raw: { width, height, channels } });
}

/** A 1 KB PNG whose header claims `width` x `height` grey pixels, all of them zero-filled deflate. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const frame = Buffer.alloc(4);
    frame.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([frame, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const rows = zlib.deflateSync(Buffer.alloc((width + 1) * 64));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

/** Every odd image, with the content type it is served with and the outcome it must get. */
async function oddImages(): Promise<[string, Buffer, string, string][]> {
  const frames = await Promise.all(
    ['#f00', '#0f0', '#00f'].map((c) =>
      sharp({ create: { width: 16, height: 12, channels: 4, background: c } })
        .png()
        .toBuffer(),
    ),
  );
  const png = await patterned(64, 48).png().toBuffer();
  return [
    ['cmyk.jpg', await patterned(64, 48).toColourspace('cmyk').jpeg().toBuffer(), 'image/jpeg', 'downloaded'],
    ['deep.png', await patterned(64, 48).toColourspace('rgb16').png().toBuffer(), 'image/png', 'downloaded'],
    ['grey.png', await patterned(64, 48, 1).png().toBuffer(), 'image/png', 'downloaded'],
    ['palette.png', await patterned(64, 48, 4).png({ palette: true }).toBuffer(), 'image/png', 'downloaded'],
    [
      'animated.gif',
      await sharp(frames, { join: { animated: true } })
        .gif()
        .toBuffer(),
      'image/gif',
      'downloaded',
    ],
    ['alpha.webp', await patterned(64, 48, 4).webp().toBuffer(), 'image/webp', 'downloaded'],
    ['photo.avif', await patterned(64, 48).avif().toBuffer(), 'image/avif', 'downloaded'],
    [
      'progressive.jpg',
      await patterned(64, 48).jpeg({ progressive: true }).toBuffer(),
      'image/jpeg',
      'downloaded',
    ],
    [
      'rotated.jpg',
      await patterned(64, 48).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      'image/jpeg',
      'downloaded',
    ],
    ['dot.png', await patterned(1, 1).png().toBuffer(), 'image/png', 'downloaded'],
    ['strip.png', await patterned(20_000, 20).png().toBuffer(), 'image/png', 'downloaded'],
    ['bomb.png', pngBomb(10_000, 10_000), 'image/png', 'too_many_pixels'],
    [
      'trailing.png',
      Buffer.concat([png, Buffer.from('<?php garbage after IEND ?>')]),
      'image/png',
      'downloaded',
    ],
    ['liar.png', await patterned(64, 48).jpeg().toBuffer(), 'image/png', 'downloaded'],
    ['scan.tiff', await patterned(64, 48).tiff().toBuffer(), 'image/tiff', 'downloaded'],
    ['cut.png', png.subarray(0, png.length - 40), 'image/png', 'corrupt_image'],
  ];
}

describe('download stage with odd images', () => {
  let server: http.Server;
  let base: string;
  let images: [string, Buffer, string, string][];
  let client: UndiciHttpClient;
  let dir: string;
  let blobs: FsBlobStore;
  let records: ImageRecord[];
  const requested: string[] = [];

  beforeAll(async () => {
    images = await oddImages();
    const byName = new Map(images.map(([name, bytes, type]) => [`/${name}`, { bytes, type }]));
    server = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      const found = byName.get(req.url ?? '');
      res.writeHead(found ? 200 : 404, { 'content-type': found?.type ?? 'text/plain' });
      res.end(found?.bytes ?? 'no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new UndiciHttpClient({ allowPrivateHosts: true });
    dir = await mkdtemp(path.join(tmpdir(), 'tf-hostile-images-'));
    blobs = new FsBlobStore(dir);
    const out = await runDownload(
      {
        runId: 'odd',
        items: [
          {
            id: 'p',
            metadata: {},
            images: images.map(([name]) => ({ url: `${base}/${name}`, status: 'pending' })),
          },
        ],
      },
      {
        http: client,
        blobs,
        limiter: new HostLimiter(4),
        settings: {
          timeoutMs: 5000,
          maxBytes: 5_000_000,
          retries: 0,
          maxPixels: MAX_PIXELS,
          maxRedirects: 2,
        },
      },
    );
    records = out.items[0]?.images ?? [];
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each odd image downloaded or a precise failure, without failing the batch', () => {
    // Assess
    expect(records.map((r) => [path.basename(r.url), outcome(r)])).toEqual(
      images.map(([name, , , want]) => [name, want]),
    );
    const bomb = records.find((r) => r.url.endsWith('/bomb.png'));
    expect(bomb?.detail).toMatch(/^10000x10000 is 100000000 pixels, over the limit of 4000000/);
    expect(records.find((r) => r.url.endsWith('/cut.png'))?.detail).toMatch(/cannot decode png/);
    expect(requested.sort()).toEqual(images.map(([name]) => `/${name}`).sort());
    expect(originalKeyOf(bomb)).toBeUndefined();
  });

  it('stores each original under the extension of what it is, not of what it claims', () => {
    // Assess
    const key = (name: string) =>
      expectStatus(
        records.find((r) => r.url.endsWith(`/${name}`)),
        'downloaded',
      ).originalKey;
    expect(path.extname(key('liar.png'))).toBe('.jpg');
    expect(path.extname(key('scan.tiff'))).toBe('.tif');
    expect(path.extname(key('photo.avif'))).toBe('.avif');
  });

  it('decodes every stored original to upright 8-bit RGB, the first frame of an animation only', async () => {
    // Prepare
    const ok = records.filter((r) => r.status === 'downloaded');
    // Act
    const decoded = await Promise.all(
      ok.map(
        async (r) =>
          [
            path.basename(r.url),
            await decodeToRgb(await blobs.get(r.originalKey), { maxPixels: MAX_PIXELS, maxSide: 1024 }),
          ] as const,
      ),
    );
    // Assess
    for (const [, rgb] of decoded) expect(rgb.data.length).toBe(rgb.width * rgb.height * 3);
    const size = (name: string) => decoded.find(([n]) => n === name)?.[1];
    expect([size('rotated.jpg')?.width, size('rotated.jpg')?.height]).toEqual([48, 64]);
    expect([size('animated.gif')?.width, size('animated.gif')?.height]).toEqual([16, 12]);
    expect([size('strip.png')?.width, size('strip.png')?.height]).toEqual([1024, 1]);
  });
});
