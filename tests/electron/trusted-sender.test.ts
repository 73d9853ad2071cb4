import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL } from '../../src/main/security/app-origin';
import { isTrustedAppUrl, parseDevServerOrigin, rendererStartUrl } from '../../src/main/security/trusted-sender';

describe('isTrustedAppUrl', () => {
  it.each([
    'app://loyalty/index.html',
    'app://loyalty/',
    'app://loyalty',
    'app://loyalty/assets/index-abc123.js',
    'app://loyalty/index.html?x=1#/members',
  ])('trusts our own page %s', (url) => {
    expect(isTrustedAppUrl(url)).toBe(true);
  });

  it.each([
    ['another host', 'app://evil/index.html'],
    ['a lookalike host', 'app://loyalty.evil/index.html'],
    ['a host with our name as prefix', 'app://loyaltyx/index.html'],
    ['a host with our name as suffix', 'app://evil-loyalty/index.html'],
    ['userinfo before our host', 'app://evil@loyalty/index.html'],
    ['our name as userinfo', 'app://loyalty@evil/index.html'],
    ['user and password', 'app://loyalty:pw@loyalty/index.html'],
    ['a port', 'app://loyalty:8080/index.html'],
    ['file scheme', 'file:///opt/loyalty/out/renderer/index.html'],
    ['file scheme with our host', 'file://loyalty/index.html'],
    ['http with our host', 'http://loyalty/index.html'],
    ['https with our host', 'https://loyalty/index.html'],
    ['a remote site', 'https://example.com/'],
    ['data url', 'data:text/html,<script>alert(1)</script>'],
    ['blob url', 'blob:app://loyalty/6f3c1f5e-0000-4000-8000-000000000000'],
    ['javascript url', 'javascript:alert(1)'],
    ['about:blank', 'about:blank'],
    ['about:srcdoc', 'about:srcdoc'],
    ['devtools', 'devtools://devtools/bundled/inspector.html'],
    ['chrome scheme', 'chrome://settings'],
    ['a scheme with our name', 'loyalty://app/index.html'],
    ['an empty string', ''],
    ['garbage', 'not a url'],
    ['a relative path', '/index.html'],
    ['an uppercase host (not canonical)', 'app://LOYALTY/index.html'],
    ['a host with a trailing dot', 'app://loyalty./index.html'],
    ['an encoded host', 'app://loyalt%79/index.html'],
  ])('refuses %s', (_what, url) => {
    expect(isTrustedAppUrl(url)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(isTrustedAppUrl(null)).toBe(false);
    expect(isTrustedAppUrl(undefined)).toBe(false);
    expect(isTrustedAppUrl({ toString: () => 'app://loyalty/' })).toBe(false);
  });

  it('trusts the dev server only when its exact origin is given', () => {
    const devServerOrigin = 'http://localhost:5173';
    expect(isTrustedAppUrl('http://localhost:5173/', { devServerOrigin })).toBe(true);
    expect(isTrustedAppUrl('http://localhost:5173/src/main.tsx', { devServerOrigin })).toBe(true);
    expect(isTrustedAppUrl('http://localhost:5173/')).toBe(false);
    expect(isTrustedAppUrl('http://localhost:5174/', { devServerOrigin })).toBe(false);
    expect(isTrustedAppUrl('https://localhost:5173/', { devServerOrigin })).toBe(false);
    expect(isTrustedAppUrl('http://127.0.0.1:5173/', { devServerOrigin })).toBe(false);
    expect(isTrustedAppUrl('http://evil@localhost:5173/', { devServerOrigin })).toBe(false);
    expect(isTrustedAppUrl('http://localhost:5173.evil.com/', { devServerOrigin })).toBe(false);
    // The production origin stays trusted in development.
    expect(isTrustedAppUrl('app://loyalty/index.html', { devServerOrigin })).toBe(true);
  });
});

describe('parseDevServerOrigin', () => {
  it.each([
    ['http://localhost:5173', 'http://localhost:5173'],
    ['http://localhost:5173/', 'http://localhost:5173'],
    ['http://127.0.0.1:5173/index.html', 'http://127.0.0.1:5173'],
    ['http://[::1]:5173/', 'http://[::1]:5173'],
  ])('accepts the loopback dev server %s', (value, origin) => {
    expect(parseDevServerOrigin(value)).toBe(origin);
  });

  it.each([
    'https://example.com:5173/',
    'http://192.168.1.10:5173/',
    'http://localhost.evil.com:5173/',
    'http://user:pw@localhost:5173/',
    'file:///tmp/index.html',
    'app://loyalty/index.html',
    'javascript:alert(1)',
    '',
    'localhost:5173',
  ])('refuses %s', (value) => {
    expect(parseDevServerOrigin(value)).toBeNull();
  });

  it('refuses a missing value', () => {
    expect(parseDevServerOrigin(undefined)).toBeNull();
    expect(parseDevServerOrigin(null)).toBeNull();
  });
});

describe('rendererStartUrl', () => {
  it('loads app://loyalty/index.html in packaged builds, whatever the environment says', () => {
    expect(rendererStartUrl({ isPackaged: true, devServerUrl: 'http://localhost:5173/' })).toEqual({
      url: APP_ENTRY_URL,
      devServerOrigin: null,
    });
    expect(APP_ENTRY_URL).toBe('app://loyalty/index.html');
  });

  it('loads the dev server only when unpackaged and the URL is loopback', () => {
    expect(rendererStartUrl({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })).toEqual({
      url: 'http://localhost:5173/',
      devServerOrigin: 'http://localhost:5173',
    });
    expect(rendererStartUrl({ isPackaged: false, devServerUrl: 'https://evil.example/' })).toEqual({
      url: APP_ENTRY_URL,
      devServerOrigin: null,
    });
    expect(rendererStartUrl({ isPackaged: false, devServerUrl: undefined })).toEqual({
      url: APP_ENTRY_URL,
      devServerOrigin: null,
    });
  });
});
