import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { z } from 'zod';
import { HqError, type HqErrorCode, type RollbackInfo } from '../../shared/sync/protocol';
import { version } from '../../../package.json';
import {
  PinnedConnectError,
  connectPinned as connectPinnedTls,
  type PinnedConnectFailure,
} from '../../node-shared/pinned-tls';

/** Where HQ is and the certificate this device trusts for it (pinned at pairing, DESIGN §4). */
export interface HqEndpoint {
  url: string;
  /** SHA-256 fingerprint of HQ's certificate, as Node prints it (AB:CD:…). */
  certSha256: string;
}

export type HqFailureKind =
  /** Could not connect, or the connection broke: retry later. */
  | 'network'
  | 'timeout'
  /** HQ answered with an error body (`code` says which). 5xx: retry later; 4xx: see the code. */
  | 'http'
  /** The server's certificate is not the pinned one: nothing was sent. */
  | 'pin_mismatch'
  /** HQ's answer did not match the v1 schema. */
  | 'bad_response';

/** A failed HQ request. The message holds codes and statuses only, never a body or a token. */
export class HqRequestError extends Error {
  readonly kind: HqFailureKind;
  readonly status: number | undefined;
  readonly code: HqErrorCode | undefined;
  /** HQ's figures with device_rolled_back (sync/engine/rollback-state.ts). */
  readonly rollback: RollbackInfo | undefined;

  constructor(kind: HqFailureKind, message: string, status?: number, code?: HqErrorCode, rollback?: RollbackInfo) {
    super(message);
    this.name = 'HqRequestError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.rollback = rollback;
  }

  /** Worth trying again later: the network, a timeout, HQ busy or failing. */
  get retryable(): boolean {
    return (
      this.kind === 'network' ||
      this.kind === 'timeout' ||
      (this.kind === 'http' && (this.status === undefined || this.status >= 500 || this.status === 429))
    );
  }
}

function parseUrl(url: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') throw new HqRequestError('network', 'HQ is reached over HTTPS only.');
  return parsed;
}

const CONNECT_MESSAGES: Record<PinnedConnectFailure, string> = {
  network: 'Could not reach HQ',
  timeout: 'HQ did not answer in time.',
  pin_mismatch: 'HQ presented a certificate other than the pinned one.',
};

/** node-shared's pinned connection, its failures as HqRequestError. */
async function connectPinned(url: URL, pin: string | null, timeoutMs: number): Promise<TLSSocket> {
  try {
    return await connectPinnedTls(url, pin, timeoutMs);
  } catch (error) {
    if (!(error instanceof PinnedConnectError)) throw error;
    const message =
      error.kind === 'network'
        ? `${CONNECT_MESSAGES.network} (${error.errno ?? 'error'}).`
        : CONNECT_MESSAGES[error.kind];
    throw new HqRequestError(error.kind, message);
  }
}

/** The certificate HQ presents now: its fingerprint is what pairing pins (and shows to compare). */
export async function probeHqCertificate(url: string, timeoutMs = 10_000): Promise<{ certSha256: string }> {
  const socket = await connectPinned(parseUrl(url), null, timeoutMs);
  const certSha256 = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return { certSha256 };
}

export interface HqClient {
  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>>;
}

/**
 * POSTs JSON to HQ over a pinned connection and parses the answer with the v1 schema. Every
 * failure is an HqRequestError saying whether it is worth retrying.
 */
export function createHqClient(options: {
  endpoint: HqEndpoint;
  token: () => string | null;
  timeoutMs?: number;
}): HqClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async post(path, body, schema) {
      const base = parseUrl(options.endpoint.url);
      const socket = await connectPinned(base, options.endpoint.certSha256, timeoutMs);
      const payload = JSON.stringify(body);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        // One request per pinned connection: nothing is left open for HQ to wait on at shutdown.
        connection: 'close',
        'content-length': String(Buffer.byteLength(payload)),
        // What this till runs, for HQ's devices page (no more: no OS, no machine name).
        'user-agent': `LoyaltyDesk/${version}`,
      };
      const token = options.token();
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpsRequest(
          new URL(path, base),
          // No agent: with one, Node opens its own connection and ignores createConnection.
          { method: 'POST', headers, createConnection: () => socket },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              socket.destroy();
              resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', () => reject(new HqRequestError('network', 'The connection to HQ broke.')));
          },
        );
        req.setTimeout(timeoutMs, () => {
          req.destroy();
          reject(new HqRequestError('timeout', 'HQ did not answer in time.'));
        });
        req.on('error', (error) => {
          socket.destroy();
          reject(
            error instanceof HqRequestError ? error : new HqRequestError('network', 'The connection to HQ broke.'),
          );
        });
        req.end(payload);
      });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new HqRequestError(
          status >= 500 ? 'http' : 'bad_response',
          `HQ answered ${status} without JSON.`,
          status,
        );
      }
      if (status !== 200) {
        const error = HqError.safeParse(json);
        throw new HqRequestError(
          'http',
          `HQ refused: ${status} ${error.data?.code ?? ''}`.trim(),
          status,
          error.data?.code,
          error.data?.rollback,
        );
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new HqRequestError('bad_response', 'HQ answered outside the v1 schema.', status);
      return parsed.data;
    },
  };
}
