import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDeviceDatabase, type DeviceDatabase } from '../../src/main/db/open-device-database';
import { createPullApplier } from '../../src/main/sync/engine/apply-pull';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';
import { withCheckDigit } from '../../src/shared/members/card-number';
import type { PullResponse, PulledMember } from '../../src/shared/sync/protocol';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import { makeTempDir } from '../support/temp-dir';

/**
 * The sync worker fetches the next pull page while it writes one (sync-engine.ts). That only
 * overlaps if the event loop turns while the page is written: applyYielding gives it a turn after
 * each committed part. Before, the whole page was written in one synchronous call and the next
 * request did not even leave until it was done. The till's real encrypted database; a page of 200
 * members with HQ's resume points every 10, and parts as short as they can be (one resume point).
 */
const MEMBERS = 200;
const memberId = (i: number) => `018f0000-0000-7000-8000-${String(i).padStart(12, '0')}`;
const snapshotCursor = (id: string) => `s.1.${Buffer.from(id, 'utf8').toString('base64url')}`;

function member(i: number, lookupKey: string): PulledMember {
  return {
    id: memberId(i),
    version: 1,
    cardNumber: withCheckDigit(`6006${String(i).padStart(8, '0')}`),
    givenName: 'Olivia',
    familyName: 'Smith',
    phoneHash: contactLookupHash(lookupKey, 'phone', `+4474${String(i).padStart(8, '0')}`).toString('hex'),
    emailHash: null,
    phoneMasked: '+44•••000',
    emailMasked: null,
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

function page(lookupKey: string): PullResponse {
  const changes: PullResponse['changes'] = [];
  const resumePoints: { after: number; cursor: string }[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    changes.push({ kind: 'member', member: member(i, lookupKey) });
    if ((i + 1) % 10 === 0 && i + 1 < MEMBERS) {
      resumePoints.push({ after: changes.length, cursor: snapshotCursor(memberId(i)) });
    }
  }
  return {
    changes,
    cursor: 'c.1.0',
    more: false,
    snapshot: true,
    snapshotStart: true,
    snapshotEnd: true,
    resumePoints,
  };
}

describe('a pull page is written with turns of the event loop between its parts', () => {
  let keychain: TestKeychain;
  let dir: { path: string; remove(): void };
  let device: DeviceDatabase;
  beforeEach(async () => {
    keychain = await createTestKeychain();
    dir = makeTempDir('loyalty-pull-yield-');
    device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
  });
  afterEach(async () => {
    device?.close();
    dir?.remove();
    await keychain?.cleanup();
  });

  const held = () => (device.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
  const applier = () =>
    createPullApplier({ db: device.db, lookupKey: device.secrets.lookupKey, now: () => new Date(), partMs: 0 });

  it('applyYielding: a callback queued before the page runs while the page is still being written', async () => {
    const seen: number[] = [];
    const watch = () => {
      seen.push(held());
      if (seen.length < 5) setImmediate(watch);
    };
    setImmediate(watch);
    const result = await applier().applyYielding(page(device.secrets.lookupKey));
    expect(result.members).toBe(MEMBERS);
    expect(held()).toBe(MEMBERS);
    // Each turn came after a committed part (10 members) and before the page's end.
    expect(seen).toEqual([10, 20, 30, 40, 50]);
    // The cursor committed with the last part is the page's own.
    const cursor = device.db.prepare("SELECT value FROM sync_state WHERE key = 'pull_cursor'").get() as {
      value: string;
    };
    expect(cursor.value).toBe('c.1.0');
  });

  it('apply (tests, tools): the same page in one call, no turn in between', async () => {
    const seen: number[] = [];
    setImmediate(() => seen.push(held()));
    applier().apply(page(device.secrets.lookupKey));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([MEMBERS]);
  });
});
