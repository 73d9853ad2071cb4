import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, issuePairingCode } from '../../packages/hq/src/admin';
import { PAIR_RATE_LIMIT, clientKey, createRateLimiter } from '../../packages/hq/src/rate-limit';
import { HQ_ROUTES, HqError, PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, pinnedTlsOptions, skipBackend, startTestHq, type TestHq } from './support/hq';

interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | undefined;
}

/** POST /v1/pair through the pinned client, from `localAddress` (any 127.x address reaches 127.0.0.1 on Linux). */
function pair(hq: TestHq, body: unknown, extra: { localAddress?: string; headers?: Record<string, string> } = {}) {
  const payload = JSON.stringify(body);
  return new Promise<Answer>((resolve, reject) => {
    const req = httpsRequest(
      new URL(HQ_ROUTES.pair, hq.url),
      {
        method: 'POST',
        agent: false,
        ...(extra.localAddress ? { localAddress: extra.localAddress } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          ...extra.headers,
        },
        ...pinnedTlsOptions(hq.tls, hq.tls.fingerprint256),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const header = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            retryAfter: typeof header === 'string' ? header : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const WRONG = { pairingCode: 'ABCD-EFGH-JKMN', deviceName: 'Till 1' };

describe.each(BACKENDS)('POST /v1/pair rate limit on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend, { pairRateLimit: PAIR_RATE_LIMIT });
    });
    afterAll(async () => {
      await hq?.close();
    });

    const deps = () => ({ db: hq.db, now: () => hq.clock.now });

    test('10 wrong codes from one address, then even the right code is 429 with Retry-After, until the window passes', async () => {
      const start = hq.clock.now;
      const { storeId } = await createStore(deps(), 'Guess Street');
      const { pairingCode } = await issuePairingCode(deps(), storeId);
      for (let i = 0; i < PAIR_RATE_LIMIT.max; i++) {
        const wrong = await pair(hq, WRONG);
        expect(wrong.status).toBe(403);
        expect(HqError.parse(wrong.body).code).toBe('pairing_code_invalid');
        expect(wrong.retryAfter).toBeUndefined();
      }

      const before = await hq.snapshot();
      const refused = await pair(hq, { pairingCode, deviceName: 'Till 1' });
      expect(refused.status).toBe(429);
      expect(HqError.parse(refused.body).code).toBe('too_many_requests');
      expect(refused.retryAfter).toBe('600');
      // A forged X-Forwarded-For does not make another client: the socket address counts.
      const forged = await pair(
        hq,
        { pairingCode, deviceName: 'Till 1' },
        { headers: { 'x-forwarded-for': '10.9.8.7' } },
      );
      expect(forged.status).toBe(429);
      // Malformed bodies are refused by the limit too (counted before the body is read).
      expect((await pair(hq, { nonsense: true })).status).toBe(429);
      expect(await hq.snapshot()).toBe(before);

      // Half-way through the window: still refused, and told how long is left.
      hq.clock.now = new Date(start.getTime() + 5 * 60 * 1000);
      const later = await pair(hq, { pairingCode, deviceName: 'Till 1' });
      expect(later.status).toBe(429);
      expect(later.retryAfter).toBe('300');
      expect(await hq.snapshot()).toBe(before);

      // Another client address is not held back by this one.
      const other = await pair(hq, WRONG, { localAddress: '127.0.0.2' });
      expect(other.status).toBe(403);

      // The window has passed: a (fresh, the first has expired meanwhile) right code pairs.
      hq.clock.now = new Date(start.getTime() + PAIR_RATE_LIMIT.windowMs);
      const { pairingCode: fresh } = await issuePairingCode(deps(), storeId);
      const paired = await pair(hq, { pairingCode: fresh, deviceName: 'Till 1' });
      expect(paired.status).toBe(200);
      expect(PairResponse.parse(paired.body).storeId).toBe(storeId);
    });
  });
});

describe('rate limiter', () => {
  test('a sliding window: each attempt counts for exactly windowMs; refused attempts do not count', () => {
    const clock = { now: new Date('2026-03-02T09:00:00Z') };
    const limiter = createRateLimiter({ max: 3, windowMs: 60_000 }, () => clock.now);
    const at = (seconds: number) => {
      clock.now = new Date(Date.parse('2026-03-02T09:00:00Z') + seconds * 1000);
    };
    expect(limiter.take('a')).toEqual({ allowed: true });
    at(10);
    expect(limiter.take('a')).toEqual({ allowed: true });
    at(20);
    expect(limiter.take('a')).toEqual({ allowed: true });
    at(30);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    expect(limiter.take('b')).toEqual({ allowed: true });
    at(59.5);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // The first attempt (at 0) has left the window; the refused ones never entered it.
    at(60);
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  test('memory stays bounded: keys whose attempts have all expired are swept', () => {
    const clock = { now: new Date(0) };
    const limiter = createRateLimiter({ max: 1, windowMs: 1000 }, () => clock.now);
    for (let i = 0; i < 5000; i++) {
      clock.now = new Date(i * 10);
      expect(limiter.take(`10.0.${i >> 8}.${i & 255}`).allowed).toBe(true);
    }
    // Only the last second's 100 addresses are live; the map never held all 5,000.
    expect(limiter.size()).toBeLessThanOrEqual(1100);
  });

  test('IPv4 addresses count alone; an IPv6 address counts with its /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
  });
});
