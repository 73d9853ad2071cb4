import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { PinnedConnectError, connectPinned as connectPinnedTls } from '../../../../src/node-shared/pinned-tls';
import { randomUUID } from 'node:crypto';
import {
  CONSOLE_API_PREFIX,
  CONSOLE_ENDPOINTS,
  ConsoleError,
  pathParams,
  type ConsoleEndpointName,
  type ConsoleOutput,
} from '../console/contract';
import { CodedError } from '../errors';

export const ADMIN_CLIENT_ERROR_CODES = [
  /** No running HQ to send the command to (no published address, nothing listening, wrong certificate). */
  'hq_unreachable',
  /** LOYALTY_HQ_TOKEN is not set: every command but create-admin acts as an operator. */
  'token_required',
  /** The server answered outside the API's schema. */
  'admin_refused',
] as const;
export type AdminClientErrorCode = (typeof ADMIN_CLIENT_ERROR_CODES)[number];

/** Why the command line could not hand a command to HQ. Messages hold pids and codes, never the token. */
export class AdminClientError extends CodedError<AdminClientErrorCode> {}

/** A refusal from HQ's API, as the console gets it. */
export class ConsoleApiError extends Error {
  readonly body: ConsoleError;
  readonly status: number;

  constructor(status: number, body: ConsoleError) {
    super(body.message);
    this.name = 'ConsoleApiError';
    this.status = status;
    this.body = body;
  }
}

/** Where HQ is and how to know it: its URL and the certificate fingerprint to pin. */
export interface HqAddress {
  url: string;
  certSha256: string;
}

/** node-shared's pinned connection (the till's rule too), its failures as hq_unreachable. */
async function connectPinned(address: HqAddress, timeoutMs: number): Promise<TLSSocket> {
  const url = new URL(address.url);
  try {
    return await connectPinnedTls(url, address.certSha256, timeoutMs);
  } catch (error) {
    if (!(error instanceof PinnedConnectError)) throw error;
    const message =
      error.kind === 'pin_mismatch'
        ? 'The server at that address presented a certificate other than HQ’s; nothing was sent.'
        : error.kind === 'timeout'
          ? 'HQ did not accept a connection in time; nothing was sent.'
          : `HQ cannot be reached at ${url.host} (${error.errno ?? 'error'}); nothing was sent.`;
    throw new AdminClientError('hq_unreachable', message);
  }
}

/** One HTTPS request over a pinned connection. */
export async function pinnedRequest(
  address: HqAddress,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs = 120_000,
): Promise<{ status: number; text: string }> {
  const socket = await connectPinned(address, timeoutMs);
  const payload = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, address.url),
      {
        method,
        createConnection: () => socket,
        headers: {
          ...headers,
          ...(payload !== '' ? { 'content-type': 'application/json' } : {}),
          'content-length': String(Buffer.byteLength(payload)),
          connection: 'close',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    // Sent: from here a lost answer may hide a command that ran; a retry with the same request id is safe.
    const lost = (what: string) =>
      new AdminClientError(
        'hq_unreachable',
        `${what}; the command may or may not have taken effect (run it again with the same --request-id to be sure).`,
      );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      reject(lost('HQ did not answer in time'));
    });
    req.on('error', () => {
      socket.destroy();
      reject(lost('The connection to HQ broke'));
    });
    req.end(payload);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The console API as an operator's API token reaches it: what the command line is a client of. */
export interface ConsoleApi {
  call<N extends ConsoleEndpointName>(name: N, input: Record<string, unknown>): Promise<ConsoleOutput<N>>;
  /** GET of a path that answers text (the audit export). */
  getText(path: string): Promise<string>;
}

export function consoleApiClient(
  address: HqAddress,
  token: string,
  options: { requestId?: string; timeoutMs?: number } = {},
): ConsoleApi {
  const auth = { authorization: `Bearer ${token}` };
  async function answer(status: number, text: string): Promise<unknown> {
    const json = parseJson(text);
    if (status >= 200 && status < 300) return json;
    const error = ConsoleError.safeParse(json);
    if (!error.success) {
      if (status >= 500) throw new Error(`HQ could not complete the command (${status}).`);
      throw new AdminClientError('admin_refused', `HQ refused the command with an answer outside the API (${status}).`);
    }
    throw new ConsoleApiError(status, error.data);
  }
  return {
    async call(name, input) {
      const endpoint = CONSOLE_ENDPOINTS[name];
      const params = pathParams(endpoint.path);
      let path = endpoint.path;
      for (const param of params) path = path.replace(`:${param}`, encodeURIComponent(String(input[param] ?? '')));
      const rest = Object.fromEntries(Object.entries(input).filter(([key]) => !params.includes(key)));
      let response;
      if (endpoint.method === 'GET') {
        const query = new URLSearchParams();
        for (const [key, value] of Object.entries(rest)) if (value !== undefined) query.set(key, String(value));
        const qs = query.toString();
        response = await pinnedRequest(
          address,
          'GET',
          `${CONSOLE_API_PREFIX}${path}${qs ? `?${qs}` : ''}`,
          undefined,
          auth,
          options.timeoutMs,
        );
      } else {
        const needsId = 'shape' in endpoint.input && 'requestId' in (endpoint.input.shape as object);
        const body = needsId ? { requestId: options.requestId ?? randomUUID(), ...rest } : rest;
        response = await pinnedRequest(
          address,
          endpoint.method,
          `${CONSOLE_API_PREFIX}${path}`,
          body,
          auth,
          options.timeoutMs,
        );
      }
      const json = await answer(response.status, response.text);
      const parsed = endpoint.output.safeParse(json);
      if (!parsed.success) throw new AdminClientError('admin_refused', 'HQ answered outside the API schema.');
      return parsed.data as ConsoleOutput<typeof name>;
    },
    async getText(path) {
      const response = await pinnedRequest(address, 'GET', path, undefined, auth, options.timeoutMs);
      if (response.status === 200) return response.text;
      await answer(response.status, response.text);
      throw new AdminClientError('admin_refused', `HQ answered ${response.status}.`);
    },
  };
}
