import type { WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { guardWebContents } from '../../src/main/electron/guard-web-contents';
import { createExternalLinkPolicy } from '../../src/main/security/external-links';
import { isTrustedAppUrl } from '../../src/main/security/trusted-sender';
import { fakeEvent, FakeWebContents, memoryLogger } from './support/fakes';

function guarded(allowedHosts: string[] = []) {
  const contents = new FakeWebContents();
  const shell = { openExternal: vi.fn(() => Promise.resolve()) };
  const logger = memoryLogger();
  guardWebContents(contents as unknown as WebContents, {
    isTrustedUrl: (url) => isTrustedAppUrl(url),
    externalLinks: createExternalLinkPolicy(allowedHosts),
    shell,
    logger,
  });
  return { contents, shell, logger };
}

const NAVIGATION_EVENTS = ['will-navigate', 'will-frame-navigate', 'will-redirect'] as const;

describe('guardWebContents', () => {
  it('registers every guard', () => {
    const { contents } = guarded();
    for (const event of [...NAVIGATION_EVENTS, 'will-attach-webview']) expect(contents.has(event)).toBe(true);
    expect(contents.windowOpenHandler).not.toBeNull();
  });

  describe.each(NAVIGATION_EVENTS)('%s', (eventName) => {
    it.each([
      'https://evil.example/',
      'http://localhost:5173/',
      'file:///etc/passwd',
      'app://loyalty.evil/index.html',
      'app://evil@loyalty/index.html',
      'javascript:alert(1)',
      'data:text/html,<h1>phish</h1>',
      'about:blank',
    ])('prevents navigating to %s', (url) => {
      const { contents, shell } = guarded();
      const event = contents.navigate(eventName, url);
      expect(event.preventDefault).toHaveBeenCalled();
      expect(shell.openExternal).not.toHaveBeenCalled();
    });

    it('allows staying on our own origin', () => {
      const { contents } = guarded();
      const event = contents.navigate(eventName, 'app://loyalty/index.html');
      expect(event.preventDefault).not.toHaveBeenCalled();
    });

    it('uses the URL of the event details when present (Electron 45 event shape)', () => {
      const { contents } = guarded();
      const event = fakeEvent({ url: 'https://evil.example/' });
      contents.emit(eventName, event, 'app://loyalty/index.html');
      expect(event.preventDefault).toHaveBeenCalled();
    });
  });

  it('sends an allowlisted https link to the system browser instead of navigating', () => {
    const { contents, shell } = guarded(['privacy.example.com']);
    const event = contents.navigate('will-navigate', 'https://privacy.example.com/notice');
    expect(event.preventDefault).toHaveBeenCalled();
    expect(shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://privacy.example.com/notice');
  });

  it('denies every new window and opens only allowlisted links externally', () => {
    const { contents, shell } = guarded(['privacy.example.com']);
    const open = (url: string) => contents.windowOpenHandler?.({ url });
    expect(open('app://loyalty/index.html')).toEqual({ action: 'deny' });
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(open('file:///C:/Windows/System32/calc.exe')).toEqual({ action: 'deny' });
    expect(open('ms-msdt:/id PCWDiagnostic')).toEqual({ action: 'deny' });
    expect(shell.openExternal).not.toHaveBeenCalled();
    expect(open('https://privacy.example.com/notice')).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://privacy.example.com/notice');
  });

  it('prevents attaching a webview', () => {
    const { contents } = guarded();
    const event = fakeEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('logs refusals by scheme only, never the URL', () => {
    const { contents, logger } = guarded();
    contents.navigate('will-navigate', 'https://evil.example/?phone=5551234567');
    contents.windowOpenHandler?.({ url: 'https://evil.example/?email=jane@example.com' });
    const text = logger.lines.join('\n');
    expect(text).toContain('navigation.refused');
    expect(text).not.toMatch(/evil|5551234567|jane/);
  });

  it('survives a failing openExternal', async () => {
    const { contents, shell, logger } = guarded(['privacy.example.com']);
    shell.openExternal.mockImplementationOnce(() => Promise.reject(new Error('no browser')));
    contents.windowOpenHandler?.({ url: 'https://privacy.example.com/' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(logger.lines.join('\n')).toContain('navigation.open_external_failed');
  });
});
