import { describe, expect, it } from 'vitest';
import { context, prepareSetup } from './setup.ts';

const setup = prepareSetup('prepare-scale');

describe('prepare at catalog scale', () => {
  it('returns a result far below the 256 KB state limit for 47,000 products and 2,000 refused rows with long URLs', async () => {
    // Prepare
    const long = 'x'.repeat(1900);
    const rows = ['product_id,image_url,name'];
    for (let i = 0; i < 47_000; i++) rows.push(`p${i},https://img.example/${i}.jpg,Product ${i}`);
    for (let i = 0; i < 2_000; i++) rows.push(`bad${i},ftp://img.example/${long}.jpg,Refused`);
    const { blobs, text, handler } = await setup({ 'catalogs/big.csv': rows.join('\n') });
    // Act
    const result = await handler({ runId: 'big', catalogKey: 'catalogs/big.csv' }, context);
    // Assess
    expect(result).toMatchObject({ products: 47_000, images: 47_000, catalogErrors: 4_000 });
    expect(JSON.stringify(result).length).toBeLessThan(32 * 1024);
    expect(result.firstProblems).toHaveLength(20);
    expect(Math.max(...result.firstProblems.map((l) => l.length))).toBeLessThanOrEqual(500);
    expect((await text('runs/big/catalog-problems.txt')).trimEnd().split('\n')).toHaveLength(4_000);
    expect(await blobs.has('runs/big/items.json')).toBe(true);
  }, 60_000);
});
