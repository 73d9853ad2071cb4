import { describe, expect, it } from 'vitest';
import { createExternalLinkPolicy, EXTERNAL_LINK_HOSTS } from '../../src/main/security/external-links';

describe('external link allowlist', () => {
  it('allows nothing by default', () => {
    expect(EXTERNAL_LINK_HOSTS).toEqual([]);
    const policy = createExternalLinkPolicy();
    expect(policy.check('https://example.com/privacy')).toBeNull();
  });

  const policy = createExternalLinkPolicy(['privacy.example.com']);

  it('allows https links to a listed host and returns the normalized URL', () => {
    expect(policy.check('https://privacy.example.com/notice/v3?lang=ru#top')).toBe(
      'https://privacy.example.com/notice/v3?lang=ru#top',
    );
    expect(policy.check('https://PRIVACY.example.com/x')).toBe('https://privacy.example.com/x');
    expect(policy.check('https://privacy.example.com:443/x')).toBe('https://privacy.example.com/x');
  });

  it.each([
    ['http', 'http://privacy.example.com/notice'],
    ['a subdomain', 'https://evil.privacy.example.com/'],
    ['a parent domain', 'https://example.com/'],
    ['a suffix trick', 'https://privacy.example.com.evil.net/'],
    ['a prefix trick', 'https://evilprivacy.example.com/'],
    ['userinfo', 'https://user@privacy.example.com/'],
    ['userinfo hiding another host', 'https://privacy.example.com@evil.net/'],
    ['a non-default port', 'https://privacy.example.com:8443/'],
    ['file', 'file:///etc/passwd'],
    ['smb share', 'smb://privacy.example.com/share'],
    ['mailto', 'mailto:dpo@privacy.example.com'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/html,hi'],
    ['a custom protocol handler', 'ms-msdt:/id PCWDiagnostic'],
    ['our own app scheme', 'app://loyalty/index.html'],
    ['a relative URL', '/privacy'],
    ['an empty string', ''],
    ['an over-long URL', `https://privacy.example.com/${'a'.repeat(3000)}`],
  ])('refuses %s', (_what, url) => {
    expect(policy.check(url)).toBeNull();
  });

  it('refuses non-strings', () => {
    expect(policy.check(undefined)).toBeNull();
    expect(policy.check(42)).toBeNull();
    expect(policy.check(new URL('https://privacy.example.com/'))).toBeNull();
  });
});
