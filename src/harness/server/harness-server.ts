import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Router } from '../../main/ipc/router';
import { appResponseHeaders, resolveRendererPath } from '../../main/security/app-protocol';

const MAX_BODY_BYTES = 256 * 1024;

export interface HarnessOptions {
  rendererRoot: string;
  router: Router;
  token: string;
  host?: string;
  port?: number;
}

export interface Harness {
  server: Server;
  origin: string;
  url: string;
  close(): Promise<void>;
}

/** The same headers (CSP included) the app:// protocol sends, so the page runs under the same rules. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, appResponseHeaders('application/json; charset=utf-8'));
  res.end(JSON.stringify(body));
}

/** The channel named in the path, or null when its percent-encoding is malformed (no channel has that name). */
function channelOf(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname.slice('/__harness/ipc/'.length));
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Test harness: serves the real renderer build to a plain browser and binds the real router to
 * 127.0.0.1. Every IPC call must carry the per-run token and come from the harness origin, which
 * is the loopback equivalent of the Electron binding's sender-frame check.
 */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const host = options.host ?? '127.0.0.1';
  let origin = '';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host. Refuse it.
    if (req.headers.host !== new URL(origin).host) return sendJson(res, 421, { ok: false });
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.startsWith('/__harness/ipc/')) {
      if (req.method !== 'POST')
        return sendJson(res, 405, { ok: false, error: { code: 'unknown_channel', message: 'POST only.' } });
      // Browsers always send Origin on a POST fetch; a page from any other origin is refused.
      if (req.headers.origin !== origin || !tokenMatches(req.headers.authorization, options.token)) {
        return sendJson(res, 403, {
          ok: false,
          error: { code: 'forbidden_sender', message: 'The request did not come from the Loyalty Desk window.' },
        });
      }
      const channel = channelOf(url.pathname);
      if (channel === null) {
        return sendJson(res, 400, { ok: false, error: { code: 'unknown_channel', message: 'No such channel.' } });
      }
      const body = await readBody(req);
      if (body === null) {
        return sendJson(res, 413, {
          ok: false,
          error: {
            code: 'validation_failed',
            message: 'The request is too large.',
            issues: [{ path: '', code: 'too_long' }],
          },
        });
      }
      let payload: unknown;
      try {
        payload = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, {
          ok: false,
          error: {
            code: 'validation_failed',
            message: 'The request is not valid JSON.',
            issues: [{ path: '', code: 'invalid' }],
          },
        });
      }
      const result = await options.router.handle(channel, payload, { senderUrl: `${origin}/`, isTopFrame: true });
      return sendJson(res, 200, result);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false });
    // The app:// resolver's rules (traversal, hidden files, unknown types), plus the bridge folder.
    const resolved = resolveRendererPath(url.pathname, options.rendererRoot, { serveTestOnly: true });
    if (!resolved.ok) return sendJson(res, resolved.status, { ok: false });
    let content: Buffer;
    try {
      content = await readFile(resolved.filePath);
    } catch {
      return sendJson(res, 404, { ok: false });
    }
    if (resolved.relativePath === 'index.html') {
      // The bridge must run before the app's module script: module scripts execute in document order.
      content = Buffer.from(
        content
          .toString('utf8')
          .replace('<script', '<script type="module" src="/harness/bridge.js"></script>\n    <script'),
        'utf8',
      );
    }
    res.writeHead(200, resolved.headers);
    res.end(req.method === 'HEAD' ? undefined : content);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { code: 'internal_error', message: 'Harness error.' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('Harness did not bind a TCP port.');
  origin = `http://${host}:${address.port}`;
  return {
    server,
    origin,
    url: `${origin}/#token=${options.token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
