/**
 * Where the production renderer lives: `app://loyalty/…`, a privileged custom scheme served from the
 * packaged renderer folder (never `file://`, never a remote origin). Pure data.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'loyalty';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for `protocol.registerSchemesAsPrivileged` (must run before the app is ready):
 * `standard` gives the scheme a real origin (so `'self'` in the CSP and same-origin checks work),
 * `secure` makes it a secure context like https, `supportFetchAPI` lets module scripts and `fetch`
 * load from it. Deliberately NOT granted: `bypassCSP`, `corsEnabled`, `allowServiceWorkers`, `stream`.
 */
export const APP_SCHEME_PRIVILEGES = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: true,
} as const);
