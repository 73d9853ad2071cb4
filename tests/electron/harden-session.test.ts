import type { Session } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { hardenSession } from '../../src/main/electron/harden-session';
import { isTrustedAppUrl } from '../../src/main/security/trusted-sender';
import { fakeEvent, FakeSession } from './support/fakes';

function hardened(isTrustedUrl: (url: string) => boolean = (url) => isTrustedAppUrl(url)) {
  const session = new FakeSession();
  hardenSession(session as unknown as Session, { isTrustedUrl });
  return session;
}

describe('hardenSession', () => {
  it('denies every permission request', () => {
    const session = hardened();
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid']) {
      const callback = vi.fn();
      session.permissionRequestHandler?.({}, permission, callback, {});
      expect(callback).toHaveBeenCalledExactlyOnceWith(false);
    }
  });

  it('answers every permission check with false', () => {
    const session = hardened();
    for (const permission of ['media', 'clipboard-sanitized-write', 'fullscreen', 'serial', 'usb']) {
      expect(session.permissionCheckHandler?.(null, permission, 'app://loyalty', {})).toBe(false);
    }
  });

  it('denies device access (HID, USB, serial)', () => {
    const session = hardened();
    expect(session.devicePermissionHandler?.({ deviceType: 'usb', origin: 'app://loyalty' })).toBe(false);
  });

  it('cancels every download but a file our own page made (a member’s export), which the user saves', () => {
    const session = hardened();
    const item = (url: string) => ({ getURL: () => url });
    for (const url of [
      'https://evil.example/payload.exe',
      'blob:https://evil.example/0190a8e2-7c4b-7d2a-9f00-123456789abc',
      'data:application/octet-stream;base64,AAAA',
      'blob:null/0190a8e2-7c4b-7d2a-9f00-123456789abc',
    ]) {
      const event = fakeEvent();
      session.emit('will-download', event, item(url), {});
      expect(event.preventDefault, url).toHaveBeenCalled();
    }
    const own = fakeEvent();
    session.emit('will-download', own, item('blob:app://loyalty/0190a8e2-7c4b-7d2a-9f00-123456789abc'), {});
    expect(own.preventDefault).not.toHaveBeenCalled();
  });

  it('blocks pages from reaching the network', () => {
    const session = hardened();
    for (const url of [
      'https://evil.example/steal?card=1',
      'http://192.168.1.2/',
      'wss://evil.example/socket',
      'file:///etc/passwd',
    ]) {
      expect(session.request({ url, webContentsId: 1 })).toEqual({ cancel: true });
    }
  });

  it('lets our own pages, data: images and main-process requests through', () => {
    const session = hardened();
    expect(session.request({ url: 'app://loyalty/assets/index.js', webContentsId: 1 })).toEqual({});
    expect(session.request({ url: 'data:image/png;base64,AAAA', webContentsId: 1 })).toEqual({});
    expect(session.request({ url: 'devtools://devtools/bundled/inspector.html', webContentsId: 2 })).toEqual({});
    expect(session.request({ url: 'https://hq.example/sync' })).toEqual({});
  });

  it('lets the dev server through only when it is trusted', () => {
    const dev = hardened((url) => isTrustedAppUrl(url, { devServerOrigin: 'http://localhost:5173' }));
    expect(dev.request({ url: 'http://localhost:5173/src/main.tsx', webContentsId: 1 })).toEqual({});
    expect(dev.request({ url: 'http://localhost:5174/', webContentsId: 1 })).toEqual({ cancel: true });
    expect(hardened().request({ url: 'http://localhost:5173/', webContentsId: 1 })).toEqual({ cancel: true });
  });
});
