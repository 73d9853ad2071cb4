import { describe, expect, test } from 'vitest';
import { HqRequestError } from '../../src/main/sync/hq-client';
import { DeviceRevokedError } from '../../src/main/sync/engine/sync-engine';
import { backoffDelay, createSyncLoop } from '../../src/main/sync/engine/sync-loop';

describe('sync loop', () => {
  test('backoff grows by doubling up to the ceiling, and the jitter spans the whole range', () => {
    const top = (failures: number) => backoffDelay(failures, 1_000, 60_000, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
    expect(backoffDelay(5, 1_000, 60_000, () => 0)).toBe(0);
    // A seeded spread: many tills never wait the same time.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelay(6, 1_000, 60_000, random)));
    expect(waits.size).toBeGreaterThan(45);
  });

  test('HQ out of reach: it retries with backoff, never gives up, and goes back to the interval once HQ answers', async () => {
    const outcomes: string[] = [];
    let calls = 0;
    const loop = createSyncLoop({
      run: async () => {
        calls += 1;
        if (calls <= 3) throw new HqRequestError('network', 'down');
      },
      intervalMs: 60_000,
      baseBackoffMs: 5,
      maxBackoffMs: 20,
      random: () => 1,
      onRevoked: () => outcomes.push('revoked'),
      onAttempt: (o) => outcomes.push(o.ok ? 'ok' : `${o.code}:${o.retryInMs}`),
    });
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(outcomes).toEqual(['network:5', 'network:10', 'network:20', 'ok']);
    // Kicked: runs at once instead of waiting the minute.
    loop.kick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(outcomes.at(-1)).toBe('ok');
    expect(calls).toBe(5);
    await loop.stop();
  });

  test('a revoked device stops the loop and reports it once', async () => {
    let revoked = 0;
    const loop = createSyncLoop({
      run: async () => {
        throw new DeviceRevokedError();
      },
      intervalMs: 1,
      baseBackoffMs: 1,
      maxBackoffMs: 1,
      onRevoked: () => (revoked += 1),
    });
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(revoked).toBe(1);
    await loop.stop();
  });

  test('manual work never overlaps a background run', async () => {
    let running = 0;
    let overlap = false;
    const work = async () => {
      running += 1;
      overlap ||= running > 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    };
    const loop = createSyncLoop({ run: work, intervalMs: 0, baseBackoffMs: 1, maxBackoffMs: 1, onRevoked: () => {} });
    loop.start();
    await Promise.all([loop.exclusive(work), loop.exclusive(work), loop.exclusive(work)]);
    await loop.stop();
    expect(overlap).toBe(false);
  });

  test('a kick that arrives while a run is under way is not lost: another run follows at once', async () => {
    let calls = 0;
    let release!: () => void;
    const firstRun = new Promise<void>((resolve) => (release = resolve));
    const loop = createSyncLoop({
      run: async () => {
        calls += 1;
        if (calls === 1) await firstRun;
      },
      intervalMs: 60_000,
      baseBackoffMs: 1,
      maxBackoffMs: 1,
      onRevoked: () => {},
    });
    loop.start();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(calls).toBe(1);
    // A write committed after the run read the outbox: it must not wait for the next interval.
    loop.kick();
    release();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls).toBe(2);
    await loop.stop();
  });

  test.each([
    ['a day ahead', 86_400_000],
    ['a day behind', -86_400_000],
    ['an hour ahead', 3_600_000],
    ['an hour behind', -3_600_000],
  ])('the wall clock set %s: the backoff retry and the interval keep to real time', async (_name, step) => {
    const realNow = Date.now;
    let calls = 0;
    const loop = createSyncLoop({
      run: async () => {
        calls += 1;
        if (calls === 1) throw new HqRequestError('network', 'down');
      },
      intervalMs: 60_000,
      baseBackoffMs: 20,
      maxBackoffMs: 20,
      random: () => 1,
      onRevoked: () => {},
    });
    try {
      loop.start();
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(calls).toBe(1);
      Date.now = () => realNow() + step;
      // The 20 ms backoff ends on time, and the minute's interval does not end early.
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(calls).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(calls).toBe(2);
    } finally {
      Date.now = realNow;
      await loop.stop();
    }
  });
});
