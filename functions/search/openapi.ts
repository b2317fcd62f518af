import { TAG_VOCABULARY } from '#core/tags/vocabulary.ts';
import { MAX_BODY_BYTES, MAX_IMAGE_BODY_BYTES, MAX_URL_CHARS } from './api-types.ts';
import { IMAGE_BODY_TYPES } from './image-request.ts';
import { K_BOUNDS, SCHEMAS } from './openapi-schemas.ts';
import { DEFAULT_ALTERNATIVES } from './run-search.ts';
import { MAX_QUERY_CHARS, tagParam } from './search-params.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonOf = (schema: object) => ({ 'application/json': { schema } });
const ok = (description: string, schema: string) => ({ description, content: jsonOf(ref(schema)) });
const error = (description: string) => ({ description, content: jsonOf(ref('Error')) });

const filters = [
  {
    name: 'k',
    in: 'query',
    description: 'Number of alternatives.',
    schema: { type: 'integer', ...K_BOUNDS, default: DEFAULT_ALTERNATIVES },
  },
  {
    name: 'category',
    in: 'query',
    description: 'Only products of this category (case-insensitive, surrounding spaces ignored).',
    schema: { type: 'string', minLength: 1, maxLength: 100 },
  },
  {
    name: 'color',
    in: 'query',
    description: 'Only products of this colour (case-insensitive, surrounding spaces ignored).',
    schema: { type: 'string', minLength: 1, maxLength: 100 },
  },
  {
    name: 'price_min',
    in: 'query',
    description: 'Lowest price, inclusive.',
    schema: { type: 'number', minimum: 0 },
  },
  {
    name: 'price_max',
    in: 'query',
    description: 'Highest price, inclusive.',
    schema: { type: 'number', minimum: 0 },
  },
  ...TAG_VOCABULARY.map((g) => ({
    name: tagParam(g.name),
    in: 'query',
    description:
      `Only products auto-tagged with this ${g.label.toLowerCase()} (case-insensitive; never catalog metadata). ` +
      `400 \`filter_unavailable\` when the catalog has its own ${g.columns.join(' or ')} column.`,
    schema: { enum: [...g.values] },
  })),
];
const productId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Product id, percent-encoded.',
  schema: { type: 'string' },
};

const badRequest = error(
  'Bad input: unknown or repeated parameter, bad value, bad encoding (`code` names the problem).',
);
const notReady = error(
  'The service is starting (`not_ready`), or the index was built with another model (`model_mismatch`).',
);
const notFound = error(
  'No such product (`product_not_found`) or image (`image_not_found`), or no such path (`not_found`).',
);

/** The OpenAPI 3.1 document of the search API, served at `/api/openapi.json`; tests hold real answers to it. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Threadfinder search API',
    version: '1.0.0',
    description:
      'Find clothes by look: text or image in, the best product and its distinct look-alikes out. Every ' +
      'error has the shape `{"error": {"code", "message"}}`; bad input is a 4xx, never a 5xx. URLs longer ' +
      `than ${MAX_URL_CHARS} characters get 414; bodies over ${MAX_BODY_BYTES} bytes (${MAX_IMAGE_BODY_BYTES} ` +
      'for an image search) get 413. Deployed behind API Gateway and Lambda, an image upload is further ' +
      'limited to about 4.5 MB (Lambda accepts 6 MB of base64-encoded request).',
  },
  paths: {
    '/api/search': {
      get: {
        summary: 'Search by text',
        description:
          'The product nearest to the query, then the products nearest to that product; alternatives within ' +
          'the duplicate threshold (cosine, default 0.98) of the best or of each other are collapsed.',
        parameters: [
          {
            name: 'q',
            in: 'query',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: MAX_QUERY_CHARS },
          },
          ...filters,
        ],
        responses: {
          200: ok('The best match (null when none) and its alternatives.', 'SearchResult'),
          400: badRequest,
          414: error('URL too long.'),
          503: notReady,
        },
      },
      post: {
        summary: 'Search by image',
        description:
          "The image goes through the catalog's segmentation and embedding. Send the bytes, a multipart form " +
          'with the file field `image`, or JSON `{"imageUrl"}` (fetched once; private and loopback addresses ' +
          'refused, time and size capped, content checked).',
        parameters: filters,
        requestBody: {
          required: true,
          content: {
            ...Object.fromEntries(
              IMAGE_BODY_TYPES.map((t) => [t, { schema: { type: 'string', contentMediaType: t } }]),
            ),
            'multipart/form-data': { schema: ref('Multipart') },
            'application/json': { schema: ref('ImageUrl') },
          },
        },
        responses: {
          200: ok('Same as text search, `query` empty, and where the image came from.', 'ImageSearchResult'),
          400: error(
            'Not a usable image (`not_an_image`), bad multipart (`invalid_multipart`, `unexpected_field`, ' +
              '`missing_image`), bad JSON (`invalid_json`), bad URL (`invalid_image_url`), private address ' +
              '(`blocked_host`), URL that failed (`image_fetch_failed`), or a bad parameter.',
          ),
          413: error('Body, image or pixel count too large (`payload_too_large`, `too_many_pixels`).'),
          415: error('Unsupported Content-Type (`unsupported_media_type`).'),
          501: error('Search by image is not enabled here (`image_search_unavailable`).'),
          503: error(
            'Starting (`not_ready`), other model (`model_mismatch`), image models cannot load (`image_search_unavailable`), or 8 image searches are already running or waiting (`busy`, with Retry-After).',
          ),
        },
      },
    },
    '/api/products/{id}': {
      get: {
        summary: 'One product',
        parameters: [productId],
        responses: {
          200: ok('The product, without score.', 'Product'),
          400: badRequest,
          404: notFound,
          503: notReady,
        },
      },
    },
    '/api/products/{id}/similar': {
      get: {
        summary: 'More like this',
        parameters: [productId, ...filters],
        responses: {
          200: ok('The product and its distinct nearest products.', 'SimilarResult'),
          400: badRequest,
          404: notFound,
          503: notReady,
        },
      },
    },
    '/api/products/{id}/masked/{i}': {
      get: {
        summary: 'A segmented image of a product',
        parameters: [
          productId,
          {
            name: 'i',
            in: 'path',
            required: true,
            description:
              'Index into `images`, written without sign or leading zeros (`00`, `-1` address nothing: 404 ' +
              '`not_found`); an index with no masked image, however large, is 404 `image_not_found`.',
            schema: { type: 'integer', minimum: 0 },
          },
        ],
        responses: {
          200: {
            description: 'PNG: the garment on a flat background.',
            content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } },
          },
          304: { description: 'Not modified (If-None-Match matched the ETag).' },
          400: badRequest,
          404: notFound,
          503: notReady,
        },
      },
    },
    '/api/facets': {
      get: {
        summary: 'Filter values present in the catalog',
        responses: {
          200: ok(
            'Distinct categories and colours, price range, product count, and auto-tag values per group.',
            'Facets',
          ),
          400: badRequest,
          503: notReady,
        },
      },
    },
    '/api/openapi.json': {
      get: {
        summary: 'This document',
        responses: {
          200: { description: 'OpenAPI 3.1', content: jsonOf({ type: 'object' }) },
          400: error('A query parameter (`unknown_parameter`): this route takes none.'),
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Readiness',
        responses: {
          200: ok(
            'Ready (status ok), or serving a damaged index (status degraded). Any query (a cache-buster) is ignored.',
            'Health',
          ),
          503: ok(
            'Starting (ingesting the catalog, or loading the models and the index) or model mismatch.',
            'Health',
          ),
        },
      },
    },
  },
  components: { schemas: SCHEMAS },
} as const;
