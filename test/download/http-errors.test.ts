import { describe, expect, it } from 'vitest';
import { asHttpClientError } from '#adapters/http-errors.ts';

const URL_ = 'https://cdn.test/a.jpg';

/** An error as Node's TLS or socket layer raises it: a message and a code. */
function nodeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('asHttpClientError', () => {
  it('makes a TLS protocol mismatch a permanent failure with a plain one-line detail', () => {
    // Prepare: OpenSSL's own message ends with a line break
    const error = nodeError(
      'ERR_SSL_WRONG_VERSION_NUMBER',
      '80CC2237D47F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n',
    );
    // Act
    const mapped = asHttpClientError(error, URL_);
    // Assess
    expect(mapped).toMatchObject({ reason: 'network_error', retryable: false });
    expect(mapped.message).toBe(
      `TLS handshake failed fetching ${URL_}: the server does not speak TLS on this port (ERR_SSL_WRONG_VERSION_NUMBER)`,
    );
  });

  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self signed certificate', 'the certificate is self-signed'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', 'ends in a self-signed'],
    ['CERT_HAS_EXPIRED', 'certificate has expired', 'the certificate has expired'],
    ['CERT_NOT_YET_VALID', 'certificate is not yet valid', 'the certificate is not valid yet'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate', 'unknown authority'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate', 'unknown authority'],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: Host: cdn.test. is not in the cert's altnames: DNS:other.test",
      "the certificate is for another host name: Hostname/IP does not match certificate's altnames",
    ],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'tlsv1 alert protocol version\n', 'share no TLS version'],
  ])('%s is permanent and says what was wrong', (code, message, says) => {
    // Act
    const mapped = asHttpClientError(nodeError(code, message), URL_);
    // Assess
    expect(mapped).toMatchObject({ reason: 'network_error', retryable: false });
    expect(mapped.message).toMatch(
      /^TLS (certificate rejected|handshake failed) fetching https:\/\/cdn\.test\/a\.jpg: /,
    );
    expect(mapped.message).toContain(says);
    expect(mapped.message.endsWith(`(${code})`)).toBe(true);
  });

  it('keeps passing trouble retryable: a reset, or a TLS stream cut short', () => {
    // Act
    const reset = asHttpClientError(nodeError('ECONNRESET', 'read ECONNRESET'), URL_);
    const cut = asHttpClientError(
      nodeError(
        'ERR_SSL_UNEXPECTED_EOF_WHILE_READING',
        'error:0A000126:SSL routines::unexpected eof while reading\n',
      ),
      URL_,
    );
    // Assess
    expect(reset).toMatchObject({ reason: 'network_error', retryable: true });
    expect(cut).toMatchObject({ reason: 'network_error', retryable: true });
    expect(cut.message).toBe(
      `network error fetching ${URL_}: ERR_SSL_UNEXPECTED_EOF_WHILE_READING: error:0A000126:SSL routines::unexpected eof while reading`,
    );
  });

  it('retries a TLS handshake that timed out, as a timeout', () => {
    // Act
    const slow = asHttpClientError(nodeError('ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout'), URL_);
    // Assess
    expect(slow).toMatchObject({ reason: 'timeout', retryable: true });
  });

  it('finds the code of an error wrapped by another', () => {
    // Prepare
    const wrapped = new Error('fetch failed', {
      cause: nodeError('CERT_HAS_EXPIRED', 'certificate has expired'),
    });
    // Act
    const mapped = asHttpClientError(wrapped, URL_);
    // Assess
    expect(mapped).toMatchObject({ retryable: false });
    expect(mapped.message).toContain('the certificate has expired (CERT_HAS_EXPIRED)');
  });
});
