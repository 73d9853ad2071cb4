import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appResponseHeaders,
  MIME_TYPES,
  resolveAppRequest,
  resolveRendererPath,
} from '../../src/main/security/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../src/main/security/csp';

const root = resolve('/srv/loyalty/out/renderer');

function ok(url: string) {
  const result = resolveAppRequest(url, root);
  if (!result.ok) throw new Error(`expected ${url} to resolve, got ${result.reason}`);
  return result;
}

describe('app:// request resolver', () => {
  it.each([
    ['app://loyalty/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://loyalty/', 'index.html', 'text/html; charset=utf-8'],
    ['app://loyalty', 'index.html', 'text/html; charset=utf-8'],
    ['app://loyalty/assets/index-DZ0UHW5z.js', 'assets/index-DZ0UHW5z.js', 'text/javascript; charset=utf-8'],
    ['app://loyalty/assets/index-abc_1.css?v=2#x', 'assets/index-abc_1.css', 'text/css; charset=utf-8'],
    ['app://loyalty/assets/logo.SVG', 'assets/logo.SVG', 'image/svg+xml'],
    ['app://loyalty/assets/inter-latin.woff2', 'assets/inter-latin.woff2', 'font/woff2'],
    // Dot segments are resolved by URL parsing before we look: this one stays inside the root.
    ['app://loyalty/assets/../index.html', 'index.html', 'text/html; charset=utf-8'],
  ])('serves %s as %s', (url, relativePath, mimeType) => {
    const result = ok(url);
    expect(result.relativePath).toBe(relativePath);
    expect(result.filePath).toBe(join(root, ...relativePath.split('/')));
    expect(result.filePath.startsWith(root + sep)).toBe(true);
    expect(result.mimeType).toBe(mimeType);
  });

  // URL parsing resolves literal and %2e dot segments first and clamps them at the root, exactly as
  // Chromium does for a standard scheme; whatever is left must still land inside the root.
  it.each([
    'app://loyalty/../../../etc/passwd.txt',
    'app://loyalty/assets/../../secret.js',
    'app://loyalty/%2e%2e/%2e%2e/etc/passwd.txt',
    'app://loyalty/.%2e/.%2E/etc/hosts.txt',
    'app://loyalty/assets/%2E%2E/%2e%2e/%2e%2e/index.html',
  ])('keeps dot-segment traversal inside the root: %s', (url) => {
    const result = resolveAppRequest(url, root);
    if (result.ok) expect(result.filePath.startsWith(root + sep)).toBe(true);
    expect(new URL(url).pathname).not.toContain('..');
  });

  it.each([
    ['encoded slash with dots', 'app://loyalty/%2e%2e%2f%2e%2e%2fetc%2fpasswd.txt'],
    ['encoded slash traversal in a folder', 'app://loyalty/assets%2f..%2f..%2fsecret.js'],
    ['double encoding', 'app://loyalty/%252e%252e/%252e%252e/secret.js'],
    ['backslash', 'app://loyalty/..\\..\\secret.js'],
    ['encoded backslash', 'app://loyalty/..%5c..%5csecret.js'],
    ['absolute path in the path', 'app://loyalty//etc/passwd.txt'],
    ['encoded absolute path', 'app://loyalty/%2fetc%2fpasswd.txt'],
    ['windows drive letter', 'app://loyalty/C:/Windows/win.ini'],
    ['encoded drive letter', 'app://loyalty/C%3a%5cWindows%5cwin.ini'],
    ['NUL byte', 'app://loyalty/index.html%00.png'],
    ['hidden file', 'app://loyalty/.env.json'],
    ['hidden folder', 'app://loyalty/.git/config.txt'],
    ['bad percent encoding', 'app://loyalty/%E0%A4%A.js'],
    ['spaces', 'app://loyalty/my%20file.js'],
    ['non-ASCII', 'app://loyalty/%D1%84.js'],
  ])('refuses %s', (_what, url) => {
    const result = resolveAppRequest(url, root);
    expect(result.ok).toBe(false);
  });

  it.each([
    'app://loyalty/harness/bridge.js',
    'app://loyalty/HARNESS/bridge.js',
    'app://loyalty/Harness/bridge.js',
    'app://loyalty/harness%2fbridge.js',
    'app://loyalty/assets/../harness/bridge.js',
    'app://loyalty/%68arness/bridge.js',
  ])('never serves the test-only harness bridge: %s', (url) => {
    const result = resolveAppRequest(url, root);
    expect(result).toMatchObject({ ok: false, status: 404 });
  });

  it.each([
    ['another host', 'app://evil/index.html'],
    ['a lookalike host', 'app://loyalty.evil/index.html'],
    ['userinfo', 'app://evil@loyalty/index.html'],
    ['a port', 'app://loyalty:81/index.html'],
    ['another scheme', 'file:///srv/loyalty/out/renderer/index.html'],
    ['https', 'https://loyalty/index.html'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_what, url) => {
    expect(resolveAppRequest(url, root).ok).toBe(false);
  });

  it.each([
    'app://loyalty/members/123',
    'app://loyalty/assets/index.js.map',
    'app://loyalty/app.asar',
    'app://loyalty/preload.cjs',
    'app://loyalty/native.node',
    'app://loyalty/script.sh',
  ])('refuses files of unknown or unlisted type: %s', (url) => {
    expect(resolveAppRequest(url, root)).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses folder URLs other than the root', () => {
    expect(resolveAppRequest('app://loyalty/assets/', root).ok).toBe(false);
  });

  it('refuses over-long URLs', () => {
    expect(resolveAppRequest(`app://loyalty/${'a'.repeat(3000)}.js`, root).ok).toBe(false);
  });

  it('requires an absolute renderer root', () => {
    expect(() => resolveAppRequest('app://loyalty/index.html', 'out/renderer')).toThrow();
  });

  it('sends the CSP, nosniff, same-origin COOP/CORP, no referrer and no caching with every file', () => {
    const { headers } = ok('app://loyalty/index.html');
    expect(headers).toEqual({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    expect(ok('app://loyalty/assets/a.js').headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it('serves module scripts with a JavaScript MIME type (Chromium refuses modules otherwise)', () => {
    expect(MIME_TYPES.js).toMatch(/^text\/javascript/);
    expect(appResponseHeaders(MIME_TYPES.js as string)['Content-Type']).toBe('text/javascript; charset=utf-8');
  });
});

describe('resolveRendererPath (shared with the test harness)', () => {
  const root = resolve('/opt/loyalty/out/renderer');

  it('serves the test-only bridge to the harness alone', () => {
    expect(resolveRendererPath('/harness/bridge.js', root)).toMatchObject({ ok: false, status: 404 });
    expect(resolveRendererPath('/harness/bridge.js', root, { serveTestOnly: true })).toMatchObject({
      ok: true,
      relativePath: 'harness/bridge.js',
    });
  });

  it.each(['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fkey', '/.env', '/a\\b.js', '/index'])(
    'refuses %s for the harness too',
    (path) => {
      expect(resolveRendererPath(path, root, { serveTestOnly: true }).ok).toBe(false);
    },
  );

  it('maps / to index.html with the app headers', () => {
    const resolved = resolveRendererPath('/', root, { serveTestOnly: true });
    expect(resolved).toMatchObject({ ok: true, relativePath: 'index.html' });
    expect(resolved.ok && resolved.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });
});
