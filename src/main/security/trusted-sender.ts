import { APP_ENTRY_URL, APP_HOST, APP_SCHEME } from './app-origin';

export interface TrustOptions {
  /**
   * The electron-vite dev server origin (`http://localhost:5173`), already checked by
   * `parseDevServerOrigin`. Only ever set for unpackaged development runs.
   */
  devServerOrigin?: string | null;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

function parse(url: unknown): URL | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True only for our own renderer: `app://loyalty/<anything>` with no userinfo and no port, or (in
 * development) a URL whose origin is exactly the dev server's. Everything else is foreign: other
 * schemes (`file:`, `http:`, `data:`, `blob:`, `about:`, `javascript:`, `devtools:`), other hosts
 * (`app://loyalty.evil`, `app://evil`), userinfo tricks (`app://loyalty@evil`, `app://evil@loyalty`),
 * ports, and unparsable strings.
 */
export function isTrustedAppUrl(url: unknown, options: TrustOptions = {}): boolean {
  const parsed = parse(url);
  if (!parsed) return false;
  if (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  ) {
    return true;
  }
  const devOrigin = options.devServerOrigin;
  if (devOrigin && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    return parsed.username === '' && parsed.password === '' && parsed.origin === devOrigin;
  }
  return false;
}

/**
 * Accepts `ELECTRON_RENDERER_URL` only if it is a plain http(s) URL on a loopback host (no
 * userinfo), and returns its origin; anything else (a remote host, another scheme) yields null, so
 * a hostile environment variable cannot make a remote site the trusted renderer.
 */
export function parseDevServerOrigin(value: string | undefined | null): string | null {
  const parsed = parse(value);
  if (!parsed) return null;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) return null;
  return parsed.origin;
}

export interface StartUrlOptions {
  isPackaged: boolean;
  /** `process.env.ELECTRON_RENDERER_URL`, set by electron-vite's dev server. */
  devServerUrl?: string | undefined;
}

/** The page the window loads: the dev server only for unpackaged runs with a loopback dev URL. */
export function rendererStartUrl(options: StartUrlOptions): { url: string; devServerOrigin: string | null } {
  if (!options.isPackaged) {
    const devServerOrigin = parseDevServerOrigin(options.devServerUrl);
    if (devServerOrigin && options.devServerUrl) return { url: options.devServerUrl, devServerOrigin };
  }
  return { url: APP_ENTRY_URL, devServerOrigin: null };
}
