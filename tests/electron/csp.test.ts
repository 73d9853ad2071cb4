import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, CSP_DIRECTIVES } from '../../src/main/security/csp';

const indexHtml = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

describe('content security policy', () => {
  it('is exactly the policy of the renderer index.html meta tag (one source of truth)', () => {
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(indexHtml);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });

  it('allows scripts only from our own origin: no inline, no eval, no remote code', () => {
    const policy = directives(CONTENT_SECURITY_POLICY);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe-eval|strict-dynamic|\*|https?:/);
  });

  it('denies by default and forbids base, forms and framing', () => {
    const policy = directives(CONTENT_SECURITY_POLICY);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('base-uri')).toEqual(["'none'"]);
    expect(policy.get('form-action')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.has('frame-src')).toBe(false);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
  });

  it('is frozen data', () => {
    expect(Object.isFrozen(CSP_DIRECTIVES)).toBe(true);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/[\r\n]/);
  });
});
