import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ApiResponse } from './api-types.ts';
import { apiError, SECURITY_HEADERS, shown } from './responses.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_STATIC_BYTES = 5 * 1024 * 1024;

/** Serves the files of one folder: `/` is index.html, no dotfiles, nothing outside the folder, known types only. */
export function createStaticFiles(webDir: string): (urlPath: string) => Promise<ApiResponse> {
  return async (urlPath) => {
    const relative = toRelative(urlPath);
    if (typeof relative !== 'string') return relative;
    const type = CONTENT_TYPES[path.extname(relative).toLowerCase()];
    if (!type) return notFound(urlPath);
    let file: string;
    let root: string;
    try {
      root = await realpath(webDir);
      file = await realpath(path.join(root, relative));
      const info = await stat(file);
      if (!info.isFile() || info.size > MAX_STATIC_BYTES) return notFound(urlPath);
    } catch {
      return notFound(urlPath);
    }
    if (!file.startsWith(root + path.sep)) return notFound(urlPath);
    return {
      status: 200,
      headers: { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache' },
      body: new Uint8Array(await readFile(file)),
    };
  };
}

/** The decoded path relative to the web folder, or a 400/404 response when it cannot name a file there. */
function toRelative(urlPath: string): string | ApiResponse {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return apiError(400, 'invalid_path', `path "${shown(urlPath)}" has invalid percent-encoding`);
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) {
    return apiError(400, 'invalid_path', `path "${shown(urlPath)}" is not a valid file path`);
  }
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '..' || s === '.')) {
    return apiError(400, 'invalid_path', `path "${shown(urlPath)}" may not contain "." or ".." segments`);
  }
  if (segments.some((s, i) => s.startsWith('.') || (s === '' && i < segments.length - 1))) {
    return notFound(urlPath);
  }
  const last = segments[segments.length - 1];
  return last === '' ? path.join(...segments.slice(0, -1), 'index.html') : path.join(...segments);
}

function notFound(urlPath: string): ApiResponse {
  return apiError(404, 'not_found', `nothing at ${shown(urlPath)}`);
}
