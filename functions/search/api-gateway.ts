import { z } from 'zod';
import { formatIssues } from '#core/zod-issues.ts';
import type { ApiRequest, ApiResponse } from './api-types.ts';

const eventSchema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string(),
  rawQueryString: z.string().default(''),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    stage: z.string().optional(),
    http: z.object({ method: z.string() }),
  }),
});

/** The response shape of an API Gateway HTTP API (payload format 2.0) Lambda integration. */
export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Reads an API Gateway HTTP API payload v2 event into an ApiRequest; throws naming the fields when it is not one. */
export function fromHttpApiEvent(event: unknown): ApiRequest {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    const where = formatIssues(parsed.error, { root: '(event)', max: Number.POSITIVE_INFINITY });
    throw new Error(`search handler expects an API Gateway HTTP API payload v2 event; ${where}`);
  }
  const e = parsed.data;
  const stage = e.requestContext.stage;
  const prefix = stage && stage !== '$default' ? `/${stage}` : '';
  const path = prefix && e.rawPath.startsWith(`${prefix}/`) ? e.rawPath.slice(prefix.length) : e.rawPath;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(e.headers)) headers[name.toLowerCase()] = value;
  return {
    method: e.requestContext.http.method.toUpperCase(),
    path,
    query: new URLSearchParams(e.rawQueryString),
    rawQuery: e.rawQueryString,
    headers,
    ...(e.body === undefined
      ? {}
      : { body: e.isBase64Encoded ? Buffer.from(e.body, 'base64') : Buffer.from(e.body, 'utf8') }),
  };
}

/** Writes an ApiResponse as an HTTP API result: text as is, bytes base64-encoded. */
export function toHttpApiResult(res: ApiResponse): HttpApiResult {
  const binary = typeof res.body !== 'string';
  return {
    statusCode: res.status,
    headers: res.headers,
    body: binary ? Buffer.from(res.body).toString('base64') : (res.body as string),
    isBase64Encoded: binary,
  };
}
