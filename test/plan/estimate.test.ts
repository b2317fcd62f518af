import { describe, expect, it } from 'vitest';
import { type Calibration, estimateCloud, estimateLocal, scaled } from '#cli/plan/estimate.ts';

const CAL: Calibration = {
  images: 3,
  threads: 2,
  decodeSeconds: 0.1,
  segmentSeconds: 2.4,
  embedSeconds: 0.133,
  loadSeconds: 6,
  models: { segment: 'u2net_cloth_seg', embed: 'marqo-fashion-siglip' },
  standIns: false,
};
const WORK = {
  products: 46_667,
  images: 140_000,
  toDownload: 140_000,
  toSegment: 140_000,
  toEmbed: 140_000,
  hosts: 1,
};
const STACK = {
  batchSize: 20,
  maxConcurrency: 16,
  memoryMb: { download: 2048, segment: 10_240, embed: 6144 },
};

describe('plan arithmetic', () => {
  it('scales this machine’s seconds to a function’s vCPUs: first core in full, each further one at 0.7', () => {
    // 2 threads here = 1.7 cores' worth; 10,240 MB = 5.789 vCPUs = 4.352 cores' worth
    expect(scaled(2.5, 2, 10_240)).toBeCloseTo((2.5 * 1.7) / (1 + (10_240 / 1769 - 1) * 0.7), 10);
    expect(scaled(1, 1, 1769)).toBe(1);
  });

  it('adds up the local steps', () => {
    const { seconds, lines } = estimateLocal(WORK, CAL);
    // download 140,000 x 0.5 / 4 = 17,500 s; segment 140,000 x 2.5 = 350,000 s; embed 18,620 s; load 6 s
    expect(lines.map((l) => Math.round(l.value))).toEqual([17_500, 350_000, 18_620, 6]);
    expect(seconds).toBeCloseTo(17_500 + 350_000 + 18_620 + 6, 6);
  });

  it('prices a first ingestion of 140,000 images line by line', () => {
    const { dollars, wallSeconds, lines } = estimateCloud(WORK, CAL, STACK);
    const value = (item: string) => lines.find((l) => l.item === item)?.value ?? Number.NaN;
    const price = 0.0000133334;
    const seg = scaled(2.5, 2, 10_240);
    const emb = scaled(0.133, 2, 6144);
    expect(value('segment')).toBeCloseTo(140_000 * seg * 10 * price, 9);
    expect(value('embed')).toBeCloseTo(140_000 * emb * 6 * price, 9);
    expect(value('download')).toBeCloseTo(140_000 * 0.125 * 2 * price, 9);
    expect(value('cold starts')).toBeCloseTo(16 * 6 * 16 * price, 9);
    const batches = Math.ceil(46_667 / 20); // 2,334
    expect(value('Lambda requests')).toBeCloseTo((batches * 3 + 2) * 0.2e-6, 12);
    expect(value('Step Functions')).toBeCloseTo((batches * 6 + 12) * 0.000025, 12);
    expect(value('S3 requests')).toBeCloseTo(140_000 * 3 * 0.000005 + 140_000 * 4 * 0.0000004, 12);
    const usd = lines.filter((l) => l.unit === 'USD').reduce((s, l) => s + l.value, 0);
    expect(dollars).toBeCloseTo(usd, 12);
    // 146 waves of 16 batches; a batch holds 140,000 / 2,334 images, each 0.125 + seg + emb seconds
    const perBatch = (140_000 / batches) * (0.125 + seg + emb);
    expect(wallSeconds).toBeCloseTo(Math.ceil(batches / 16) * perBatch + 6, 6);
    expect(lines.find((l) => l.item === 'segment')?.arithmetic).toMatch(
      /^140000 images x 0\.\d+ s x 10 GB x \$0\.0000133334\/GB-s$/,
    );
  });

  it('costs nothing but bookkeeping when everything is fresh and masked', () => {
    const work = { ...WORK, toDownload: 0, toSegment: 0, toEmbed: 0 };
    const { lines } = estimateCloud(work, CAL, STACK);
    const value = (item: string) => lines.find((l) => l.item === item)?.value;
    expect([value('segment'), value('embed'), value('download')]).toEqual([0, 0, 0]);
  });
});
