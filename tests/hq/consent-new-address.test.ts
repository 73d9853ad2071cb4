import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  confirmMarketingEmail,
  pendingConfirmations,
  type PendingConfirmation,
} from '../../packages/hq/src/privacy/consent-confirmation';
import { startTestHq, type TestHq } from './support/hq';
import { consentOp, enrollOp, newMemberId, type WireOp } from './support/ops';

const KEY = randomBytes(32);

/**
 * Double opt-in confirms an address, not a person: when a till changes a confirmed member's e-mail,
 * HQ forgets the confirmation and starts a new one for the new address (issue 13 item 4).
 */
describe('a changed e-mail address is confirmed again', () => {
  let hq: TestHq;
  beforeAll(async () => {
    hq = await startTestHq('pglite');
  }, 60_000);
  afterAll(async () => {
    await hq?.close();
  });

  const pending = (): Promise<PendingConfirmation[]> =>
    hq.db.transaction((tx) => pendingConfirmations(tx, KEY, hq.clock.now, 10, hq.keys));

  test('confirmed for the old address, then a new address: unconfirmed, one link for the new one, the old link dead', async () => {
    const device = await hq.pairedDevice();
    const member = newMemberId();
    const enrol = enrollOp(1, member);
    Object.assign(enrol.payload, { email: 'old@example.com' });
    await hq.push(device, [enrol, consentOp(2, member, true)]);
    const [first] = await pending();
    expect(first).toMatchObject({ email: 'old@example.com', language: 'en' });
    await hq.db.transaction((tx) => confirmMarketingEmail(tx, KEY, first!.token, hq.clock.now));
    const confirmed = async () =>
      (
        await hq.db.query<{ confirmed: boolean }>(
          'SELECT marketing_email_confirmed_at IS NOT NULL AS confirmed FROM members WHERE id = $1',
          [member],
        )
      ).rows[0]?.confirmed;
    expect(await confirmed()).toBe(true);

    // A profile edit with another name only: nothing to confirm again.
    const rename: WireOp = {
      seq: 3,
      opId: randomUUID(),
      type: 'member.updated',
      staffId: 'staff-1',
      deviceTime: hq.clock.now.toISOString(),
      payload: { memberId: member, changes: { givenName: 'Ottilie' }, updatedAt: hq.clock.now.toISOString() },
    } as WireOp;
    await hq.push(device, [rename]);
    expect(await confirmed()).toBe(true);
    expect(await pending()).toEqual([]);

    const move: WireOp = {
      ...rename,
      seq: 4,
      opId: randomUUID(),
      payload: { memberId: member, changes: { email: 'new@example.com' }, updatedAt: hq.clock.now.toISOString() },
    } as WireOp;
    await hq.push(device, [move]);
    expect(await confirmed()).toBe(false);
    const links = await pending();
    expect(links.map((link) => link.email)).toEqual(['new@example.com']);
    await expect(
      hq.db.transaction((tx) => confirmMarketingEmail(tx, KEY, first!.token, hq.clock.now)),
    ).rejects.toMatchObject({ code: 'confirmation_invalid' });
    await hq.db.transaction((tx) => confirmMarketingEmail(tx, KEY, links[0]!.token, hq.clock.now));
    expect(await confirmed()).toBe(true);
  });
});
