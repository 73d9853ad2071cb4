import { request as httpsRequest } from 'node:https';
import { normalizeIP } from '@fastify/rate-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStore, issuePairingCode } from '../../packages/hq/src/admin';
import { toInt, type HqDatabase } from '../../packages/hq/src/db/database';
import {
  IPV6_SUBNET,
  PAIR_RATE_LIMIT,
  RATE_LIMIT_TABLE,
  countAttempt,
  databaseRateLimitStore,
  type RateDecision,
  type RateLimit,
} from '../../packages/hq/src/rate-limit';
import { HQ_ROUTES, HqError, PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, openTestDatabase, pinnedTlsOptions, skipBackend, startTestHq, type TestHq } from './support/hq';

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

/** The attempt log: how many attempts each (bucket, client) has counted. */
async function attemptLog(db: HqDatabase): Promise<string[]> {
  const rows = await db.query<{ bucket: string; client_key: string; attempts: unknown }>(
    `SELECT bucket, client_key, count(*) AS attempts FROM ${RATE_LIMIT_TABLE}
      GROUP BY bucket, client_key ORDER BY bucket, client_key`,
  );
  return rows.rows.map((row) => `${row.bucket} ${row.client_key} ${toInt(row.attempts)}`);
}

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

    test('two HQ instances on one database share one budget per client: 5 + 5 attempts, then both refuse', async () => {
      const second = await startTestHq(backend, { pairRateLimit: PAIR_RATE_LIMIT, sharedWith: hq });
      try {
        const client = { localAddress: '127.0.0.3' };
        for (let i = 0; i < 5; i++) expect((await pair(hq, WRONG, client)).status).toBe(403);
        for (let i = 0; i < 5; i++) expect((await pair(second, WRONG, client)).status).toBe(403);
        expect(await attemptLog(hq.db)).toContain('POST /v1/pair 127.0.0.3 10');

        // Each instance alone has seen 5; together the client has used its 10.
        const first = await pair(hq, WRONG, client);
        expect(first.status).toBe(429);
        expect(first.retryAfter).toBe('600');
        const other = await pair(second, WRONG, client);
        expect(other.status).toBe(429);
        expect(HqError.parse(other.body).code).toBe('too_many_requests');
        expect(other.retryAfter).toBe('600');
        // Refused attempts are not counted.
        expect(await attemptLog(hq.db)).toContain('POST /v1/pair 127.0.0.3 10');
      } finally {
        await second.close();
      }
    });
  });
});

describe.each(BACKENDS)('rate limiter store on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    beforeAll(async () => {
      database = await openTestDatabase(backend);
    });
    afterAll(async () => {
      await database?.stop();
    });

    test('a sliding window: each attempt counts for exactly windowMs; refused attempts do not count', async () => {
      const clock = { now: new Date('2026-03-02T09:00:00Z') };
      const limit: RateLimit = { max: 3, windowMs: 60_000 };
      const take = (key: string): Promise<RateDecision> =>
        countAttempt(database.db, { bucket: 'sliding', key, limit, now: clock.now });
      const at = (seconds: number) => {
        clock.now = new Date(Date.parse('2026-03-02T09:00:00Z') + seconds * 1000);
      };
      expect(await take('a')).toEqual({ allowed: true });
      at(10);
      expect(await take('a')).toEqual({ allowed: true });
      at(20);
      expect(await take('a')).toEqual({ allowed: true });
      at(30);
      expect(await take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
      expect(await take('b')).toEqual({ allowed: true });
      at(59.5);
      expect(await take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
      // The first attempt (at 0) has left the window; the refused ones never entered it.
      at(60);
      expect(await take('a')).toEqual({ allowed: true });
      expect(await take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    });

    test("through @fastify/rate-limit's store interface: within the limit, then over it with the time left", async () => {
      const clock = { now: new Date('2026-03-02T09:00:00Z') };
      const Store = databaseRateLimitStore(database.db, () => clock.now);
      const store = new Store({}).child({ routeInfo: { method: 'POST', url: '/v1/test' } } as never);
      const incr = (key: string) =>
        new Promise<{ current: number; ttl: number } | undefined>((resolve, reject) =>
          store.incr(key, (error, result) => (error ? reject(error) : resolve(result)), 60_000, 2),
        );
      expect(await incr('203.0.113.9')).toEqual({ current: 1, ttl: 60_000 });
      clock.now = new Date(Date.parse('2026-03-02T09:00:00Z') + 15_000);
      expect(await incr('203.0.113.9')).toEqual({ current: 1, ttl: 60_000 });
      expect(await incr('203.0.113.9')).toEqual({ current: 3, ttl: 45_000 });
      expect(await attemptLog(database.db)).toContain('POST /v1/test 203.0.113.9 2');
    });
  });
});

describe('rate limiter store (PGlite)', () => {
  test('the attempt log stays bounded: attempts that have left their window are swept', async () => {
    const { db, stop } = await openTestDatabase('pglite');
    try {
      const clock = { now: new Date(0) };
      const store = new (databaseRateLimitStore(db, () => clock.now))({});
      for (let i = 0; i < 5000; i++) {
        clock.now = new Date(i * 10);
        const result = await new Promise<{ current: number; ttl: number } | undefined>((resolve, reject) =>
          store.incr(`10.0.${i >> 8}.${i & 255}`, (error, r) => (error ? reject(error) : resolve(r)), 1000, 1),
        );
        expect(result!.current <= 1).toBe(true);
      }
      // Only the last second's 100 addresses are live; the table never held all 5,000.
      const keys = await db.query<{ n: unknown }>(`SELECT count(DISTINCT client_key) AS n FROM ${RATE_LIMIT_TABLE}`);
      expect(toInt(keys.rows[0]?.n)).toBeLessThanOrEqual(1100);
    } finally {
      await stop();
    }
  }, 60_000);
});

describe('client keys (@fastify/rate-limit normalizeIP, as its default key generator uses it)', () => {
  // The library's spelling of a /64 network is its first address (2001:db8:1:2::), where the
  // home-made parser this replaced wrote 2001:db8:1:2::/64.
  const clientKey = (ip: string): string => normalizeIP(ip, IPV6_SUBNET);

  test('IPv4 addresses count alone; an IPv6 address counts with its /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::');
    expect(clientKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::');
    expect(clientKey('2001:db8::1')).toBe('2001:db8::');
    expect(clientKey('::1')).toBe('::');
    expect(clientKey('fe80::1%eth0')).toBe('fe80::');
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
  });
});
