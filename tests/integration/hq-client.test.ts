import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadOrCreateTls, type HqTls } from '../../packages/hq/src/tls';
import { createHqClient, HqRequestError, probeHqCertificate } from '../../src/main/sync/hq-client';
import { PairResponse } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { makeTempDir } from '../support/temp-dir';

/** A TLS server that records what reaches it and, for the timeout case, never answers. */
async function silentServer(tls: HqTls) {
  const received: Buffer[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createTlsServer({ key: tls.key, cert: tls.cert }, (socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // The client hanging up mid-handshake is what the pin-mismatch case expects.
    socket.on('error', () => undefined);
  });
  // Resolves when the first connection's TCP socket has closed: everything it carried has been read.
  const firstClosed = new Promise<void>((resolve) =>
    server.once('connection', (raw: Socket) => raw.once('close', () => resolve())),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    received: () => Buffer.concat(received).toString('utf8'),
    firstClosed: () => firstClosed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('the till’s HQ client: pinned certificate, timeouts', () => {
  let hq: TestHq;
  const dir = makeTempDir('loyalty-client-');
  let other: HqTls;
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    other = await loadOrCreateTls({ dataDir: dir.path });
  });
  afterAll(async () => {
    await hq?.close();
    dir.remove();
  });

  test('HQ timeout: a server that accepts and never answers fails the request as a retryable timeout', async () => {
    const server = await silentServer(hq.tls);
    try {
      const client = createHqClient({
        endpoint: { url: server.url, certSha256: hq.tls.fingerprint256 },
        token: () => 'x'.repeat(43),
        timeoutMs: 300,
      });
      const started = Date.now();
      const error = await client.post('/v1/pull', { cursor: null, ackedSeq: 0 }, PairResponse).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HqRequestError);
      expect((error as HqRequestError).kind).toBe('timeout');
      expect((error as HqRequestError).retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });

  test('another certificate than the pinned one: refused before a single byte of the request (or its token) is sent', async () => {
    const impostor = await silentServer(other);
    try {
      const token = 'T'.repeat(43);
      const client = createHqClient({
        endpoint: { url: impostor.url, certSha256: hq.tls.fingerprint256 },
        token: () => token,
        timeoutMs: 2_000,
      });
      const error = await client.post('/v1/push', { ops: [] }, PairResponse).catch((e: unknown) => e);
      expect((error as HqRequestError).kind).toBe('pin_mismatch');
      expect((error as HqRequestError).retryable).toBe(false);
      await impostor.firstClosed();
      expect(impostor.received()).toBe('');
      // Probing (pairing's first step) shows the impostor's fingerprint, which differs from HQ's.
      expect((await probeHqCertificate(impostor.url)).certSha256).toBe(other.fingerprint256);
      expect(other.fingerprint256).not.toBe(hq.tls.fingerprint256);
    } finally {
      await impostor.close();
    }
  });

  test('a refused connection is a retryable network failure; plain http is refused outright', async () => {
    const client = createHqClient({
      endpoint: { url: 'https://127.0.0.1:9', certSha256: hq.tls.fingerprint256 },
      token: () => null,
      timeoutMs: 2_000,
    });
    const error = await client.post('/v1/pair', {}, PairResponse).catch((e: unknown) => e);
    expect((error as HqRequestError).kind).toBe('network');
    expect((error as HqRequestError).retryable).toBe(true);
    const insecure = createHqClient({
      endpoint: { url: `http://127.0.0.1:9`, certSha256: hq.tls.fingerprint256 },
      token: () => null,
    });
    await expect(insecure.post('/v1/pair', {}, PairResponse)).rejects.toThrow(/HTTPS only/);
  });

  test('HQ answering 5xx is retryable; a 4xx with a code is not', async () => {
    // A real TLS server with HQ's certificate (so the pin holds) that fails every request.
    const answers = [
      { status: 500, body: JSON.stringify({ code: 'internal_error', message: 'HQ could not complete the request.' }) },
      { status: 503, body: 'Service Unavailable' },
    ];
    let served = 0;
    const failing = createHttpsServer({ key: hq.tls.key, cert: hq.tls.cert }, (req, res) => {
      const answer = answers[served++ % answers.length]!;
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, {
          'content-type': answer.status === 500 ? 'application/json' : 'text/plain',
        });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const address = failing.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const client = createHqClient({
        endpoint: { url: `https://127.0.0.1:${port}`, certSha256: hq.tls.fingerprint256 },
        token: () => 'x'.repeat(43),
        timeoutMs: 5_000,
      });
      const internal = await client.post('/v1/push', { ops: [] }, PairResponse).catch((e: unknown) => e);
      expect(internal).toBeInstanceOf(HqRequestError);
      expect(internal).toMatchObject({ kind: 'http', status: 500, code: 'internal_error', retryable: true });
      const unavailable = await client.post('/v1/push', { ops: [] }, PairResponse).catch((e: unknown) => e);
      expect(unavailable).toBeInstanceOf(HqRequestError);
      expect(unavailable).toMatchObject({ kind: 'http', status: 503, code: undefined, retryable: true });
      expect(served).toBe(2);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }

    const refused = await createHqClient({
      endpoint: { url: hq.url, certSha256: hq.tls.fingerprint256 },
      token: () => null,
    })
      .post('/v1/pair', { pairingCode: 'AAAA', deviceName: 'x' }, PairResponse)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HqRequestError);
    expect(refused).toMatchObject({ kind: 'http', status: 403, code: 'pairing_code_invalid', retryable: false });
    // HQ's rate limit asks for a later try: retryable like a 5xx.
    expect(new HqRequestError('http', 'x', 429, 'too_many_requests').retryable).toBe(true);
  });
});
