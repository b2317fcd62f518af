import { TAG_VOCABULARY } from '#core/tags/vocabulary.ts';
import { MAX_ALTERNATIVES, MIN_ALTERNATIVES } from './run-search.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** JSON Schemas (2020-12) of every body the API answers with; `#/components/schemas/...` of the document. */
export const SCHEMAS = {
  Error: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', description: 'Stable machine-readable code, e.g. `invalid_parameter`.' },
          message: { type: 'string', description: 'What is wrong and where, for a person.' },
        },
      },
    },
  },
  Product: {
    type: 'object',
    description:
      'A product: its catalog metadata (name, category, color, price, product_url, ...) flattened next to ' +
      'the fields below.',
    required: ['id', 'images', 'maskedImages', 'imagesUsed'],
    properties: {
      id: { type: 'string' },
      score: {
        type: 'number',
        description:
          'Cosine similarity: to the query for `best`, to the best (or focused) product for an alternative. ' +
          'Absent on a product asked for by id.',
      },
      images: { type: 'array', items: { type: 'string' }, description: 'Catalog image URLs, catalog order.' },
      maskedImages: {
        type: 'array',
        items: { type: ['string', 'null'], pattern: '^/api/products/[^/]+/masked/[0-9]+$' },
        description:
          'Same length as `images`: the same-origin URL of each segmented PNG (garment on a flat background), ' +
          'null where that image failed.',
      },
      imagesUsed: { type: 'integer', minimum: 0, description: 'Images that contributed to the vector.' },
      autoTags: {
        type: 'object',
        description:
          'Zero-shot tags guessed from the photos, per vocabulary group: the best value and its cosine margin over ' +
          "the group's runner-up (only tags whose margin cleared THREADFINDER_TAG_MARGIN). Never catalog metadata.",
        propertyNames: { enum: TAG_VOCABULARY.map((g) => g.name) },
        additionalProperties: {
          type: 'object',
          required: ['value', 'margin'],
          additionalProperties: false,
          properties: { value: { type: 'string' }, margin: { type: 'number', minimum: 0 } },
        },
      },
    },
    additionalProperties: { type: ['string', 'number'] },
  },
  SearchResult: {
    type: 'object',
    required: ['query', 'best', 'alternatives'],
    additionalProperties: false,
    properties: {
      query: { type: 'string', description: 'The query as searched (trimmed).' },
      best: { oneOf: [ref('Product'), { type: 'null' }], description: 'null when nothing matches.' },
      alternatives: { type: 'array', items: ref('Product'), maxItems: MAX_ALTERNATIVES },
    },
  },
  ImageSearchResult: {
    type: 'object',
    required: ['query', 'best', 'alternatives', 'queryImage'],
    additionalProperties: false,
    properties: {
      query: { const: '' },
      best: { oneOf: [ref('Product'), { type: 'null' }] },
      alternatives: { type: 'array', items: ref('Product'), maxItems: MAX_ALTERNATIVES },
      queryImage: { enum: ['upload', 'url'] },
    },
  },
  SimilarResult: {
    type: 'object',
    required: ['product', 'alternatives'],
    additionalProperties: false,
    properties: {
      product: ref('Product'),
      alternatives: { type: 'array', items: ref('Product'), maxItems: MAX_ALTERNATIVES },
    },
  },
  Facets: {
    type: 'object',
    required: ['categories', 'colors', 'price', 'products', 'autoTags'],
    additionalProperties: false,
    properties: {
      autoTags: {
        type: 'array',
        description:
          'Auto-tag values per vocabulary group, for the groups the catalog has no column for (its metadata wins ' +
          'where it has one); each is a filter `tag_<group>`.',
        items: {
          type: 'object',
          required: ['group', 'label', 'auto', 'values'],
          additionalProperties: false,
          properties: {
            group: { enum: TAG_VOCABULARY.map((g) => g.name) },
            label: { type: 'string' },
            auto: { const: true },
            values: { type: 'array', items: { type: 'string' } },
          },
        },
      },
      categories: { type: 'array', items: { type: 'string' } },
      colors: { type: 'array', items: { type: 'string' } },
      price: {
        oneOf: [
          {
            type: 'object',
            required: ['min', 'max'],
            additionalProperties: false,
            properties: { min: { type: 'number' }, max: { type: 'number' } },
          },
          { type: 'null' },
        ],
      },
      products: { type: 'integer', minimum: 0 },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { enum: ['ok', 'degraded', 'starting', 'model_mismatch'] },
      products: { type: 'integer', minimum: 0 },
      model: { type: 'string' },
      damage: {
        description: 'With status degraded: damaged lines of the index skipped on open; search still serves.',
        type: 'object',
        required: ['lines', 'bytes', 'products', 'message'],
        additionalProperties: false,
        properties: {
          lines: { type: 'integer', minimum: 1 },
          bytes: { type: 'integer', minimum: 0 },
          products: {
            type: 'integer',
            minimum: 0,
            description:
              'products named in the damaged lines, which may be missing or out of date; `message` also counts ' +
              'the damaged lines that name no product',
          },
          message: { type: 'string' },
        },
      },
      error: { $ref: '#/components/schemas/Error/properties/error' },
    },
    additionalProperties: false,
  },
  ImageUrl: {
    type: 'object',
    required: ['imageUrl'],
    additionalProperties: false,
    properties: { imageUrl: { type: 'string', format: 'uri', maxLength: 2048 } },
  },
  Multipart: {
    type: 'object',
    required: ['image'],
    additionalProperties: false,
    properties: { image: { type: 'string', contentMediaType: 'image/*', contentEncoding: 'binary' } },
  },
} as const;

/** Bounds of `k` the document states. */
export const K_BOUNDS = { minimum: MIN_ALTERNATIVES, maximum: MAX_ALTERNATIVES } as const;
