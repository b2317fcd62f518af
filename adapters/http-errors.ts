import { HttpClientError } from '#core/errors.ts';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // A handshake that took too long is a slow server, like a connect timeout: asking again may pass.
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);
const PERMANENT_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL']);

/** Certificate problems Node's TLS reports by OpenSSL's verify codes, as people would say them. */
const CERTIFICATE_PROBLEMS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a self-signed certificate',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is signed by an unknown authority (incomplete chain?)',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is signed by an unknown authority',
  CERT_UNTRUSTED: 'the certificate is not trusted',
  CERT_REVOKED: 'the certificate has been revoked',
  CERT_SIGNATURE_FAILURE: 'the certificate signature is invalid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
};

/** Handshakes OpenSSL refused for good, by Node's code for its reason. */
const HANDSHAKE_PROBLEMS: Record<string, string> = {
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the server does not speak TLS on this port',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'the server and we share no TLS version',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'the server and we share no TLS version',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'the server and we share no TLS version',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'the server refused the handshake (no common cipher?)',
  ERR_SSL_UNSAFE_LEGACY_RENEGOTIATION_DISABLED: 'the server needs unsafe legacy renegotiation',
  ERR_SSL_DH_KEY_TOO_SMALL: "the server's key is too weak",
  ERR_SSL_EE_KEY_TOO_SMALL: "the server's key is too weak",
  ERR_SSL_CA_MD_TOO_WEAK: "the server's certificate is signed with a weak digest",
};

/** Maps anything undici or the socket threw to an HttpClientError with a FailureReason; its message is one line. */
export function asHttpClientError(error: unknown, url: string): HttpClientError {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof HttpClientError) return e;
  }
  const code = codeOf(error);
  const text = oneLine(error instanceof Error ? error.message : String(error));
  if (TIMEOUT_CODES.has(code)) {
    return new HttpClientError(`timed out fetching ${url} (${code})`, 'timeout', true, { cause: error });
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    return new HttpClientError(`response headers are too large from ${url}`, 'http_error', false, {
      cause: error,
    });
  }
  if (error instanceof Error && error.name === 'HTTPParserError') {
    const detail = `${url} answered with something that is not a valid HTTP response: ${text}`;
    return new HttpClientError(detail, 'http_error', false, { cause: error });
  }
  const tls = tlsProblem(code, text);
  if (tls) {
    const detail = `${tls.failed} fetching ${url}: ${tls.why} (${code})`;
    return new HttpClientError(detail, 'network_error', false, { cause: error });
  }
  const detail = `network error fetching ${url}: ${code ? `${code}: ${text}` : text}`;
  return new HttpClientError(detail, 'network_error', !PERMANENT_CODES.has(code), { cause: error });
}

/**
 * What went wrong when TLS did (`failed` and `why`), or undefined when it was not TLS or may pass (an
 * interrupted TLS stream is a network error like any other). Asking again does not help: the server speaks no
 * TLS on that port, shares no TLS version with us, or its certificate is not one we trust for that host.
 */
function tlsProblem(code: string, text: string): { failed: string; why: string } | undefined {
  const certificate = CERTIFICATE_PROBLEMS[code];
  if (certificate) {
    const names = code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `: ${text}` : '';
    return { failed: 'TLS certificate rejected', why: certificate + names };
  }
  const handshake = HANDSHAKE_PROBLEMS[code];
  if (handshake) return { failed: 'TLS handshake failed', why: handshake };
  if (code.includes('CERT')) return { failed: 'TLS certificate rejected', why: text };
  if (code.startsWith('ERR_TLS_')) return { failed: 'TLS failed', why: text };
  return undefined;
}

/** The first error code along the cause chain. */
function codeOf(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
  }
  return '';
}

/** Whitespace runs (OpenSSL ends its messages with a newline) as one space, trimmed. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
