import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseBatchEvent } from '#core/contracts/batch-schema.ts';
import { parseEmbeddedBatch } from '#core/contracts/embedded-batch.ts';
import { FAILURE_REASONS, zeroFailureCounts } from '#core/failure-reasons.ts';
import { formatIssues } from '#core/zod-issues.ts';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const image = (extra: Record<string, unknown>) => ({
  url: 'https://a.example/1.jpg',
  status: 'failed',
  ...extra,
});

describe('one image-record schema for the stages and the aggregate step', () => {
  it.each([
    ['a detail past 4096 characters', { reason: 'timeout', detail: 'x'.repeat(4097) }, 'images.0.detail'],
    ['an unknown failure reason', { reason: 'gremlins' }, 'images.0.reason'],
    [
      'a blob key past 1024 characters',
      { reason: 'timeout', originalKey: 'k'.repeat(1025) },
      'images.0.originalKey',
    ],
  ])('refuses %s in a stage event and in an embedded batch alike', (_, extra, field) => {
    // Prepare
    const product = { id: 'p1', metadata: {}, images: [image(extra)] };
    const event = { runId: 'r1', items: [product] };
    const embedded = { runId: 'r1', model: 'm', dim: 2, products: [product] };

    // Act
    const stage = () => parseBatchEvent(event);
    const aggregate = () => parseEmbeddedBatch(encode(embedded), 'runs/r1/embedded/a.json');

    // Assess
    expect(stage).toThrow(`invalid batch event: items.0.${field}: `);
    expect(aggregate).toThrow(`embedded batch runs/r1/embedded/a.json is invalid: products.0.${field}: `);
  });

  it('lists every failure reason once, each with a zero count', () => {
    // Act
    const counts = zeroFailureCounts();

    // Assess
    expect(new Set(FAILURE_REASONS).size).toBe(FAILURE_REASONS.length);
    expect(Object.keys(counts)).toEqual(FAILURE_REASONS);
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });
});

describe('formatIssues', () => {
  const schema = z.object({ a: z.string(), b: z.object({ c: z.number() }) });

  it('names each issue by its path, the whole value by the root label, and stops at max', () => {
    // Prepare
    const nested = schema.safeParse({ a: 1, b: { c: 'x' } });
    const whole = schema.safeParse(7);

    // Act
    const all = nested.success ? '' : formatIssues(nested.error);
    const first = nested.success ? '' : formatIssues(nested.error, { max: 1 });
    const root = whole.success ? '' : formatIssues(whole.error, { root: '(event)' });

    // Assess
    expect(all).toMatch(/^a: .+; b\.c: .+$/);
    expect(first).toMatch(/^a: [^;]+$/);
    expect(root).toMatch(/^\(event\): /);
  });
});
