import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { HqError } from '../../../../src/shared/sync/protocol';
import { CodedError, HqAdminError } from '../errors';
import type { AdminEndpoint } from './admin-endpoint-file';
import { ADMIN_COMMAND_ROUTE, AdminCommandResponse, type AdminCommandRequest } from './admin-route';
import { readCatalogJson } from './catalog';
import { checkAdminCommand, printAdminError, type AdminIo, type AdminOptionValues } from './cli';

export const ADMIN_CLIENT_ERROR_CODES = [
  /** The PGlite folder is held by another command (or an unreadable lock): nothing was done. */
  'data_dir_locked',
  /** The server holding the folder cannot be reached (not listening yet, gone, wrong certificate). */
  'hq_unreachable',
  /** The server refused the command itself (the admin token, the request). */
  'admin_refused',
] as const;
export type AdminClientErrorCode = (typeof ADMIN_CLIENT_ERROR_CODES)[number];

/** Why the command line could not hand a command to HQ. Messages hold pids and codes, never the token. */
export class AdminClientError extends CodedError<AdminClientErrorCode> {}

/**
 * A TLS connection handed over only once the server's certificate is the one the endpoint file
 * pins, so the token is never written to anything else. The pin is the whole trust decision: the
 * certificate may be self-signed or issued for a public name that 127.0.0.1 is not.
 */
function connectPinned(endpoint: AdminEndpoint, timeoutMs: number): Promise<TLSSocket> {
  const url = new URL(endpoint.url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new AdminClientError('hq_unreachable', 'The running HQ did not accept a connection in time; nothing was sent.'),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      if (socket.getPeerCertificate().fingerprint256 !== endpoint.certSha256) {
        socket.destroy();
        reject(
          new AdminClientError(
            'hq_unreachable',
            'The server on the admin address presented a certificate other than HQ’s; nothing was sent.',
          ),
        );
        return;
      }
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new AdminClientError(
          'hq_unreachable',
          `The running HQ (pid ${endpoint.pid}) cannot be reached on its admin address (${error.code ?? 'error'}); nothing was sent.`,
        ),
      );
    });
  });
}

async function post(
  endpoint: AdminEndpoint,
  body: AdminCommandRequest,
  timeoutMs: number,
): Promise<{ status: number; json: unknown }> {
  const socket = await connectPinned(endpoint, timeoutMs);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(ADMIN_COMMAND_ROUTE, endpoint.url),
      {
        method: 'POST',
        createConnection: () => socket,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          connection: 'close',
          authorization: `Bearer ${endpoint.token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          socket.destroy();
          let json: unknown = null;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // Not JSON: the status alone decides below.
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    // Sent: from here a lost answer may hide a command that ran, and the message says so.
    const lost = (what: string) =>
      new AdminClientError(
        'hq_unreachable',
        `${what}; the command may or may not have taken effect (check before running it again).`,
      );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      reject(lost('The running HQ did not answer in time'));
    });
    req.on('error', () => {
      socket.destroy();
      reject(lost('The connection to the running HQ broke'));
    });
    req.end(payload);
  });
}

/**
 * Runs an admin command through the running HQ's admin endpoint (PGlite: only the server may open
 * its folder). Prints what the command printed and returns its exit code, as a direct run would.
 * The command is checked here first, and load-catalog's file is read here (its contents travel,
 * not its path), so a mistyped command or a bad file reads the same as a direct run. Refusals of
 * the hand-over itself are AdminClientError (main.ts prints them and exits 2).
 */
export async function runAdminCommandThroughServer(
  endpoint: AdminEndpoint,
  positionals: readonly string[],
  options: AdminOptionValues,
  io: AdminIo,
  settings: { timeoutMs?: number } = {},
): Promise<number> {
  const [, ...args] = positionals;
  let body: AdminCommandRequest;
  try {
    const command = checkAdminCommand(positionals, options);
    if (command === 'load-catalog') {
      // The contents travel; of the path only the file's name, so the server never sees this machine's folders.
      const catalog = await readCatalogJson(args[0] ?? '');
      body = { command, args: [basename(args[0] ?? '')], options: withoutUndefined(options), catalog };
    } else {
      body = { command, args, options: withoutUndefined(options) };
    }
  } catch (error) {
    if (!(error instanceof HqAdminError)) throw error;
    printAdminError(io, error);
    return 2;
  }
  const { status, json } = await post(endpoint, body, settings.timeoutMs ?? 120_000);
  if (status === 200) {
    const answer = AdminCommandResponse.safeParse(json);
    if (!answer.success)
      throw new AdminClientError('admin_refused', 'The running HQ answered outside the admin schema.');
    for (const line of answer.data.out) io.out(line);
    for (const line of answer.data.err) io.err(line);
    return answer.data.exitCode;
  }
  const code = HqError.safeParse(json).data?.code ?? 'no_code';
  // As a direct run that fails unexpectedly: main.ts prints `hq failed` and exits 1.
  if (status >= 500) throw new Error(`The running HQ could not complete the command (${status} ${code}).`);
  throw new AdminClientError('admin_refused', `The running HQ refused the admin command (${status} ${code}).`);
}

function withoutUndefined(options: AdminOptionValues): AdminCommandRequest['options'] {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
