import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppProtocolHandler } from '../../src/main/electron/app-protocol-handler';
import { CONTENT_SECURITY_POLICY } from '../../src/main/security/csp';

let base: string;
let root: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'loyalty-app-protocol-'));
  root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await mkdir(join(root, 'harness'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Loyalty Desk</title>');
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(root, 'harness', 'bridge.js'), 'window.loyalty = "harness"');
  await writeFile(join(base, 'secret.js'), 'outside the renderer root');
  handler = createAppProtocolHandler({ rendererRoot: root, readFile: (path) => readFile(path) });
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

describe('app:// protocol handler', () => {
  it('serves index.html with the CSP and security headers', async () => {
    const response = await get('app://loyalty/index.html');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Loyalty Desk</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  });

  it('serves a bundled module script as JavaScript', async () => {
    const response = await get('app://loyalty/assets/index-abc.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('answers HEAD without a body', async () => {
    const response = await get('app://loyalty/index.html', 'HEAD');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('never serves the test-only harness bridge, though it exists on disk', async () => {
    for (const url of ['app://loyalty/harness/bridge.js', 'app://loyalty/HARNESS/bridge.js']) {
      const response = await get(url);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('harness');
    }
  });

  it('never serves a file outside the renderer root', async () => {
    for (const url of [
      'app://loyalty/../secret.js',
      'app://loyalty/%2e%2e/secret.js',
      'app://loyalty/%2e%2e%2fsecret.js',
      'app://loyalty/..%5csecret.js',
      'app://loyalty/%252e%252e/secret.js',
    ]) {
      const response = await get(url);
      expect(response.status, url).not.toBe(200);
      expect(await response.text()).not.toContain('outside the renderer root');
    }
  });

  it('answers 404 for a missing file without echoing the path', async () => {
    const response = await get('app://loyalty/assets/missing.js');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('');
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await handler(new Request('app://loyalty/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('refuses other hosts', async () => {
    expect((await get('app://evil/index.html')).status).toBe(404);
  });

  it('answers 500 when the file cannot be read for another reason', async () => {
    const failing = createAppProtocolHandler({
      rendererRoot: root,
      readFile: vi.fn(() => Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' }))),
    });
    expect((await failing(new Request('app://loyalty/index.html'))).status).toBe(500);
  });
});
