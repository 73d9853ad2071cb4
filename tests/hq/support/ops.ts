// Wire ops as a till would push them (src/shared/sync/ops.ts payloads), for HQ tests.
import { randomInt, randomUUID } from 'node:crypto';
import type { PushRequest } from '../../../src/shared/sync/protocol';
import { testRewardId } from './test-catalog';

export type WireOp = PushRequest['ops'][number];

const AT = '2026-03-02T09:30:00.000Z';

export function newMemberId(): string {
  return randomUUID();
}

function cardNumber(): string {
  return String(randomInt(1e9, 1e10 - 1)) + String(randomInt(1e5, 1e6 - 1));
}

export function enrollOp(seq: number, memberId: string, overrides: Partial<WireOp> = {}): WireOp {
  return {
    seq,
    opId: randomUUID(),
    type: 'member.enrolled',
    staffId: 'staff-1',
    deviceTime: AT,
    payload: {
      memberId,
      cardNumber: cardNumber(),
      givenName: 'Ada',
      familyName: 'Lovelace',
      phone: null,
      email: null,
      birthDate: null,
      enrolledAt: AT,
    },
    ...overrides,
  } as WireOp;
}

/** Receipt numbers are unique per store at HQ: every generated earn gets its own. */
let receipts = 0;

function ledgerPayload(memberId: string, kind: 'earn' | 'redeem' | 'adjust' | 'reversal', points: number) {
  return {
    memberId,
    kind,
    points,
    at: AT,
    reference: kind === 'earn' ? `R-${++receipts}-${randomInt(1e6)}` : null,
    amountMinor: kind === 'earn' ? points * 100 : null,
    currency: kind === 'earn' ? 'GBP' : null,
    rewardId: kind === 'redeem' ? testRewardId(-points) : null,
    reasonCode: null,
    approvedBy: null,
    approvalId: null,
    reversesOpId: null,
    rulesVersion: kind === 'earn' ? 1 : null,
  };
}

export function earnOp(seq: number, memberId: string, points: number): WireOp {
  return {
    seq,
    opId: randomUUID(),
    type: 'points.earned',
    staffId: 'staff-1',
    deviceTime: AT,
    payload: ledgerPayload(memberId, 'earn', points),
  };
}

export function redeemOp(seq: number, memberId: string, cost: number): WireOp {
  return {
    seq,
    opId: randomUUID(),
    type: 'points.redeemed',
    staffId: 'staff-1',
    deviceTime: AT,
    payload: ledgerPayload(memberId, 'redeem', -cost),
  };
}

/** An earn as a till computing with `rulesVersion` would send it, with its own figure for `amountMinor`. */
export function earnClaimOp(
  seq: number,
  memberId: string,
  claim: { points: number; amountMinor: number | null; rulesVersion: number | null },
): WireOp {
  const op = earnOp(seq, memberId, 1);
  return { ...op, payload: { ...op.payload, ...claim } };
}

/** A redemption of `rewardId` claiming `points` (negative). */
export function redeemClaimOp(seq: number, memberId: string, rewardId: string, points: number): WireOp {
  const op = redeemOp(seq, memberId, 1);
  return { ...op, payload: { ...op.payload, rewardId, points } };
}

/** A manager-approved adjustment asked for by `staffId` and approved by `approvedBy`. */
export function adjustOp(
  seq: number,
  memberId: string,
  points: number,
  people: { staffId: string | null; approvedBy: string | null },
  extra: Record<string, unknown> = {},
): WireOp {
  return {
    seq,
    opId: randomUUID(),
    type: 'points.adjusted',
    staffId: people.staffId,
    deviceTime: AT,
    payload: {
      ...ledgerPayload(memberId, 'adjust', points),
      reasonCode: 'goodwill',
      approvedBy: people.approvedBy,
      approvalId: randomUUID(),
      ...extra,
    },
  } as WireOp;
}

export function consentOp(seq: number, memberId: string, granted: boolean): WireOp {
  return {
    seq,
    opId: randomUUID(),
    type: 'consent.changed',
    staffId: 'staff-1',
    deviceTime: AT,
    payload: {
      memberId,
      purpose: 'marketing_email',
      granted,
      noticeVersion: '2026-01',
      noticeLanguage: 'en',
      channel: 'counter',
      at: AT,
    },
  };
}

/** The same op at another seq (what a till that lost its seq counter might send). */
export function atSeq(op: WireOp, seq: number): WireOp {
  return { ...op, seq };
}
