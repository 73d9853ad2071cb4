import { join, relative, isAbsolute, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './app-origin';
import { CONTENT_SECURITY_POLICY } from './csp';

/**
 * Maps `app://loyalty/<path>` requests to files under the built renderer folder. Pure: it decides,
 * the Electron shell reads the file. It refuses anything that is not plainly a file of ours:
 * other hosts, userinfo, ports, traversal (`..`, `%2e%2e`, `%252e`), backslashes, NUL, drive
 * letters, hidden files, unknown file types, and the test-only `harness/` folder.
 */

/** Test-only folders in the renderer output that the app must never serve (compared case-insensitively). */
export const NEVER_SERVED_DIRS: readonly string[] = Object.freeze(['harness']);

export const MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  txt: 'text/plain; charset=utf-8',
});

/** Headers on every app:// response. */
export function appResponseHeaders(mimeType: string): Record<string, string> {
  return {
    'Content-Type': mimeType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    // Local files: nothing to gain from caching, and a stale index.html after an update would be worse.
    'Cache-Control': 'no-store',
  };
}

export type AppRequestResolution =
  | { ok: true; filePath: string; relativePath: string; mimeType: string; headers: Record<string, string> }
  | { ok: false; status: 400 | 404; reason: string };

const SAFE_PATH = /^[A-Za-z0-9._\-/]+$/;
const MAX_URL_LENGTH = 2048;

function refuse(status: 400 | 404, reason: string): AppRequestResolution {
  return { ok: false, status, reason };
}

export function resolveAppRequest(rawUrl: string, rendererRoot: string): AppRequestResolution {
  if (!isAbsolute(rendererRoot)) throw new Error('rendererRoot must be an absolute path');
  if (typeof rawUrl !== 'string' || rawUrl.length > MAX_URL_LENGTH) return refuse(400, 'bad_url');
  // A backslash is a path separator on Windows; Chromium also rewrites it to '/' in standard URLs.
  if (rawUrl.includes('\\')) return refuse(400, 'backslash');

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refuse(400, 'bad_url');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.host !== APP_HOST) {
    return refuse(404, 'foreign_origin');
  }
  if (url.username !== '' || url.password !== '' || url.port !== '') return refuse(404, 'foreign_origin');

  return resolveRendererPath(url.pathname, rendererRoot);
}

/**
 * The path part of the decision, shared with the test harness (which serves the same files over
 * loopback HTTP, and alone may serve the test-only folders).
 */
export function resolveRendererPath(
  pathname: string,
  rendererRoot: string,
  options: { serveTestOnly?: boolean } = {},
): AppRequestResolution {
  if (!isAbsolute(rendererRoot)) throw new Error('rendererRoot must be an absolute path');
  if (pathname.length > MAX_URL_LENGTH || pathname.includes('\\')) return refuse(400, 'bad_url');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return refuse(400, 'bad_encoding');
  }
  // After one decoding only plain file-name characters may remain: this rules out a second
  // encoding layer (%252e), backslashes, NUL, ':' (drive letters, streams) and spaces in one go.
  if (decoded === '' || decoded === '/') decoded = '/index.html';
  if (!decoded.startsWith('/') || !SAFE_PATH.test(decoded)) return refuse(400, 'unsafe_characters');

  const segments = decoded.slice(1).split('/');
  for (const segment of segments) {
    // Empty segments ('//'), '.', '..' and hidden files ('.env', '.git').
    if (segment === '' || segment.startsWith('.')) return refuse(400, 'unsafe_segment');
  }
  const first = segments[0]?.toLowerCase() ?? '';
  if (!options.serveTestOnly && NEVER_SERVED_DIRS.includes(first)) return refuse(404, 'test_only');

  const last = segments[segments.length - 1] ?? '';
  const dot = last.lastIndexOf('.');
  const extension = dot > 0 ? last.slice(dot + 1).toLowerCase() : '';
  const mimeType = Object.hasOwn(MIME_TYPES, extension) ? MIME_TYPES[extension] : undefined;
  if (!mimeType) return refuse(404, 'unknown_type');

  const filePath = join(rendererRoot, ...segments);
  const rel = relative(rendererRoot, filePath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return refuse(400, 'outside_root');

  return {
    ok: true,
    filePath,
    relativePath: rel.split(sep).join('/'),
    mimeType,
    headers: appResponseHeaders(mimeType),
  };
}
