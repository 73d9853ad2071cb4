import { describe, expect, test } from 'vitest';
import { OP_TYPES } from '../../src/shared/sync/ops';
import { opReceipt, RECEIPT_KEYS } from '../../src/shared/sync/op-receipt';
import { PERSONAL_PAYLOAD_KEYS } from '../../src/shared/sync/personal-data';

const AT = '2026-03-02T09:00:00.000Z';
const MEMBER = '019cadc6-9a80-7f57-bac2-c8da5aa82cf9';

describe('opReceipt: what an outbox row keeps once HQ has answered', () => {
  test('member.enrolled keeps the member id and the time, nothing of the person', () => {
    expect(
      opReceipt('member.enrolled', {
        memberId: MEMBER,
        cardNumber: '6004993000000017',
        givenName: 'Wilhelmina',
        familyName: 'Quackenbush',
        phone: '+447911123461',
        email: 'wilhelmina.q@example.org',
        birthDate: '1984-02-29',
        enrolledAt: AT,
      }),
    ).toEqual({ memberId: MEMBER, enrolledAt: AT });
  });

  test('member.updated drops its changes, also a key nobody listed', () => {
    expect(
      opReceipt('member.updated', {
        memberId: MEMBER,
        changes: { email: 'w.quackenbush@example.net', middleName: 'Ada' },
        updatedAt: AT,
      }),
    ).toEqual({ memberId: MEMBER, updatedAt: AT });
  });

  test('a ledger op keeps every field: ids, kind, points, amounts, reasons, approval', () => {
    const earn = {
      memberId: MEMBER,
      kind: 'earn',
      points: 20,
      at: AT,
      reference: 'R-1',
      amountMinor: 2_000,
      currency: 'GBP',
      rewardId: null,
      reasonCode: null,
      approvedBy: null,
      approvalId: null,
      reversesOpId: null,
      rulesVersion: 1,
    };
    expect(opReceipt('points.earned', earn)).toEqual(earn);
    // An approved correction's sealed manager PIN goes; its approval ids stay.
    const adjust = {
      ...earn,
      kind: 'adjust',
      reference: null,
      amountMinor: null,
      currency: null,
      approvalId: 'approval-2',
    };
    expect(opReceipt('points.adjusted', { ...adjust, staffProof: { sealed: 'c2VhbGVkIHBpbg' } })).toEqual(adjust);
  });

  test('consent.changed keeps purpose, answer, notice and channel', () => {
    const consent = {
      memberId: MEMBER,
      purpose: 'marketing_email',
      granted: false,
      noticeVersion: '2025-01',
      noticeLanguage: 'en',
      channel: 'counter',
      at: AT,
    };
    expect(opReceipt('consent.changed', consent)).toEqual(consent);
  });

  test('staff.pin_changed keeps who, what kind and which approval, never the sealed PIN proof nor any field added later', () => {
    expect(
      opReceipt('staff.pin_changed', {
        staffId: 'staff-1',
        kind: 'reset',
        approvedBy: 'manager-1',
        approvalId: 'approval-1',
        at: AT,
        staffProof: { sealed: 'c2VhbGVkIHBpbnM' },
        pinHash: '$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA',
      }),
    ).toEqual({ staffId: 'staff-1', kind: 'reset', approvedBy: 'manager-1', approvalId: 'approval-1', at: AT });
  });

  test('an allowed key holding an object keeps nothing of it; an unknown op type keeps nothing at all', () => {
    expect(opReceipt('member.updated', { memberId: { name: 'Wilhelmina' }, updatedAt: AT })).toEqual({
      updatedAt: AT,
    });
    expect(opReceipt('member.deleted', { memberId: MEMBER, givenName: 'Wilhelmina' })).toEqual({});
    expect(opReceipt('member.enrolled', ['Wilhelmina'])).toEqual({});
  });

  test('a receipt of a receipt is the same receipt', () => {
    const once = opReceipt('member.enrolled', { memberId: MEMBER, givenName: 'Wilhelmina', enrolledAt: AT });
    expect(opReceipt('member.enrolled', once)).toEqual(once);
  });

  test('every op type has a receipt rule, and no rule keeps a key HQ scrubs at erasure', () => {
    expect(Object.keys(RECEIPT_KEYS).sort()).toEqual([...OP_TYPES].sort());
    const forbidden: readonly string[] = [...PERSONAL_PAYLOAD_KEYS, 'changes', 'pinHash', 'staffProof'];
    for (const keys of Object.values(RECEIPT_KEYS) as (readonly string[])[]) {
      expect(keys.filter((key) => forbidden.includes(key))).toEqual([]);
    }
  });
});
