/**
 * A stand-in for the `electron` module, for running the BUILT main bundle in plain Node. It records
 * what the shell does (as JSON on stdout when the process exits), probes the app:// handler the
 * shell registers, and ends the run once the window has loaded (or the app exits).
 */
const events = [];
const record = (type, data = {}) => events.push({ type, ...data });
const listeners = new Map();
const emit = (name, ...args) => (listeners.get(name) ?? []).forEach((listener) => listener(...args));
const pending = [];
let userData = process.env.FAKE_ELECTRON_USER_DATA ?? '/nonexistent';

process.on('exit', (code) => {
  process.stdout.write(`\n@@EVENTS@@${JSON.stringify([...events, { type: 'exit', code }])}\n`);
});

async function finish(code) {
  await Promise.allSettled(pending);
  emit('will-quit', {});
  process.exit(code);
}

export const app = {
  isPackaged: false,
  enableSandbox: () => record('enableSandbox'),
  requestSingleInstanceLock: () => (record('requestSingleInstanceLock'), true),
  quit: () => {
    record('quit');
    void finish(0);
  },
  exit: (code) => {
    record('app.exit', { code });
    process.exit(code);
  },
  on: (name, listener) => {
    listeners.set(name, [...(listeners.get(name) ?? []), listener]);
    return app;
  },
  whenReady: () => (record('whenReady'), Promise.resolve()),
  getPath: (name) => (name === 'userData' ? userData : `/nonexistent/${name}`),
  setPath: (name, value) => {
    record('setPath', { name, value });
    if (name === 'userData') userData = value;
  },
  getVersion: () => '0.0.0-test',
};

export const protocol = {
  registerSchemesAsPrivileged: (schemes) => record('registerSchemesAsPrivileged', { schemes }),
  handle: (scheme, handler) => {
    record('protocol.handle', { scheme });
    for (const url of [
      'app://loyalty/index.html',
      'app://loyalty/harness/bridge.js',
      'app://loyalty/../package.json',
    ]) {
      pending.push(
        handler(new Request(url)).then(async (response) =>
          record('protocol.response', {
            url,
            status: response.status,
            contentType: response.headers.get('content-type'),
            csp: response.headers.get('content-security-policy'),
            bytes: (await response.arrayBuffer()).byteLength,
          }),
        ),
      );
    }
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: () => record('setPermissionRequestHandler'),
    setPermissionCheckHandler: () => record('setPermissionCheckHandler'),
    setDevicePermissionHandler: () => record('setDevicePermissionHandler'),
    on: (name) => record('session.on', { name }),
    webRequest: { onBeforeRequest: () => record('onBeforeRequest') },
  },
};

export const ipcMain = {
  handle: (channel) => record('ipcMain.handle', { channel }),
  removeHandler: (channel) => record('ipcMain.removeHandler', { channel }),
};

export const dialog = {
  showErrorBox: (title, message) => record('showErrorBox', { title, message }),
};

export const shell = { openExternal: () => Promise.resolve() };

export const powerMonitor = { on: (event) => record('powerMonitor.on', { event }) };

export class BrowserWindow {
  constructor(options) {
    record('BrowserWindow', { options });
  }
  once() {
    return this;
  }
  on() {
    return this;
  }
  isDestroyed() {
    return false;
  }
  loadURL(url) {
    record('loadURL', { url });
    setTimeout(() => emit('window-all-closed'), 50);
    return Promise.resolve();
  }
}
