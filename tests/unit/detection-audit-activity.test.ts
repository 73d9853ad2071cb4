import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../src/shared/audit/schemas';
import { activityFromAudit, type AuditLike } from '../../src/shared/detection/audit-activity';

const AT = '2026-01-05T10:00:00.000Z';
const entry = (action: string, over: Partial<AuditLike> = {}): AuditLike => ({
  seq: 7,
  at: AT,
  staffId: 'cashier',
  action,
  subjectType: 'member',
  subjectId: 'm1',
  details: {},
  ...over,
});

describe('activityFromAudit', () => {
  it.each([
    ['member.viewed', {}, 'member_opened', 'm1'],
    ['member.contacts_revealed', { details: { reasonCode: 'member_request' } }, 'contacts_revealed', 'm1'],
    ['member.exported', { details: { purpose: 'access', source: 'hq', complete: true } }, 'member_exported', 'm1'],
    ['points.earned', { details: { opId: 'o1', points: 12 } }, 'transaction', 'm1'],
    ['points.redeemed', { details: { opId: 'o2', points: -200, rewardId: 'r1' } }, 'transaction', 'm1'],
    ['member.enrolled', {}, 'transaction', 'm1'],
    ['member.updated', { details: { opId: 'o3', fields: 'email' } }, 'transaction', 'm1'],
    ['consent.changed', { details: { opId: 'o4', purpose: 'marketing_email', granted: false } }, 'transaction', 'm1'],
  ] as const)('%s → %s', (action, over, kind, memberId) => {
    expect(activityFromAudit(entry(action, over))).toEqual({ at: AT, staffId: 'cashier', kind, memberId, auditSeq: 7 });
  });

  it('a search carries what it matched as (never the text searched)', () => {
    const searched = entry('member.searched', {
      subjectType: null,
      subjectId: null,
      details: { by: 'name', results: 3 },
    });
    expect(activityFromAudit(searched)).toEqual({
      at: AT,
      staffId: 'cashier',
      kind: 'lookup',
      memberId: null,
      auditSeq: 7,
      by: 'name',
    });
    expect(activityFromAudit({ ...searched, details: { results: 0 } })).not.toHaveProperty('by');
  });

  it('a search carries the members it listed (details.memberIds, joined by commas), in list order', () => {
    const searched = entry('member.searched', {
      subjectType: null,
      subjectId: null,
      details: { by: 'name', results: 3, memberIds: 'm3,m1,m2' },
    });
    expect(activityFromAudit(searched)).toEqual({
      at: AT,
      staffId: 'cashier',
      kind: 'lookup',
      memberId: null,
      auditSeq: 7,
      by: 'name',
      listedMemberIds: ['m3', 'm1', 'm2'],
    });
    // Nobody listed (''), or an entry from before the ids were recorded: no list.
    expect(activityFromAudit({ ...searched, details: { by: 'name', results: 0, memberIds: '' } })).not.toHaveProperty(
      'listedMemberIds',
    );
    // At most 50, whatever the entry says.
    const many = Array.from({ length: 60 }, (_, i) => `m${i}`);
    expect(
      activityFromAudit({ ...searched, details: { by: 'phone', results: 60, memberIds: many.join(',') } })
        ?.listedMemberIds,
    ).toEqual(many.slice(0, 50));
  });

  it('corrections carry the points moved, absolute (details.points of corrections.ts)', () => {
    const details = { opId: 'o5', points: -2500, approvalId: 'a1', approvedBy: 'mgr', reasonCode: 'goodwill' };
    expect(activityFromAudit(entry('points.adjusted', { details }))).toEqual({
      at: AT,
      staffId: 'cashier',
      kind: 'correction',
      memberId: 'm1',
      auditSeq: 7,
      points: 2500,
    });
    expect(activityFromAudit(entry('points.reversed', { details: { points: 40 } }))?.points).toBe(40);
  });

  it('an open carries the relation relationOf gives, and the device it happened on', () => {
    const relationOf = (memberId: string, staffId: string) =>
      memberId === 'm1' && staffId === 'cashier' ? ('colleague' as const) : undefined;
    expect(activityFromAudit(entry('member.viewed', { deviceId: 'till-2' }), relationOf)).toEqual({
      at: AT,
      staffId: 'cashier',
      kind: 'member_opened',
      memberId: 'm1',
      auditSeq: 7,
      deviceId: 'till-2',
      relation: 'colleague',
    });
    expect(activityFromAudit(entry('member.viewed', { subjectId: 'm2' }), relationOf)).not.toHaveProperty('relation');
  });

  it('a failed PIN is the failure of the staff member it was typed for', () => {
    const login = entry('session.login_failed', {
      staffId: 'cashier',
      subjectType: 'staff',
      subjectId: 'cashier',
      details: { purpose: 'login', consecutive: 1 },
    });
    expect(activityFromAudit(login)).toEqual({
      at: AT,
      staffId: 'cashier',
      kind: 'pin_failure',
      memberId: null,
      auditSeq: 7,
    });
    // Today's approval entry names the manager as actor and subject; the new shape names the signed-in
    // cashier and the claimed approver apart.
    const approvalOld = entry('session.login_failed', {
      staffId: 'mgr',
      subjectType: 'staff',
      subjectId: 'mgr',
      details: { purpose: 'approval', consecutive: 2 },
    });
    const approvalNew = entry('session.login_failed', {
      staffId: 'cashier',
      subjectType: 'staff',
      subjectId: 'mgr',
      details: { purpose: 'approval', consecutive: 2, approverId: 'mgr' },
    });
    expect(activityFromAudit(approvalOld)?.staffId).toBe('mgr');
    expect(activityFromAudit(approvalNew)?.staffId).toBe('mgr');
    // An unknown id typed at sign-in is written with no staff id: nobody's failure.
    expect(activityFromAudit({ ...login, staffId: null, subjectId: null })).toBeNull();
  });

  it('approval.refused counts only for a wrong PIN, as the claimed approver', () => {
    const refused = (staffId: string, details: AuditLike['details']) =>
      activityFromAudit(entry('approval.refused', { staffId, subjectType: 'approval', subjectId: 'a1', details }));
    expect(refused('cashier', { action: 'points.adjust', reason: 'wrong_pin', approverId: 'mgr' })).toMatchObject({
      staffId: 'mgr',
      kind: 'pin_failure',
    });
    expect(refused('mgr', { action: 'points.adjust', reason: 'wrong_pin' })).toMatchObject({ staffId: 'mgr' });
    expect(refused('cashier', { action: 'points.adjust', reason: 'second_approver_required' })).toBeNull();
    expect(refused('cashier', { action: 'points.adjust', reason: 'not_manager' })).toBeNull();
    expect(refused('cashier', { action: 'points.adjust' })).toBeNull(); // a spent or expired approval
  });

  it('entries without a staff member, and every other action, are not activity', () => {
    expect(activityFromAudit(entry('member.viewed', { staffId: null }))).toBeNull();
    expect(activityFromAudit(entry('points.earned', { subjectType: 'staff' }))).toBeNull();
    const mapped = new Set([
      'member.searched',
      'member.viewed',
      'member.contacts_revealed',
      'member.exported',
      'points.earned',
      'points.redeemed',
      'member.enrolled',
      'member.updated',
      'consent.changed',
      'points.adjusted',
      'points.reversed',
      'session.login_failed',
      'approval.refused',
    ]);
    const others = AUDIT_ACTIONS.filter((action) => !mapped.has(action));
    expect(others).toContain('session.login');
    for (const action of others) expect(activityFromAudit(entry(action)), action).toBeNull();
  });
});
