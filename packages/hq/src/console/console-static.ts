import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { HqServer } from '../server';

/**
 * The console's own Content-Security-Policy: scripts, styles, images and calls from HQ itself only;
 * no inline script or style, no plugins, no framing (clickjacking), forms post nowhere else.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

interface StaticFile {
  type: string;
  body: Buffer;
}

function listFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = TYPES[extname(name)];
        if (type) files.set(relative(dir, path).split(sep).join('/'), { type, body: readFileSync(path) });
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * Serves the built console (packages/hq/dist/console) under /console/: only the files the build
 * made, read once at start, so no request path reaches the file system (no traversal to guard).
 * `/` and `/console` go to `/console/` (a fixed redirect: nothing from the request goes into it).
 * Without a build, /console/ says how to make one.
 */
export function registerConsoleStatic(app: HqServer, staticDir: string | undefined): void {
  const files = staticDir !== undefined && existsSync(join(staticDir, 'index.html')) ? listFiles(staticDir) : null;
  app.get('/', (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console/*', (request, reply) => {
    const wildcard = (request.params as { '*': string })['*'];
    const name = wildcard === '' ? 'index.html' : wildcard;
    if (files === null) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The HQ console is not built: run `npm run build:hq`, then restart HQ.');
    }
    const file = files.get(name);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('Not found.');
    // index.html is never cached (it names the current build's files); hashed assets may be.
    reply.header('cache-control', name === 'index.html' ? 'no-store' : 'public, max-age=31536000, immutable');
    return reply.code(200).type(file.type).send(file.body);
  });
}

/** Headers on every HQ answer: the console's CSP, no framing, no sniffing, no referrer, HTTPS only. */
export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONSOLE_CSP,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}
