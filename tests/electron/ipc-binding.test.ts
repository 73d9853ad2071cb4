import type { IpcMain } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { createSessionStore } from '../../src/main/auth/session';
import { bindIpc, callContextOf } from '../../src/main/electron/ipc-binding';
import { createRouter, type Handlers, type Router } from '../../src/main/ipc/router';
import { isTrustedAppUrl } from '../../src/main/security/trusted-sender';
import { CHANNELS } from '../../src/shared/ipc/channels';
import { childFrame, FakeIpcMain, memoryLogger, topFrame, type FakeFrame } from './support/fakes';

/** The real router, with every service replaced by a spy. */
function realRouter() {
  const services = Object.fromEntries(
    CHANNELS.map((channel) => [channel, vi.fn(() => (channel === 'session.current' ? { session: null } : {}))]),
  );
  const router = createRouter({
    handlers: services as unknown as Handlers,
    sessions: createSessionStore(),
    isTrustedSenderUrl: (url) => isTrustedAppUrl(url),
    logger: memoryLogger(),
  });
  return { router, services };
}

function bound(router: Router) {
  const ipcMain = new FakeIpcMain();
  const unbind = bindIpc(ipcMain as unknown as IpcMain, router);
  return { ipcMain, unbind };
}

const ev = (senderFrame: FakeFrame | null, extra: Record<string, unknown> = {}) => ({
  senderFrame,
  sender: { id: 1 },
  processId: 1,
  frameId: 1,
  ...extra,
});

describe('bindIpc', () => {
  it('registers exactly one handler per contract channel, and unbinds them all', () => {
    const { ipcMain, unbind } = bound(realRouter().router);
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    unbind();
    expect(ipcMain.handlers.size).toBe(0);
    expect([...ipcMain.removed].sort()).toEqual([...CHANNELS].sort());
  });

  it('serves our own top-level page', async () => {
    const { router, services } = realRouter();
    const { ipcMain } = bound(router);
    const result = await ipcMain.invoke('session.current', ev(topFrame('app://loyalty/index.html')), {});
    expect(result).toEqual({ ok: true, value: { session: null } });
    expect(services['session.current']).toHaveBeenCalledOnce();
  });

  it.each([
    ['a destroyed or navigated-away frame (senderFrame null)', ev(null)],
    ['an iframe of our own origin', ev(childFrame('app://loyalty/index.html'))],
    ['a foreign iframe inside our page', ev(childFrame('https://evil.example/'))],
    ['a foreign top-level origin', ev(topFrame('https://evil.example/'))],
    ['a lookalike origin', ev(topFrame('app://loyalty.evil/index.html'))],
    ['a file:// page', ev(topFrame('file:///opt/loyalty/out/renderer/index.html'))],
    ['a data: page', ev(topFrame('data:text/html,<script></script>'))],
    ['about:blank', ev(topFrame('about:blank'))],
    [
      'a frame that reports being destroyed',
      ev({ url: 'app://loyalty/index.html', parent: null, isDestroyed: () => true }),
    ],
    [
      'a frame that throws when read (disposed)',
      ev(
        Object.defineProperty({ parent: null }, 'url', {
          get() {
            throw new Error('Render frame was disposed before WebFrameMain could be accessed');
          },
        }) as FakeFrame,
      ),
    ],
    ['an event without senderFrame at all', { sender: { id: 1 } }],
  ])('refuses %s with forbidden_sender before any service runs', async (_what, event) => {
    const { router, services } = realRouter();
    const { ipcMain } = bound(router);
    for (const channel of CHANNELS) {
      const result = await ipcMain.invoke(channel, event, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    }
    for (const service of Object.values(services)) expect(service).not.toHaveBeenCalled();
  });

  it('passes only the channel, the payload and a plain call context: never the event', async () => {
    const handle = vi.fn(async () => ({ ok: true as const, value: null }));
    const { ipcMain } = bound({ handle });
    const event = ev(topFrame('app://loyalty/index.html'), { sender: { send: vi.fn(), secret: 'x' } });
    const payload = { query: 'abc' };
    await ipcMain.invoke('members.find', event, payload, 'extra argument');
    expect(handle).toHaveBeenCalledExactlyOnceWith('members.find', payload, {
      senderUrl: 'app://loyalty/index.html',
      isTopFrame: true,
    });
    const [, , context] = handle.mock.calls[0] as unknown as [string, unknown, object];
    expect(Object.keys(context).sort()).toEqual(['isTopFrame', 'senderUrl']);
  });
});

describe('callContextOf', () => {
  it('describes a top-level frame', () => {
    expect(callContextOf(ev(topFrame('app://loyalty/index.html')) as never)).toEqual({
      senderUrl: 'app://loyalty/index.html',
      isTopFrame: true,
    });
  });

  it('marks iframes as not top-level', () => {
    expect(callContextOf(ev(childFrame('app://loyalty/index.html')) as never).isTopFrame).toBe(false);
  });

  it('treats an empty frame URL as no sender', () => {
    expect(callContextOf(ev(topFrame('')) as never)).toEqual({ senderUrl: null, isTopFrame: true });
  });
});
