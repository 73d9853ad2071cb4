import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export type PinnedConnectFailure =
  /** Could not connect, or the connection broke before TLS was up. */
  | 'network'
  | 'timeout'
  /** The server's certificate is not the pinned one: nothing was sent. */
  | 'pin_mismatch';

/** Why no pinned connection was made; `errno` is the socket's error code (ECONNREFUSED…), if any. */
export class PinnedConnectError extends Error {
  readonly kind: PinnedConnectFailure;
  readonly errno: string | undefined;

  constructor(kind: PinnedConnectFailure, errno?: string) {
    super(`pinned TLS connection failed: ${kind}${errno ? ` (${errno})` : ''}`);
    this.name = 'PinnedConnectError';
    this.kind = kind;
    this.errno = errno;
  }
}

/**
 * The one rule for reaching HQ (DESIGN §4), shared by the till and HQ's command line: a TLS
 * connection handed over only once the peer's certificate has the pinned SHA-256 fingerprint, so not
 * a byte of a request (its token above all) reaches another server. The pin is the whole trust
 * decision: the certificate may be self-signed or issued for a name the address is not. With `pin`
 * null any certificate is accepted: used once, at pairing, to learn the fingerprint to confirm.
 */
export function connectPinned(url: URL, pin: string | null, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      // SNI only for names; the trust decision is the fingerprint below, not a CA or a host name.
      ...(/^[0-9.]+$|:/.test(url.hostname) ? {} : { servername: url.hostname }),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PinnedConnectError('timeout'));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      if (pin !== null && socket.getPeerCertificate().fingerprint256 !== pin) {
        socket.destroy();
        reject(new PinnedConnectError('pin_mismatch'));
        return;
      }
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new PinnedConnectError('network', error.code));
    });
  });
}
