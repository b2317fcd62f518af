import zlib from 'node:zlib';
import { head, type RawRoute } from './raw-server.ts';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>';
const PAST = 'Wed, 21 Oct 2015 07:28:00 GMT';

/** Every way an image host can misbehave, by path; `/ok.jpg` serves `jpeg` properly. */
export function hostileRoutes(jpeg: Buffer): Record<string, RawRoute> {
  const ok =
    (type = 'image/jpeg', extra: Record<string, string | number> = {}, body: Buffer = jpeg): RawRoute =>
    (s) =>
      s.end(
        Buffer.concat([
          Buffer.from(head('200 OK', { 'content-type': type, 'content-length': body.length, ...extra })),
          body,
        ]),
      );
  const status =
    (line: string, extra: Record<string, string | number> = {}): RawRoute =>
    (s) =>
      s.end(head(line, { 'content-length': 0, connection: 'close', ...extra }));
  const thenOk =
    (first: RawRoute): RawRoute =>
    (s, req) =>
      req.seen === 1 ? first(s, req) : ok()(s, req);
  const redirect = (to: string) => status('302 Found', { location: to });
  const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const hops = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`/hop${i + 1}`, redirect(i === 9 ? '/ok.jpg' : `/hop${i + 2}`)]),
  );
  return {
    ...hops,
    '/ok.jpg': ok(),
    '/ra-huge-429': status('429 Too Many Requests', { 'retry-after': '99999999999999999999' }),
    '/ra-huge-503': status('503 Service Unavailable', { 'retry-after': '3600' }),
    '/ra-negative': thenOk(status('503 Service Unavailable', { 'retry-after': '-5' })),
    '/ra-garbage': thenOk(status('503 Service Unavailable', { 'retry-after': 'soon, maybe' })),
    '/ra-past': thenOk(status('503 Service Unavailable', { 'retry-after': PAST })),
    '/ra-zero': thenOk(status('429 Too Many Requests', { 'retry-after': '0' })),
    '/unavailable': status('503 Service Unavailable'),
    '/black-hole': () => undefined,
    '/stall-body': (s) =>
      s.write(
        head('200 OK', { 'content-type': 'image/jpeg', 'content-length': jpeg.length }) + 'x'.repeat(10),
      ),
    '/to-ftp': redirect('ftp://files.example/a.jpg'),
    '/to-file': redirect('file:///etc/passwd'),
    '/to-creds': redirect('http://admin:secret@cdn.example/a.jpg'),
    '/to-javascript': redirect('javascript:alert(1)'),
    '/no-location': status('302 Found'),
    '/cl-short': (s) =>
      s.end(
        Buffer.concat([
          Buffer.from(head('200 OK', { 'content-type': 'image/jpeg', 'content-length': jpeg.length - 200 })),
          jpeg,
        ]),
      ),
    '/cl-long': (s) =>
      s.end(
        Buffer.concat([
          Buffer.from(head('200 OK', { 'content-type': 'image/jpeg', 'content-length': jpeg.length + 500 })),
          jpeg,
        ]),
      ),
    '/gzip': ok('image/jpeg', { 'content-encoding': 'gzip' }, zlib.gzipSync(jpeg)),
    '/brotli': ok('image/jpeg', { 'content-encoding': 'br' }, zlib.brotliCompressSync(jpeg)),
    '/gzip-bomb': ok('image/jpeg', { 'content-encoding': 'gzip' }, bomb),
    '/compress': ok('image/jpeg', { 'content-encoding': 'compress' }),
    '/svg': ok('image/svg+xml', {}, Buffer.from(SVG)),
    '/svg-as-png': ok('image/png', {}, Buffer.from(`<?xml version="1.0"?>\n${SVG}`)),
    '/html-200': ok('text/html; charset=utf-8', {}, Buffer.from('<!doctype html><h1>Server error</h1>')),
    '/html-as-jpeg': ok('image/jpeg', {}, Buffer.from('<!doctype html><h1>Not found</h1>')),
    '/empty': ok('image/jpeg', {}, Buffer.alloc(0)),
    '/huge-header': ok('image/jpeg', { 'x-padding': 'a'.repeat(100_000) }),
    '/close-mid-body': (s) => {
      s.write(head('200 OK', { 'content-type': 'image/jpeg', 'content-length': jpeg.length }));
      s.write(jpeg.subarray(0, 300));
      s.destroy();
    },
    '/not-http': (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'),
    '/long-redirect': redirect(`/missing?${'q'.repeat(6000)}`),
  };
}
