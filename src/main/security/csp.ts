/**
 * The renderer's Content Security Policy: the single source of truth. The app:// protocol handler
 * and the test harness send it as a response header; `src/renderer/index.html` repeats it in a
 * `<meta>` tag (a test keeps the two identical). Pure data: no Electron, no Node.
 *
 * - `script-src 'self'`: only our own bundled files; no inline script, no eval, no remote code.
 * - `connect-src 'self'`: the renderer never talks to the network; HQ sync runs in the main process.
 * - `frame-ancestors 'none'`, no `frame-src` (falls back to `default-src 'none'`): no framing either way.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
});

export const CONTENT_SECURITY_POLICY: string = Object.entries(CSP_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
  .join('; ');
