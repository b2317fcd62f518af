import { HttpClientError } from '#core/errors.ts';
import { ModelFetchError } from './errors.ts';

// Connect-time failures: the host cannot be reached at all (offline, DNS, refused, no route).
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function codeOf(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return '';
}

/** Maps anything a transfer threw to a ModelFetchError saying whether the host was reachable at all. */
export function classifyError(error: unknown, url: string): ModelFetchError {
  if (error instanceof ModelFetchError) return error;
  if (error instanceof HttpClientError) {
    const failure = error.reason === 'blocked_host' ? 'blocked' : 'http';
    return new ModelFetchError(`${error.message} (fetching ${url})`, failure, url, { cause: error });
  }
  const code = codeOf(error);
  const text = error instanceof Error ? error.message : String(error);
  const detail = code && !text.includes(code) ? `${code}: ${text}` : text;
  if (UNREACHABLE.has(code)) {
    return new ModelFetchError(
      `cannot reach ${new URL(url).host} for ${url} (${detail})`,
      'unreachable',
      url,
      {
        cause: error,
      },
    );
  }
  return new ModelFetchError(`download of ${url} was interrupted: ${detail}`, 'interrupted', url, {
    cause: error,
  });
}
