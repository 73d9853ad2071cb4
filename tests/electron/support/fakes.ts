import { vi } from 'vitest';
import { createMemoryLogger } from '../../../src/main/logging/logger';

/**
 * Thin hand-written stand-ins for the few Electron objects the shell touches. They record what the
 * shell registered and let a test fire events at it. They are cast to Electron's types at the call
 * site; only the members the shell uses exist.
 */

type Listener = (...args: unknown[]) => unknown;

export class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  readonly onceListeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.onceListeners.set(event, [...(this.onceListeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, ...args: unknown[]): unknown[] {
    const once = this.onceListeners.get(event) ?? [];
    this.onceListeners.delete(event);
    return [...(this.listeners.get(event) ?? []), ...once].map((listener) => listener(...args));
  }

  has(event: string): boolean {
    return (this.listeners.get(event)?.length ?? 0) + (this.onceListeners.get(event)?.length ?? 0) > 0;
  }
}

/** An Electron-style event whose preventDefault can be observed. */
export function fakeEvent(extra: Record<string, unknown> = {}) {
  return { preventDefault: vi.fn(), defaultPrevented: false, ...extra };
}

export class FakeWebContents extends FakeEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  /** Fires a navigation event the way Electron 45 does: details event (with url) plus the url argument. */
  navigate(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', url: string) {
    const e = fakeEvent({ url });
    this.emit(event, e, url, false, true, 1, 1);
    return e;
  }
}

export class FakeSession extends FakeEmitter {
  permissionRequestHandler: Listener | null = null;
  permissionCheckHandler: Listener | null = null;
  devicePermissionHandler: Listener | null = null;
  beforeRequest: ((details: Record<string, unknown>, callback: (response: unknown) => void) => void) | null = null;

  readonly webRequest = {
    onBeforeRequest: (listener: (details: Record<string, unknown>, callback: (response: unknown) => void) => void) => {
      this.beforeRequest = listener;
    },
  };

  setPermissionRequestHandler(handler: Listener): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: Listener): void {
    this.permissionCheckHandler = handler;
  }

  setDevicePermissionHandler(handler: Listener): void {
    this.devicePermissionHandler = handler;
  }

  /** What onBeforeRequest decides for a request. */
  request(details: Record<string, unknown>): unknown {
    let response: unknown = 'no answer';
    this.beforeRequest?.(details, (r) => {
      response = r;
    });
    return response;
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  readonly removed: string[] = [];

  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
    this.removed.push(channel);
  }

  /** Calls a registered handler the way ipcRenderer.invoke would reach it. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  isDestroyed?: () => boolean;
}

export function topFrame(url: string): FakeFrame {
  return { url, parent: null, isDestroyed: () => false };
}

export function childFrame(url: string, parentUrl = 'app://loyalty/index.html'): FakeFrame {
  return { url, parent: topFrame(parentUrl), isDestroyed: () => false };
}

/** Records every BrowserWindow it is asked to build. */
export function fakeBrowserWindowClass() {
  const instances: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends FakeEmitter {
    readonly options: Record<string, unknown>;
    readonly loadedUrls: string[] = [];
    shown = false;
    focused = false;
    destroyed = false;
    minimized = false;

    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      instances.push(this);
    }

    loadURL(url: string): Promise<void> {
      this.loadedUrls.push(url);
      return Promise.resolve();
    }

    show(): void {
      this.shown = true;
    }

    focus(): void {
      this.focused = true;
    }

    restore(): void {
      this.minimized = false;
    }

    isMinimized(): boolean {
      return this.minimized;
    }

    isDestroyed(): boolean {
      return this.destroyed;
    }
  }
  return { FakeBrowserWindow, instances };
}

export function memoryLogger() {
  return createMemoryLogger();
}
