import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';
import { createFindMembers } from '../../src/main/members/find';
import { createSnapshotIngest, type SnapshotMember } from '../../src/main/members/ingest-snapshot';
import { createPullApplier } from '../../src/main/sync/engine/apply-pull';
import type { PullResponse } from '../../src/shared/sync/protocol';
import { maskPhone } from '../../src/shared/members/mask';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { CONSENTS } from '../support/members';
import { startTestApp, type TestApp } from '../support/app';

describe('snapshot ingest into the encrypted cache', () => {
  let app: TestApp;
  let lookupKey: string;
  const db = () => app.services.database.db;

  function member(i: number, familyName = `Family${String.fromCharCode(97 + (i % 26))}`): SnapshotMember {
    const e164 = `+4474${String(i).padStart(8, '0')}`;
    return {
      id: `018f0000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      cardNumber: withCheckDigit(`6006${String(i).padStart(8, '0')}`),
      givenName: i % 2 ? 'Анна' : 'Olivia',
      familyName,
      phoneHash: contactLookupHash(lookupKey, 'phone', e164),
      emailHash: null,
      phoneMasked: maskPhone(e164),
      emailMasked: null,
      tier: i % 3 === 0 ? 'gold' : 'standard',
      pointsConfirmed: i * 10,
      termsVersion: '2026-11',
      marketingEmail: false,
      marketingSms: i % 2 === 0,
      enrolledAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
  }
  const count = (table: string) => (db().prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const indexes = () =>
    (
      db()
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[]
    ).map((r) => r.name);

  beforeEach(async () => {
    app = await startTestApp();
    lookupKey = app.services.database.secrets.lookupKey;
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('loads a first snapshot with its indexes dropped, then rebuilds them; lookups use them', () => {
    const before = indexes();
    const ingest = createSnapshotIngest(db());
    const batches = [
      Array.from({ length: 500 }, (_, i) => member(i)),
      Array.from({ length: 500 }, (_, i) => member(500 + i)),
    ];
    ingest.loadIntoEmpty(batches);
    expect(indexes()).toEqual(before);
    expect(count('members')).toBe(1000);
    const find = createFindMembers({ db: db(), lookupKey, storeRegion: () => 'GB' });
    expect(find('+447400000777').members.map((m) => m.id)).toEqual([member(777).id]);
    expect(find('анна familyb').members.length).toBeGreaterThan(0);
    const plan = JSON.stringify(
      db().prepare('EXPLAIN QUERY PLAN SELECT id FROM members WHERE phone_hash = ?').all(Buffer.alloc(32)),
    );
    expect(plan).toContain('members_phone_hash');
  });

  const pulledChange = (i: number): Extract<PullResponse['changes'][number], { kind: 'member' }> => {
    const m = member(i);
    return {
      kind: 'member',
      member: {
        id: m.id,
        version: 1,
        cardNumber: m.cardNumber,
        givenName: m.givenName,
        familyName: m.familyName,
        phoneHash: m.phoneHash?.toString('hex') ?? null,
        emailHash: null,
        phoneMasked: m.phoneMasked,
        emailMasked: null,
        tier: m.tier,
        points: m.pointsConfirmed,
        termsVersion: m.termsVersion,
        marketingEmail: m.marketingEmail,
        marketingSms: m.marketingSms,
        birthDate: null,
        enrolledAt: m.enrolledAt,
        updatedAt: m.updatedAt,
      },
    };
  };

  it('a snapshot page applied in parts at its resume points: after each part the cursor names exactly what is held', () => {
    const pulled = pulledChange;
    const cursorAfter = (i: number) => `s.7.${Buffer.from(member(i).id, 'utf8').toString('base64url')}`;
    const changes = Array.from({ length: 100 }, (_, i) => pulled(i));
    const resumePoints = [25, 50, 75].map((after) => ({ after, cursor: cursorAfter(after - 1) }));
    const page: PullResponse = {
      changes,
      cursor: cursorAfter(99),
      more: true,
      snapshot: true,
      snapshotStart: true,
      snapshotEnd: false,
      resumePoints,
    };
    const held: { next: number; ids: string[]; cursor: string | undefined }[] = [];
    const applier = createPullApplier({
      db: db(),
      lookupKey,
      now: () => new Date('2026-12-06T12:00:00.000Z'),
      // A counter write always waits: every resume point ends a part.
      gate: { run: (transaction) => transaction(), wanted: () => true },
      onPart: (next) =>
        held.push({
          next,
          ids: (db().prepare('SELECT id FROM members ORDER BY id').all() as { id: string }[]).map((r) => r.id),
          cursor: (
            db().prepare("SELECT value FROM sync_state WHERE key = 'pull_cursor'").get() as
              { value: string } | undefined
          )?.value,
        }),
    });
    const result = applier.apply(page);
    expect(result.members).toBe(100);
    expect(held.map((h) => h.next)).toEqual([25, 50, 75, 100]);
    expect(held.map((h) => h.cursor)).toEqual([cursorAfter(24), cursorAfter(49), cursorAfter(74), cursorAfter(99)]);
    for (const h of held) expect(h.ids).toEqual(Array.from({ length: h.next }, (_, i) => member(i).id));
    // Resume points that would split anything but members (or do not rise) are not used: one part.
    const rewardFirst: PullResponse = {
      ...page,
      snapshotStart: false,
      changes: [
        ...changes.slice(0, 30),
        { kind: 'reward', reward: { id: 'r1', name: { en: 'Tea', ru: 'Чай' }, costPoints: 10, active: true, sort: 1 } },
        ...changes.slice(30),
      ],
    };
    held.length = 0;
    applier.apply(rewardFirst);
    expect(held.map((h) => h.next)).toEqual([101]);
    expect(count('members')).toBe(100);
    expect(indexes()).toContain('members_phone_hash');
  });

  it('a finished snapshot sweeps members HQ no longer sends in steps, and a sweep cut by a crash goes on', () => {
    const page = (ids: number[], start: boolean, end: boolean): PullResponse => ({
      changes: ids.map((i) => pulledChange(i)),
      cursor: end ? 'c.9.0' : `s.9.${Buffer.from(member(ids.at(-1) ?? 0).id, 'utf8').toString('base64url')}`,
      more: !end,
      snapshot: true,
      snapshotStart: start,
      snapshotEnd: end,
    });
    const all = Array.from({ length: 100 }, (_, i) => i);
    const sweepState = () =>
      (
        db().prepare("SELECT key, value FROM sync_state WHERE key LIKE 'snapshot_sweep%' ORDER BY key").all() as {
          key: string;
          value: string;
        }[]
      ).map((r) => `${r.key}=${r.value}`);
    const erased = () =>
      (db().prepare('SELECT id FROM members WHERE erased_at IS NOT NULL ORDER BY id').all() as { id: string }[]).map(
        (r) => r.id,
      );
    let now = 1_000;
    const applier = (gateRun: <T>(transaction: () => T) => T = (t) => t()) =>
      createPullApplier({
        db: db(),
        lookupKey,
        now: () => new Date(now),
        sweepStep: 30,
        gate: { run: gateRun, wanted: () => false },
      });
    applier().apply(page(all, true, true));
    expect(erased()).toEqual([]);
    // A second snapshot no longer carries members 10 and 70 (erased at HQ while this till was away).
    now = 2_000;
    const kept = all.filter((i) => i !== 10 && i !== 70);
    // The till dies in the sweep's second step (of 30 members each): 10 is erased, 70 not yet.
    let runs = 0;
    const dying = applier((transaction) => {
      runs += 1;
      if (sweepState().length > 0 && sweepState().includes(`snapshot_sweep_after=${member(29).id}`))
        throw new Error('killed');
      return transaction();
    });
    dying.apply(page(kept.slice(0, 50), true, false));
    expect(() => dying.apply(page(kept.slice(50), false, true))).toThrow('killed');
    expect(runs).toBeGreaterThan(2);
    expect(erased()).toEqual([member(10).id]);
    expect(sweepState()).toEqual(['snapshot_sweep=2000', `snapshot_sweep_after=${member(29).id}`]);
    expect(db().prepare("SELECT value FROM sync_state WHERE key = 'pull_cursor'").get()).toEqual({ value: 'c.9.0' });
    // After the restart the next page (the log, here empty) finishes the sweep first.
    const result = applier().apply({ ...page([], false, false), snapshot: false, cursor: 'c.9.1', more: false });
    expect(result.erased).toBe(1);
    expect(erased()).toEqual([member(10).id, member(70).id]);
    expect(sweepState()).toEqual([]);
    expect(count('members')).toBe(100);
  });

  it('refuses to drop indexes under a cache that already has members', async () => {
    await app.call('members.enroll', {
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.org',
      cardNumber: withCheckDigit('600400000123'),
      consents: CONSENTS,
    });
    const ingest = createSnapshotIngest(db());
    expect(() => ingest.loadIntoEmpty([[member(1)]])).toThrow(/empty/);
    expect(indexes()).toContain('members_phone_hash');
  });

  it('applying the same page twice leaves the same rows; an update replaces the name tokens', () => {
    const ingest = createSnapshotIngest(db());
    const page = [member(1), member(2)];
    ingest.writeBatch(page);
    const rows = db().prepare('SELECT * FROM members ORDER BY id').all();
    const tokens = db().prepare('SELECT * FROM member_name_tokens ORDER BY token, member_id').all();
    ingest.writeBatch(page);
    expect(db().prepare('SELECT * FROM members ORDER BY id').all()).toEqual(rows);
    expect(db().prepare('SELECT * FROM member_name_tokens ORDER BY token, member_id').all()).toEqual(tokens);

    ingest.writeBatch([member(1, 'Renamed')]);
    const find = createFindMembers({ db: db(), lookupKey, storeRegion: () => 'GB' });
    expect(find('renamed').members.map((m) => m.id)).toEqual([member(1).id]);
    expect(find('familyb').members.map((m) => m.id)).toEqual([]);
  });
});
