import { afterEach, describe, expect, it } from 'vitest';
import type { TextEmbedder } from '#core/ports/models.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';
import { textEmbedder } from './fixtures.ts';
import { closeAll, serve } from './serve.ts';

afterEach(closeAll);

describe('GET /api/search over HTTP', () => {
  it('answers 200 JSON with the query, the best product and its alternatives', async () => {
    // Prepare
    const { url } = await serve();

    // Act
    const res = await fetch(`${url}/api/search?q=shirt+at+thirty`);
    const body = await res.json();

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body.query).toBe('shirt at thirty');
    expect(body.best).toMatchObject({ id: 'b', category: 'dress', price: 20, name: 'product b' });
    expect(body.best.images).toEqual(['https://cdn.example.com/b/2.jpg', 'https://cdn.example.com/b/1.jpg']);
    expect(body.alternatives.map((p: { id: string }) => p.id)).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect(body.alternatives[0]).toEqual(
      expect.objectContaining({ score: expect.any(Number), images: expect.any(Array) }),
    );
  });

  it('answers an empty store with best null', async () => {
    // Prepare
    const { url } = await serve({ store: new MemoryVectorStore() });

    // Act
    const res = await fetch(`${url}/api/search?q=red`);

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ query: 'red', best: null, alternatives: [] });
  });

  it.each([
    ['', 'missing_query'],
    ['?q=', 'empty_query'],
    ['?q=%20%20%20', 'empty_query'],
    [`?q=${'a'.repeat(513)}`, 'query_too_long'],
    ['?q=dress&foo=1', 'unknown_parameter'],
    ['?q=dress&q=shirt', 'repeated_parameter'],
    ['?q=red%0Adress', 'invalid_query'],
  ])('answers /api/search%s with 400 %s', async (qs, code) => {
    // Prepare
    const { url, errors } = await serve();

    // Act
    const res = await fetch(`${url}/api/search${qs}`);
    const body = await res.json();

    // Assess
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    expect(errors).toEqual([]);
  });

  it('answers 503 model_mismatch when the store holds another model', async () => {
    // Prepare
    const { url } = await serve({ text: textEmbedder('other/model') });

    // Act
    const res = await fetch(`${url}/api/search?q=red`);

    // Assess
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({
      code: 'model_mismatch',
      message: expect.stringMatching(/other\/model/),
    });
  });

  it('answers an unexpected failure with a bare 500 and reports it', async () => {
    // Prepare
    const broken: TextEmbedder = {
      modelId: 'test/fashion-2d',
      dim: 2,
      embedTexts: async () => {
        throw new Error('secret detail at /opt/models/x.onnx');
      },
    };
    const { url, errors } = await serve({ text: broken });

    // Act
    const res = await fetch(`${url}/api/search?q=red`);
    const text = await res.text();

    // Assess
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal_error', message: 'internal server error' } });
    expect(text).not.toMatch(/secret|\.onnx|at /);
    expect(errors).toHaveLength(1);
  });
});

describe('GET /healthz', () => {
  it('answers 503 before ready and 200 with the product count and model after', async () => {
    // Prepare
    let ready = false;
    const { url } = await serve({ ready: () => ready });

    // Act
    const before = await fetch(`${url}/healthz`);
    const searchBefore = await fetch(`${url}/api/search?q=red`);
    ready = true;
    const after = await fetch(`${url}/healthz`);

    // Assess
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({
      status: 'starting',
      error: {
        code: 'not_ready',
        message: 'still starting: ingesting the catalog or loading the models and the index',
      },
    });
    expect(searchBefore.status).toBe(503);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ status: 'ok', products: 8, model: 'test/fashion-2d' });
  });
});

describe('routes that take no parameters', () => {
  it.each([
    ['/api/openapi.json?x=1', '"x"'],
    ['/api/facets?x=1&y', '"x", "y"'],
  ])('answer %s with 400 unknown_parameter naming it, like every other route', async (target, named) => {
    // Prepare
    const { url, errors } = await serve();

    // Act
    const res = await fetch(`${url}${target}`);
    const body = await res.json();

    // Assess
    expect(res.status).toBe(400);
    expect(body.error).toEqual({
      code: 'unknown_parameter',
      message: `unknown parameter ${named}; this route takes none`,
    });
    expect(errors).toEqual([]);
  });

  it("except /healthz, which ignores a monitor's cache-buster, ready or still starting", async () => {
    // Prepare
    const ready = await serve();
    const starting = await serve({ ready: () => false });

    // Act
    const ok = await fetch(`${ready.url}/healthz?_=1700000000`);
    const notYet = await fetch(`${starting.url}/healthz?_=1700000000`);

    // Assess
    expect(ok.status).toBe(200);
    expect((await ok.json()).status).toBe('ok');
    expect(notYet.status).toBe(503);
    await notYet.body?.cancel();
  });
});
