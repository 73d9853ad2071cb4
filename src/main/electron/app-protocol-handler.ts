import { resolveAppRequest } from '../security/app-protocol';

export interface AppProtocolHandlerOptions {
  /** Absolute path of the built renderer folder (out/renderer). */
  rendererRoot: string;
  /** `fs.promises.readFile`; Electron's fs reads inside app.asar. */
  readFile: (path: string) => Promise<Uint8Array>;
}

function status(code: number): Response {
  return new Response(null, {
    status: code,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  });
}

/**
 * The `protocol.handle('app', …)` handler: GET and HEAD only; the pure resolver decides which file
 * (if any) a URL means, this reads it. Errors never echo the path back to the page.
 */
export function createAppProtocolHandler(options: AppProtocolHandlerOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return status(405);
    const resolved = resolveAppRequest(request.url, options.rendererRoot);
    if (!resolved.ok) return status(resolved.status);
    let body: Uint8Array;
    try {
      body = await options.readFile(resolved.filePath);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      return status(code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' ? 404 : 500);
    }
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: resolved.headers });
  };
}
