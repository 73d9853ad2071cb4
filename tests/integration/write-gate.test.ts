import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'vite';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import counter from '../../resources/demo/counter.json';
import { createCounterServices, type CounterServices } from '../../src/main/app/create-counter-services';
import { counterWriteGate, createWriteGateBuffer, type CounterWriteGate } from '../../src/main/db/write-gate';
import { createFindMembers } from '../../src/main/members/find';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { maskPhone } from '../../src/shared/members/mask';
import { EarnRules } from '../../src/shared/points/rules';
import type { PullResponse, PulledMember } from '../../src/shared/sync/protocol';
import { startTestApp, type TestApp } from '../support/app';
import type { PullPageWorkerData, PullPageWorkerEvent } from '../support/pull-page-worker';

/**
 * The write gate (src/main/db/write-gate.ts) between the counter (this thread) and the till's real
 * pull applier in a worker thread on its own connection to the same encrypted file. Pages are
 * synthetic snapshot pages with HQ's resume points every 25 members; a part may be as long as the
 * whole page (partMs of minutes), which is the worker before the gate: one transaction a page.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'node_modules/.cache/loyalty-write-gate-test');
const WORKER = join(OUT, 'pull-page-worker.js');
const LONG_PART_MS = 600_000;
const FIRST_PAGE = 100;
const LONG_PAGE = 2_000;

const memberId = (i: number) => `018f0000-0000-7000-8000-${String(i).padStart(12, '0')}`;
const phoneOf = (i: number) => `+4474${String(i).padStart(8, '0')}`;
const snapshotCursor = (id: string) => `s.1.${Buffer.from(id, 'utf8').toString('base64url')}`;

function pulledMember(i: number, lookupKey: string): PulledMember {
  return {
    id: memberId(i),
    version: 1,
    cardNumber: withCheckDigit(`6006${String(i).padStart(8, '0')}`),
    givenName: i % 2 ? 'Анна' : 'Olivia',
    familyName: `Family${String.fromCharCode(97 + (i % 26))}`,
    phoneHash: contactLookupHash(lookupKey, 'phone', phoneOf(i)).toString('hex'),
    emailHash: contactLookupHash(lookupKey, 'email', `member${i}@example.org`).toString('hex'),
    phoneMasked: maskPhone(phoneOf(i)),
    emailMasked: 'm•••@example.org',
    tier: 'standard',
    points: i,
    termsVersion: '2026-11',
    marketingEmail: false,
    marketingSms: false,
    birthDate: null,
    enrolledAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A snapshot page of members [from, to), with HQ's resume points every 25 members. */
function snapshotPage(from: number, to: number, lookupKey: string, last: boolean): PullResponse {
  const changes: PullResponse['changes'] = [];
  const resumePoints: { after: number; cursor: string }[] = [];
  for (let i = from; i < to; i++) {
    changes.push({ kind: 'member', member: pulledMember(i, lookupKey) });
    if ((i - from + 1) % 25 === 0 && i + 1 < to)
      resumePoints.push({ after: changes.length, cursor: snapshotCursor(memberId(i)) });
  }
  return {
    changes,
    cursor: last ? 'c.1.0' : snapshotCursor(memberId(to - 1)),
    more: !last,
    snapshot: true,
    snapshotStart: from === 0,
    snapshotEnd: last,
    resumePoints,
  };
}

describe('write gate: counter writes before the sync worker', () => {
  let app: TestApp;
  let worker: Worker | null = null;
  let services: CounterServices;
  let gate: CounterWriteGate;
  const db = () => app.services.database.db;
  const count = () => (db().prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;

  beforeAll(async () => {
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        ssr: true,
        outDir: OUT,
        emptyOutDir: true,
        target: 'node24',
        rolldownOptions: {
          input: { 'pull-page-worker': join(ROOT, 'tests/support/pull-page-worker.ts') },
          output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
        },
      },
    });
  }, 120_000);
  beforeEach(async () => {
    app = await startTestApp();
    gate = counterWriteGate(createWriteGateBuffer());
    services = createCounterServices({
      db: db(),
      audit: app.services.audit,
      lookupKey: app.services.database.secrets.lookupKey,
      storeRegion: () => 'GB',
      language: () => 'en',
      now: () => new Date(),
      adjustLimit: () => null,
      writeGate: gate,
    });
    services.rules.set(EarnRules.parse(counter.earnRules));
  });
  afterEach(async () => {
    await worker?.terminate();
    worker = null;
    await app.dispose();
  });

  /** Starts the worker on `pages`; `events` fills as it reports, `done` settles when it ends. */
  function startWorker(pages: PullResponse[], writeGate: SharedArrayBuffer | null) {
    const data: PullPageWorkerData = {
      dbPath: app.services.database.path,
      databaseKey: app.services.database.secrets.databaseKey,
      lookupKey: app.services.database.secrets.lookupKey,
      writeGate,
      partMs: LONG_PART_MS,
      pages,
    };
    const events: PullPageWorkerEvent[] = [];
    worker = new Worker(WORKER, { workerData: data });
    const done = new Promise<void>((resolve, reject) => {
      worker?.on('message', (event: PullPageWorkerEvent) => {
        events.push(event);
        if (event.type === 'done') resolve();
        if (event.type === 'failed') reject(new Error(`pull-page-worker: ${event.code}`));
      });
      worker?.once('error', reject);
    });
    return { events, done };
  }

  const lookupKey = () => app.services.database.secrets.lookupKey;
  const pages = () => [
    snapshotPage(0, FIRST_PAGE, lookupKey(), false),
    snapshotPage(FIRST_PAGE, FIRST_PAGE + LONG_PAGE, lookupKey(), true),
  ];

  /** Waits until the worker holds the write lock inside page `index` (a probe that never waits). */
  async function workerInsidePage(events: PullPageWorkerEvent[], index: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!events.some((e) => e.type === 'page' && e.index === index)) {
      if (Date.now() > deadline) throw new Error(`the worker never reached page ${index}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    db().pragma('busy_timeout = 0');
    try {
      for (;;) {
        if (Date.now() > deadline) throw new Error('the worker never took the write lock');
        try {
          db().exec('BEGIN IMMEDIATE');
          db().exec('ROLLBACK');
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_BUSY') return;
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      db().pragma('busy_timeout = 5000');
    }
  }

  function timedEarn(reference: string): number {
    const started = performance.now();
    services.earn({ memberId: memberId(7), amountMinor: 1_234, reference }, 'test-cashier');
    return performance.now() - started;
  }

  it('a counter earn during a long page goes in at the next resume point, not after the page', async () => {
    const { events, done } = startWorker(pages(), gate.buffer);
    await workerInsidePage(events, 1);
    const waited = timedEarn('GATE-1');
    // Read at once: the page of 2,000 members (one part, partMs of minutes) is still being written.
    const membersRightAfter = count();
    await done;
    expect(waited).toBeLessThan(250);
    expect(membersRightAfter).toBeLessThan(FIRST_PAGE + LONG_PAGE);
    // The page was cut where the earn came, at a resume point, and finished after it.
    const parts = events.filter((e) => e.type === 'part' && e.index === 1);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.every((e) => e.type === 'part' && (e.next === LONG_PAGE || e.next % 25 === 0))).toBe(true);
    expect(count()).toBe(FIRST_PAGE + LONG_PAGE);
    expect(services.ledger.pointsOf(memberId(7)).balance.pending).toBeGreaterThan(0);
  }, 60_000);

  it('without the gate (the worker before it) the same earn waits for the whole page', async () => {
    const { events, done } = startWorker(pages(), null);
    await workerInsidePage(events, 1);
    timedEarn('NO-GATE-1');
    const membersRightAfter = count();
    await done;
    // The earn got the write lock only once the whole page had committed: what the first test refutes.
    expect(membersRightAfter).toBe(FIRST_PAGE + LONG_PAGE);
    expect(events.filter((e) => e.type === 'part' && e.index === 1)).toHaveLength(1);
  }, 60_000);

  it('phone, e-mail and card lookups use their indexes during a first snapshot, with the right answer', async () => {
    const { events, done } = startWorker(pages(), gate.buffer);
    await workerInsidePage(events, 1);
    const find = createFindMembers({ db: db(), lookupKey: lookupKey(), storeRegion: () => 'GB' });
    const plan = (sql: string, value: unknown) =>
      (db().prepare(`EXPLAIN QUERY PLAN ${sql}`).all(value) as { detail: string }[]).map((r) => r.detail).join('\n');
    const byPhone = plan('SELECT id FROM members WHERE phone_hash = ?', Buffer.alloc(32));
    const byEmail = plan('SELECT id FROM members WHERE email_hash = ?', Buffer.alloc(32));
    const byCard = plan('SELECT id FROM members WHERE card_number = ?', '6006000000000');
    const phone = find('+44 7400 000042');
    const email = find('member42@example.org');
    await done;
    expect(byPhone).toContain('USING INDEX members_phone_hash');
    expect(byEmail).toContain('USING INDEX members_email_hash');
    expect(byCard).toMatch(/USING INDEX sqlite_autoindex_members_/);
    expect(phone.matchedAs).toEqual(['phone']);
    expect(phone.members.map((m) => m.id)).toEqual([memberId(42)]);
    expect(email.members.map((m) => m.id)).toEqual([memberId(42)]);
  }, 60_000);

  it('holding the gate parks the worker and loses nothing: every member, its tokens and the cursor arrive', async () => {
    const { events, done } = startWorker(pages(), gate.buffer);
    await workerInsidePage(events, 1);
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const before: number[] = [];
    for (let round = 0; round < 3; round++) {
      // Held for 150 ms with nothing written: the worker must wait, then go on from where it was.
      gate.hold(() => {
        before.push(count());
        Atomics.wait(pause, 0, 0, 150);
        expect(count()).toBe(before.at(-1));
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await done;
    const ids = (db().prepare('SELECT id FROM members ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: FIRST_PAGE + LONG_PAGE }, (_, i) => memberId(i)));
    const untokened = db()
      .prepare(
        'SELECT count(*) AS n FROM members m WHERE NOT EXISTS (SELECT 1 FROM member_name_tokens t WHERE t.member_id = m.id)',
      )
      .get() as { n: number };
    expect(untokened.n).toBe(0);
    const cursor = db().prepare("SELECT value FROM sync_state WHERE key = 'pull_cursor'").get() as { value: string };
    expect(cursor.value).toBe('c.1.0');
    expect(events.filter((e) => e.type === 'part' && e.index === 1).length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
