import type { Session } from 'electron';

export type HardenableSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on' | 'webRequest'
>;

export interface HardenSessionOptions {
  /** Our own renderer URLs (app://loyalty, or the dev server in development). */
  isTrustedUrl: (url: string) => boolean;
}

/** Network schemes a page could use to send data out or pull code in. */
const NETWORK_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

function scheme(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

/** A blob: URL made by one of our own pages (blob:app://loyalty/<uuid>). */
export function isOwnBlob(url: string, isTrustedUrl: (url: string) => boolean): boolean {
  return url.startsWith('blob:') && isTrustedUrl(url.slice('blob:'.length));
}

/**
 * Locks down a session (DESIGN §4): every permission request and check is refused (camera,
 * microphone, notifications, geolocation, clipboard read, HID/USB/serial devices, …), downloads are
 * cancelled but for the files our own page makes, and pages may not reach the network (the CSP already forbids it; this holds even if the
 * CSP were weakened). Requests the main process makes itself carry no web contents and are not
 * touched: HQ sync does its own certificate pinning.
 */
export function hardenSession(session: HardenableSession, options: HardenSessionOptions): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // Only a file our own page made (a member's data export, built in the page as a Blob) may be
  // saved, and Electron then asks the user where; anything else a page tries to download is refused.
  session.on('will-download', (event, item) => {
    if (!isOwnBlob(item.getURL(), options.isTrustedUrl)) event.preventDefault();
  });
  session.webRequest.onBeforeRequest((details, callback) => {
    const fromPage = details.webContentsId !== undefined;
    const blocked = fromPage && NETWORK_SCHEMES.has(scheme(details.url)) && !options.isTrustedUrl(details.url);
    callback(blocked ? { cancel: true } : {});
  });
}
