import { describe, expect, it } from 'vitest';
import {
  RestrictedCall,
  createRestrictedActionRunner,
  type ApprovalContext,
  type RestrictedActionHandlers,
} from '../../src/main/approvals/restricted-actions';
import type { Session } from '../../src/main/auth/session';
import type { ResponseData } from '../../src/shared/ipc/contract';

const SESSION: Session = {
  staffId: 'carl',
  displayName: 'Carl',
  role: 'cashier',
  startedAt: '2026-01-01T00:00:00.000Z',
};
const CONTEXT: ApprovalContext = {
  requestedBy: 'carl',
  approvedBy: 'mia',
  approvalId: 'approval-1',
  reasonCode: 'goodwill',
  actor: 'carl',
  staffProof: null,
};
const MEMBER = '0190f0a0-0000-7000-8000-000000000001';
const OP = '0190f0a0-0000-7000-8000-0000000000aa';

/** Handlers that record what reached them, so a call routed to the wrong action shows. */
function recordingHandlers(calls: string[]): RestrictedActionHandlers {
  const entry = (staffId: string) => ({
    staffId,
    displayName: staffId,
    role: 'cashier' as const,
    pinLocked: false,
    mustChangePin: false,
  });
  const ledger = (opId: string, points: number): ResponseData<'points.adjust'> => ({
    entry: {
      opId,
      kind: 'adjust',
      points,
      state: 'pending',
      at: '2026-01-01T00:00:00.000Z',
      staffId: 'carl',
      approvedBy: 'mia',
      reference: null,
      amountMinor: null,
      currency: null,
      rewardId: null,
      reasonCode: 'goodwill',
      reversesOpId: null,
      reversedBy: null,
    },
    balance: { confirmed: 0, pending: points, total: points },
  });
  return {
    'staff.resetPin': {
      precheck: (p) => void calls.push(`precheck resetPin ${p.staffId} ${p.temporaryPin}`),
      target: (p) => ({ staffId: p.staffId, memberId: null }),
      prepare: async (p) => (c) => (calls.push(`apply resetPin ${p.staffId} by ${c.actor}`), entry(p.staffId)),
    },
    'staff.unlock': {
      precheck: (p) => void calls.push(`precheck unlock ${p.staffId}`),
      target: (p) => ({ staffId: p.staffId, memberId: null }),
      prepare: async (p) => (c) => (calls.push(`apply unlock ${p.staffId} by ${c.actor}`), entry(p.staffId)),
    },
    'points.adjust': {
      precheck: (p) => void calls.push(`precheck adjust ${p.memberId} ${p.points}`),
      target: (p) => ({ staffId: null, memberId: p.memberId }),
      prepare: async (p) => (c) => (
        calls.push(`apply adjust ${p.points} approved by ${c.approvedBy}`),
        ledger('op-new', p.points)
      ),
    },
    'points.reverse': {
      precheck: (p) => void calls.push(`precheck reverse ${p.opId}`),
      target: () => ({ staffId: null, memberId: 'member-of-earn' }),
      prepare: async (p) => (c) => (
        calls.push(`apply reverse ${p.opId} approved by ${c.approvedBy}`),
        ledger(p.opId, -1)
      ),
    },
  };
}

describe('the restricted-action runner (one path for on-the-spot and queued approvals)', () => {
  it('routes each call to its own action handler with its own payload', async () => {
    const calls: string[] = [];
    const runner = createRestrictedActionRunner(recordingHandlers(calls));
    runner.precheck({ action: 'points.adjust', payload: { memberId: MEMBER, points: 50 } }, SESSION);
    runner.precheck({ action: 'staff.resetPin', payload: { staffId: 'nina', temporaryPin: '864213' } }, SESSION);
    expect(runner.target({ action: 'staff.unlock', payload: { staffId: 'nina' } })).toEqual({
      staffId: 'nina',
      memberId: null,
    });
    expect(runner.target({ action: 'points.reverse', payload: { opId: OP } })).toEqual({
      staffId: null,
      memberId: 'member-of-earn',
    });
    const apply = await runner.prepare({ action: 'staff.unlock', payload: { staffId: 'nina' } });
    expect(apply(CONTEXT)).toMatchObject({ staffId: 'nina' });
    expect(calls).toEqual([
      `precheck adjust ${MEMBER} 50`,
      'precheck resetPin nina 864213',
      'apply unlock nina by carl',
    ]);
  });

  it('runs a stored (queued) payload parsed back with its action’s own schema', async () => {
    const calls: string[] = [];
    const runner = createRestrictedActionRunner(recordingHandlers(calls));
    const stored = RestrictedCall.parse({ action: 'points.adjust', payload: { memberId: MEMBER, points: -20 } });
    const apply = await runner.prepare(stored);
    apply(CONTEXT);
    expect(calls).toEqual(['apply adjust -20 approved by mia']);
  });

  it("refuses a stored payload that is another action's (the schema is chosen by the action)", () => {
    expect(RestrictedCall.safeParse({ action: 'points.adjust', payload: { opId: OP } }).success).toBe(false);
    expect(RestrictedCall.safeParse({ action: 'staff.unlock', payload: { memberId: MEMBER, points: 5 } }).success).toBe(
      false,
    );
    expect(RestrictedCall.safeParse({ action: 'points.reverse', payload: { opId: OP } }).success).toBe(true);
  });
});
