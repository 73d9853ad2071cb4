import { createHmac } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import {
  APPROVAL_TTL_SECONDS,
  QUEUE_TTL_SECONDS,
  QUEUEABLE_ACTIONS,
  type ApprovalSubject,
  type QueueEntry,
  type RestrictedAction,
} from '../../shared/approvals/schemas';
import { needsSecondApprover } from '../../shared/approvals/second-approver';
import { AppError } from '../../shared/errors';
import type { AuditLog } from '../audit/audit-log';
import { canonicalJson } from '../../shared/canonical-json';
import type { Authenticator } from '../auth/authenticator';
import type { Session } from '../auth/session';
import { uuidv7 } from '../ids/uuidv7';
import { KEY_VERSION, isKeyVersion, tillKeysFor, type KeyVersion } from '../keychain/derived-keys';
import { immediately, type Commit } from '../requests/request-log';
import type { MonotonicMs } from '../time/monotonic-clock';
import type { StaffProof } from '../../shared/sync/staff-proof';
import type { StaffProofSealer } from '../sync/staff-proof-seal';
import type { ResponseData } from '../../shared/ipc/contract';
import { PROVEN_ACTIONS, sealApprovalProof } from './approval-proof';
import { RestrictedCall, type ApprovalContext, type CallOf, type RestrictedActionRunner } from './restricted-actions';

export type { ApprovalContext };

interface ApprovalRow {
  id: string;
  action: RestrictedAction;
  payload_mac: string;
  /** Which key made payload_mac: 1 the audit key itself (approvals from before migration 9), 2 its HKDF key. */
  key_version: number;
  payload_json: string | null;
  target_staff_id: string | null;
  target_member_id: string | null;
  reason_code: QueueEntry['reasonCode'];
  reason_text: string | null;
  requested_by: string;
  requested_at: string;
  status: QueueEntry['status'];
  decided_by: string | null;
  decided_at: string | null;
  expires_at: string | null;
  used_at: string | null;
}

export interface ApprovalDeps {
  db: Database;
  audit: AuditLog;
  authenticator: Authenticator;
  /** Runs the approved action, on the spot (runGranted) and from the queue (decide) alike. */
  actions: RestrictedActionRunner;
  staffName: (staffId: string) => string | null;
  memberName: (memberId: string) => string | null;
  /** The till's audit key (DeviceSecrets.auditKey): payload MACs use its HKDF key 'approval-mac'. */
  macKey: string;
  /** Seals the approving manager's PIN for HQ when the action will reach HQ (paired tills). */
  proofs: StaffProofSealer;
  /** Four-eyes: a correction moving more points than this needs a manager other than the one who asked. */
  secondApproverAbovePoints: () => number;
  /** Labels records; lifetimes are measured on `monotonicMs`. */
  now: () => Date;
  monotonicMs: MonotonicMs;
}

const invalid = () =>
  new AppError(
    'approval_invalid',
    'This approval is not valid for this action: it is used, expired or for something else.',
  );

/**
 * One-time manager approvals (DESIGN §4). An approval names one action and an HMAC of its exact
 * payload; it is consumed inside the transaction of that action, so it approves one line once.
 * The MAC is keyed, so even a payload holding a temporary PIN cannot be recovered from it.
 */
export function createApprovalService(deps: ApprovalDeps) {
  const { db, audit, authenticator, actions } = deps;
  const macKeys = tillKeysFor(deps.macKey, 'approval-mac');
  const byId = db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO approvals (id, action, payload_mac, key_version, payload_json, target_staff_id, target_member_id,
                            reason_code, reason_text, requested_by, requested_at, status, decided_by, decided_at,
                            expires_at)
     VALUES (@id, @action, @mac, ${KEY_VERSION.derived}, @payloadJson, @targetStaff, @targetMember,
             @reasonCode, @reasonText, @requestedBy, @at, @status, @decidedBy, @decidedAt, @expiresAt)`,
  );
  const markUsed = db.prepare<[string, string]>("UPDATE approvals SET status = 'used', used_at = ? WHERE id = ?");
  const decide = db.prepare<[string, string, string, string]>(
    'UPDATE approvals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?',
  );
  const list = {
    pending: db.prepare<[], ApprovalRow>(
      "SELECT * FROM approvals WHERE status = 'pending' ORDER BY requested_at LIMIT 200",
    ),
    all: db.prepare<[], ApprovalRow>('SELECT * FROM approvals ORDER BY requested_at DESC LIMIT 200'),
  };

  /**
   * Version 2 is HMAC(approval-mac key, canonical {action, payload}). Version 1 had the audit key
   * itself behind a text prefix: an approval asked before migration 9 and still pending (the queue
   * keeps one a day) or granted (two minutes) is checked that way, under the version stored with it.
   */
  const mac = (action: string, payload: unknown, version: KeyVersion = KEY_VERSION.derived) => {
    const hmac = createHmac('sha256', macKeys[version]);
    if (version === KEY_VERSION.legacy) hmac.update('loyalty-desk/approval/v1\n');
    return hmac.update(canonicalJson({ action, payload })).digest('hex');
  };
  /** Whether the row's MAC binds exactly this action and payload, under the key it was made with. */
  const binds = (row: ApprovalRow, action: string, payload: unknown) =>
    row.action === action && isKeyVersion(row.key_version) && row.payload_mac === mac(action, payload, row.key_version);

  const targetOf = (subject: ApprovalSubject) => {
    const target = actions.target(subject);
    return { targetStaff: target.staffId, targetMember: target.memberId };
  };
  const auditTarget = (subject: ApprovalSubject) => {
    const target = actions.target(subject);
    return target.staffId ?? target.memberId;
  };
  /** A queued (or kept) payload, parsed back with its action's own schema; null when unreadable. */
  const storedCall = (row: ApprovalRow): RestrictedCall | null => {
    if (row.payload_json === null) return null;
    const parsed = RestrictedCall.safeParse({ action: row.action, payload: JSON.parse(row.payload_json) });
    return parsed.success ? parsed.data : null;
  };

  /** Monotonic deadlines of the approvals and requests this process created. */
  const deadlineMs = new Map<string, number>();
  const startLifetime = (id: string, seconds: number) => deadlineMs.set(id, deps.monotonicMs() + seconds * 1000);

  /**
   * Lifetimes run in real time, whatever is done to the system clock meanwhile. A row from before
   * a restart has only wall-clock times: one created "in the future" (the clock was set back since)
   * has an expiry that cannot be trusted, so it counts as lapsed.
   */
  function hasLapsed(row: ApprovalRow): boolean {
    if (row.expires_at === null) return false;
    const deadline = deadlineMs.get(row.id);
    if (deadline !== undefined) return deps.monotonicMs() >= deadline;
    const now = deps.now().toISOString();
    return row.expires_at <= now || row.requested_at > now;
  }

  /**
   * Proofs sealed at grant time, until their approval is spent. Only in memory, never written: an
   * approval lives two minutes, and one granted before a restart is simply asked for again.
   */
  const sealedProofs = new Map<string, StaffProof>();
  /** A paired till spends an approval HQ will hear of only with its proof, or HQ would refuse the op. */
  const hasProofIfNeeded = (row: ApprovalRow) =>
    !PROVEN_ACTIONS.includes(row.action) || !deps.proofs.paired() || sealedProofs.has(row.id);

  const precheck = <A extends RestrictedAction>(call: CallOf<A>, session: Session) => actions.precheck(call, session);

  /**
   * Four-eyes (shared/approvals/second-approver.ts): the manager who asked may approve their own
   * correction only up to the store's threshold. Refused before anything is written, and audited.
   */
  function requireSecondApprover<A extends RestrictedAction>(call: CallOf<A>, requestedBy: string, managerId: string) {
    if (managerId !== requestedBy) return;
    const points = actions.pointsMoved(call);
    if (points === null || !needsSecondApprover(points, deps.secondApproverAbovePoints())) return;
    db.transaction(() =>
      audit.append({
        staffId: managerId,
        action: 'approval.refused',
        details: { action: call.action, reason: 'second_approver_required' },
      }),
    ).immediate();
    throw new AppError(
      'second_approver_required',
      'A correction this large needs the approval of a manager other than the one who asked.',
    );
  }

  const earnPoints = db.prepare<[string], { points: number }>('SELECT points FROM ledger WHERE op_id = ?');

  /**
   * The points a queued points action will move, read from its stored payload: an adjustment's
   * own figure, or minus the points of the earn or redemption a reversal undoes.
   */
  function pointsOf(row: ApprovalRow): number | null {
    const call = storedCall(row);
    if (call?.action === 'points.adjust') return call.payload.points;
    if (call?.action === 'points.reverse') {
      const earn = earnPoints.get(call.payload.opId);
      return earn ? -earn.points : null;
    }
    return null;
  }

  function toEntry(row: ApprovalRow): QueueEntry {
    return {
      approvalId: row.id,
      action: row.action,
      targetStaffId: row.target_staff_id,
      targetMemberId: row.target_member_id,
      targetName: row.target_staff_id
        ? deps.staffName(row.target_staff_id)
        : row.target_member_id
          ? deps.memberName(row.target_member_id)
          : null,
      points: pointsOf(row),
      reasonCode: row.reason_code,
      reasonText: row.reason_text,
      requestedBy: row.requested_by,
      requestedByName: deps.staffName(row.requested_by) ?? row.requested_by,
      requestedAt: row.requested_at,
      status: (row.status === 'approved' || row.status === 'pending') && hasLapsed(row) ? 'expired' : row.status,
      decidedBy: row.decided_by,
      decidedAt: row.decided_at,
    };
  }

  function isUsable(
    row: ApprovalRow | undefined,
    action: string,
    payload: unknown,
    session: Session,
  ): row is ApprovalRow {
    return (
      row !== undefined &&
      row.status === 'approved' &&
      binds(row, action, payload) &&
      row.requested_by === session.staffId &&
      row.expires_at !== null &&
      !hasLapsed(row) &&
      hasProofIfNeeded(row)
    );
  }

  /**
   * Why an approval cannot authorise this action, as the audit entry's reason code (the caller
   * hears approval_invalid either way): a reused approval is not an expired one, nor a wrong PIN.
   */
  function refusalReason(row: ApprovalRow | undefined, action: string, payload: unknown, session: Session) {
    if (row === undefined) return 'not_found';
    if (row.status === 'used') return 'already_used';
    if (row.status === 'denied') return 'denied';
    if (row.status === 'pending') return 'pending';
    if (row.status === 'expired' || row.expires_at === null || hasLapsed(row)) return 'expired';
    if (row.requested_by !== session.staffId) return 'not_requester';
    if (!binds(row, action, payload)) return 'other_action';
    return 'proof_missing';
  }

  function refuse(approvalId: string, action: string, payload: unknown, session: Session): never {
    const row = byId.get(approvalId);
    const reason = refusalReason(row, action, payload, session);
    db.transaction(() =>
      audit.append({
        staffId: session.staffId,
        action: 'approval.refused',
        subjectType: 'approval',
        subjectId: approvalId,
        details: { action, reason, ...(row?.decided_by ? { approverId: row.decided_by } : {}) },
      }),
    ).immediate();
    throw invalid();
  }

  /** Refuses (and audits) an approval that cannot authorise this exact action, before any work. */
  function check(approvalId: string, action: RestrictedAction, payload: unknown, session: Session) {
    if (!isUsable(byId.get(approvalId), action, payload, session)) refuse(approvalId, action, payload, session);
  }

  /** Spends the approval; call inside the action's transaction (it re-checks there). */
  function consume(approvalId: string, action: RestrictedAction, payload: unknown, session: Session): ApprovalContext {
    const row = byId.get(approvalId);
    if (!isUsable(row, action, payload, session)) throw invalid();
    markUsed.run(deps.now().toISOString(), approvalId);
    audit.append({
      staffId: session.staffId,
      action: 'approval.used',
      subjectType: 'approval',
      subjectId: approvalId,
      details: { action },
    });
    return {
      requestedBy: row.requested_by,
      approvedBy: row.decided_by ?? '',
      approvalId: row.id,
      reasonCode: row.reason_code,
      actor: session.staffId,
      staffProof: sealedProofs.get(row.id) ?? null,
    };
  }

  return {
    /** On the spot: the manager types their PIN at this till; returns a single-use approval. */
    async grant(
      request: { subject: ApprovalSubject; managerId: string; pin: string },
      session: Session,
      commit: Commit = immediately(db),
    ) {
      precheck(request.subject, session);
      // The cashier signed in is the actor of every entry this writes; the manager is the approver.
      const manager = await authenticator.verify(request.managerId, request.pin, 'approval', session.staffId);
      const { subject } = request;
      // A temporary PIN proves nothing yet (someone else chose it): it cannot approve.
      if (manager.role !== 'manager' || manager.must_change_pin === 1) {
        db.transaction(() =>
          audit.append({
            staffId: session.staffId,
            action: 'approval.refused',
            details: {
              action: subject.action,
              reason: manager.role !== 'manager' ? 'not_manager' : 'temporary_pin',
              approverId: manager.id,
            },
          }),
        ).immediate();
        throw new AppError('permission_denied', 'Only a store manager can approve this.');
      }
      requireSecondApprover(subject, session.staffId, manager.id);
      const id = uuidv7(deps.now().getTime());
      const at = deps.now();
      const expiresAt = new Date(at.getTime() + APPROVAL_TTL_SECONDS * 1000).toISOString();
      const staffProof = sealApprovalProof(deps.proofs, subject, {
        approvalId: id,
        approvedBy: manager.id,
        pin: request.pin,
      });
      for (const held of sealedProofs.keys()) if (byId.get(held)?.status !== 'approved') sealedProofs.delete(held);
      return commit(() => {
        insert.run({
          id,
          action: subject.action,
          mac: mac(subject.action, subject.payload),
          // Secret-free payloads are kept so the history can say what was approved (the points moved);
          // a PIN reset's payload holds the temporary PIN and is never stored.
          payloadJson: QUEUEABLE_ACTIONS.includes(subject.action) ? canonicalJson(subject.payload) : null,
          ...targetOf(subject),
          reasonCode: subject.reasonCode,
          reasonText: subject.reasonText ?? null,
          requestedBy: session.staffId,
          at: at.toISOString(),
          status: 'approved',
          decidedBy: manager.id,
          decidedAt: at.toISOString(),
          expiresAt,
        });
        startLifetime(id, APPROVAL_TTL_SECONDS);
        if (staffProof) sealedProofs.set(id, staffProof);
        const points = actions.pointsMoved(subject);
        audit.append({
          staffId: session.staffId,
          action: 'approval.granted',
          subjectType: 'approval',
          subjectId: id,
          details: {
            action: subject.action,
            reasonCode: subject.reasonCode,
            requestedBy: session.staffId,
            approverId: manager.id,
            target: auditTarget(subject),
            ...(points !== null ? { points } : {}),
          },
        });
        return { approvalId: id, expiresAt };
      });
    },

    /**
     * On the spot: runs a restricted action with the approval granted for it. The action's own
     * checks and the approval's come first (a refusal is audited in a transaction of its own, so
     * they run before the write's); the approval is spent inside the action's transaction.
     */
    async runGranted<A extends RestrictedAction>(
      approvalId: string,
      call: CallOf<A>,
      session: Session,
      commit: Commit = immediately(db),
    ): Promise<ResponseData<A>> {
      precheck(call, session);
      check(approvalId, call.action, call.payload, session);
      const apply = await actions.prepare(call);
      return commit(() => apply(consume(approvalId, call.action, call.payload, session)));
    },

    /** Later: the request waits in the queue until a manager decides. Only secret-free payloads may wait. */
    request(subject: ApprovalSubject, session: Session) {
      if (!QUEUEABLE_ACTIONS.includes(subject.action)) {
        throw new AppError(
          'approval_not_queueable',
          'This action needs a manager at the till now; it cannot wait in the queue.',
        );
      }
      precheck(subject, session);
      const id = uuidv7(deps.now().getTime());
      db.transaction(() => {
        insert.run({
          id,
          action: subject.action,
          mac: mac(subject.action, subject.payload),
          payloadJson: canonicalJson(subject.payload),
          ...targetOf(subject),
          reasonCode: subject.reasonCode,
          reasonText: subject.reasonText ?? null,
          requestedBy: session.staffId,
          at: deps.now().toISOString(),
          status: 'pending',
          decidedBy: null,
          decidedAt: null,
          // DESIGN §4 wants approvals short-lived: a request nobody decided within a day lapses.
          expiresAt: new Date(deps.now().getTime() + QUEUE_TTL_SECONDS * 1000).toISOString(),
        });
        startLifetime(id, QUEUE_TTL_SECONDS);
        audit.append({
          staffId: session.staffId,
          action: 'approval.requested',
          subjectType: 'approval',
          subjectId: id,
          details: { action: subject.action, reasonCode: subject.reasonCode, target: auditTarget(subject) },
        });
      }).immediate();
      return { approvalId: id };
    },

    list(status: 'pending' | 'all' = 'pending') {
      return { entries: list[status].all().map(toEntry) };
    },

    /** A manager decides a queued request with their own PIN; approving runs the action at once. */
    async decide(
      request: { approvalId: string; decision: 'approve' | 'deny'; pin: string },
      session: Session,
      commit: Commit = immediately(db),
    ) {
      const manager = await authenticator.verify(session.staffId, request.pin, 'approval');
      const row = byId.get(request.approvalId);
      /** A decision refused, audited with its reason before the caller hears of it. */
      const refuseDecision = (reason: string, error: AppError): never => {
        db.transaction(() =>
          audit.append({
            staffId: session.staffId,
            action: 'approval.refused',
            ...(row ? { subjectType: 'approval', subjectId: row.id } : {}),
            details: { ...(row ? { action: row.action } : {}), reason },
          }),
        ).immediate();
        throw error;
      };
      if (manager.role !== 'manager' || manager.must_change_pin === 1) {
        refuseDecision(
          manager.role !== 'manager' ? 'not_manager' : 'temporary_pin',
          new AppError('permission_denied', 'Only a store manager can approve this.'),
        );
      }
      const lapsed = row !== undefined && hasLapsed(row);
      if (!row || row.status !== 'pending' || row.payload_json === null || lapsed) {
        const reason = !row
          ? 'not_found'
          : lapsed || row.status === 'expired'
            ? 'expired'
            : row.status === 'denied'
              ? 'denied'
              : row.status === 'pending'
                ? 'other_action'
                : 'already_used';
        return refuseDecision(reason, invalid());
      }
      const at = deps.now().toISOString();
      // Approving runs exactly what was asked: the stored payload, parsed with its action's own
      // schema, still matching the MAC taken when it was asked.
      const call = request.decision === 'approve' ? storedCall(row) : null;
      if (call && (!QUEUEABLE_ACTIONS.includes(call.action) || !binds(row, call.action, call.payload))) {
        throw invalid();
      }
      if (call) requireSecondApprover(call, row.requested_by, manager.id);
      // Sealed now, while the deciding manager's PIN is in hand (it is never kept).
      const staffProof = call
        ? sealApprovalProof(deps.proofs, call, { approvalId: row.id, approvedBy: manager.id, pin: request.pin })
        : null;
      const apply = call ? await actions.prepare(call) : null;
      const decideIn = () => {
        const fresh = byId.get(request.approvalId);
        if (fresh?.status !== 'pending') throw invalid();
        if (request.decision === 'deny') {
          decide.run('denied', manager.id, at, row.id);
          audit.append({
            staffId: manager.id,
            action: 'approval.denied',
            subjectType: 'approval',
            subjectId: row.id,
            details: { action: row.action },
          });
          return;
        }
        if (!apply) throw invalid();
        decide.run('used', manager.id, at, row.id);
        markUsed.run(at, row.id);
        const points = pointsOf(row);
        audit.append({
          staffId: manager.id,
          action: 'approval.granted',
          subjectType: 'approval',
          subjectId: row.id,
          details: {
            action: row.action,
            reasonCode: row.reason_code,
            requestedBy: row.requested_by,
            approverId: manager.id,
            target: row.target_staff_id ?? row.target_member_id,
            ...(points !== null ? { points } : {}),
          },
        });
        audit.append({
          staffId: manager.id,
          action: 'approval.used',
          subjectType: 'approval',
          subjectId: row.id,
          details: { action: row.action },
        });
        apply({
          requestedBy: row.requested_by,
          approvedBy: manager.id,
          approvalId: row.id,
          reasonCode: row.reason_code,
          actor: manager.id,
          staffProof,
        });
      };
      // The decision and its answer in one transaction, so the answer recorded is the one given.
      return commit(() => {
        decideIn();
        const updated = byId.get(row.id);
        if (!updated) throw invalid();
        return toEntry(updated);
      });
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
