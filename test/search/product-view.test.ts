import { describe, expect, it } from 'vitest';
import type { ProductRecord } from '#core/types.ts';
import { productPath, toView } from '#functions/search/product-view.ts';

const record = (id: string): ProductRecord => ({
  id,
  vector: new Float32Array([1, 0]),
  images: ['https://a.example/1.jpg', 'https://a.example/2.jpg'],
  maskedKeys: ['masked/m/mask/a.png', undefined],
  metadata: { name: 'Shirt' },
  imagesUsed: 1,
});

describe('product view paths', () => {
  it('links masked images under the product, its id as one encoded path segment', () => {
    // Prepare
    const product = record('a/b ..');

    // Act
    const view = toView(product);

    // Assess
    expect(view.maskedImages).toEqual(['/api/products/a%2Fb%20../masked/0', null]);
  });

  it.each(['.', '..'])(
    'gives a stored product with id %j no link, since a URL would resolve it elsewhere',
    (id) => {
      // Prepare
      const product = record(id);

      // Act
      const view = toView(product);

      // Assess
      expect(productPath(id)).toBeUndefined();
      expect(view).toMatchObject({ id, maskedImages: [null, null], images: product.images });
    },
  );
});
