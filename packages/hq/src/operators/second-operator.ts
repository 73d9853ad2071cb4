import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../../../src/shared/canonical-json';
import type { Queryable } from '../db/database';
import type { OperatorAuditLog } from './operator-audit';
import { Operation, OperatorAccessError, may, needsSecondOperator, readOperatorRoles } from './roles';

/**
 * Second-operator approval of sensitive operations (roles.ts SECOND_OPERATOR_OPERATIONS), as a
 * store manager approves at the till: one operator asks, another who may do the same operation
 * approves, and the requester then does exactly what was approved, once. The approval is bound to
 * the request by an HMAC of its canonical JSON, so approving "erase member A" cannot be spent on
 * member B. The payload is kept (ids only) so the approver sees what they approve, and its HMAC is
 * checked again at every step, so a payload edited in the table is refused. Every step is recorded
 * in the operator audit in the caller's transaction.
 */
export const APPROVAL_TTL_MS = 30 * 60 * 1000;

export interface SecondOperatorDeps {
  audit: OperatorAuditLog;
  /** Binds approvals to payloads; HQ's secret, at least 32 bytes, never stored with the approvals. */
  payloadKey: Buffer;
  now: () => Date;
}

const idText = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);

/**
 * The operation's own arguments as ids, codes and counts (memberId, deviceId, operatorId and
 * roles…): they are stored and shown to the approver, so never names or contacts. `operatorId`
 * names the operator the request is about (roles.change): that operator cannot approve it.
 */
export const ApprovalPayload = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
    z.union([idText, z.array(idText).max(16), z.number().int().safe(), z.boolean(), z.null()]),
  )
  .refine((payload) => Object.keys(payload).length <= 16, { message: 'too_many_fields' });
export type ApprovalPayload = z.infer<typeof ApprovalPayload>;

const ApprovalRequest = z.strictObject({
  operatorId: z.string().min(1).max(128),
  operation: Operation,
  payload: ApprovalPayload,
});

/** HMAC-SHA256 over the canonical JSON (RFC 8785) of the operation and its payload, hex. */
export function approvalPayloadHash(key: Buffer, operation: Operation, payload: ApprovalPayload): string {
  if (key.length < 32) throw new TypeError('the approval payload key must be at least 32 bytes');
  return createHmac('sha256', key).update(canonicalJson({ operation, payload })).digest('hex');
}

interface ApprovalRow {
  id: string;
  operation: string;
  requested_by: string;
  payload: unknown;
  payload_hash: string;
  expires_at: Date;
  approved_by: string | null;
  used_at: Date | null;
}

const sameHash = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
};

/** The row under a lock, with its stored payload checked against its HMAC. */
async function lockApproval(
  tx: Queryable,
  key: Buffer,
  approvalId: string,
): Promise<{ row: ApprovalRow; operation: Operation; payload: ApprovalPayload }> {
  const found = await tx.query<ApprovalRow>(
    `SELECT id, operation, requested_by, payload, payload_hash, expires_at, approved_by, used_at
       FROM operator_approvals WHERE id = $1 FOR UPDATE`,
    [approvalId],
  );
  const row = found.rows[0];
  if (!row) throw new OperatorAccessError('approval_not_found', `No approval ${approvalId}.`);
  const operation = Operation.safeParse(row.operation);
  const payload = ApprovalPayload.safeParse(typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload);
  if (
    !operation.success ||
    !payload.success ||
    !sameHash(approvalPayloadHash(key, operation.data, payload.data), row.payload_hash)
  ) {
    throw new OperatorAccessError('approval_mismatch', `Approval ${approvalId} was altered after it was asked for.`);
  }
  return { row, operation: operation.data, payload: payload.data };
}

const expired = (row: ApprovalRow, now: Date): boolean => new Date(row.expires_at).getTime() <= now.getTime();

/** Asks for a second operator's approval of `operation` with `payload`; the requester must may() it. */
export async function requestApproval(
  tx: Queryable,
  deps: SecondOperatorDeps,
  request: z.input<typeof ApprovalRequest>,
): Promise<{ approvalId: string; expiresAt: Date }> {
  const parsed = ApprovalRequest.safeParse(request);
  if (!parsed.success)
    throw new OperatorAccessError('invalid_argument', 'The approval request does not match the schema.');
  const { operatorId, operation, payload } = parsed.data;
  if (!needsSecondOperator(operation)) {
    throw new OperatorAccessError('invalid_argument', `${operation} needs no second operator.`);
  }
  if (!may(await readOperatorRoles(tx, operatorId), operation)) {
    throw new OperatorAccessError('forbidden', `Operator ${operatorId} may not ${operation}.`);
  }
  const now = deps.now();
  const approvalId = randomUUID();
  const expiresAt = new Date(now.getTime() + APPROVAL_TTL_MS);
  await tx.query(
    `INSERT INTO operator_approvals (id, operation, requested_by, payload, payload_hash, requested_at, expires_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
    [
      approvalId,
      operation,
      operatorId,
      canonicalJson(payload),
      approvalPayloadHash(deps.payloadKey, operation, payload),
      now,
      expiresAt,
    ],
  );
  await deps.audit.append(tx, {
    operatorId,
    action: 'approval.requested',
    subjectType: 'approval',
    subjectId: approvalId,
    details: { operation },
  });
  return { approvalId, expiresAt };
}

/**
 * `approverId` approves a pending request: never the requester's own nor one about the approver
 * (payload.operatorId), only by an operator who may do the operation themselves, only before it
 * expires, and only once.
 */
export async function approveRequest(
  tx: Queryable,
  deps: SecondOperatorDeps,
  approvalId: string,
  approverId: string,
): Promise<{ operation: Operation; requestedBy: string; payload: ApprovalPayload }> {
  const { row, operation, payload } = await lockApproval(tx, deps.payloadKey, approvalId);
  const now = deps.now();
  if (row.requested_by === approverId || payload.operatorId === approverId) {
    throw new OperatorAccessError('approval_self', `Operator ${approverId} cannot approve ${approvalId}.`);
  }
  if (row.approved_by !== null) {
    throw new OperatorAccessError('approval_already_decided', `Approval ${approvalId} is already approved.`);
  }
  if (expired(row, now)) throw new OperatorAccessError('approval_expired', `Approval ${approvalId} expired.`);
  if (!may(await readOperatorRoles(tx, approverId), operation)) {
    throw new OperatorAccessError('forbidden', `Operator ${approverId} may not approve ${operation}.`);
  }
  await tx.query('UPDATE operator_approvals SET approved_by = $2, approved_at = $3 WHERE id = $1', [
    approvalId,
    approverId,
    now,
  ]);
  await deps.audit.append(tx, {
    operatorId: approverId,
    action: 'approval.granted',
    subjectType: 'approval',
    subjectId: approvalId,
    details: { operation, requestedBy: row.requested_by },
  });
  return { operation, requestedBy: row.requested_by, payload };
}

/**
 * Spends an approval: the requester, doing the very operation and payload that were approved,
 * before it expires, once. Call it in the transaction that does the operation, so a failed
 * operation leaves the approval unspent. Returns who approved it.
 */
export async function useApproval(
  tx: Queryable,
  deps: SecondOperatorDeps,
  approvalId: string,
  request: z.input<typeof ApprovalRequest>,
): Promise<{ approvedBy: string }> {
  const parsed = ApprovalRequest.safeParse(request);
  if (!parsed.success)
    throw new OperatorAccessError('invalid_argument', 'The approved request does not match the schema.');
  const { operatorId, operation, payload } = parsed.data;
  const { row } = await lockApproval(tx, deps.payloadKey, approvalId);
  const now = deps.now();
  const samePayload = sameHash(approvalPayloadHash(deps.payloadKey, operation, payload), row.payload_hash);
  if (row.requested_by !== operatorId || row.operation !== operation || !samePayload) {
    throw new OperatorAccessError('approval_mismatch', `Approval ${approvalId} is for another request.`);
  }
  if (row.approved_by === null) {
    throw new OperatorAccessError('approval_not_approved', `Approval ${approvalId} is not approved yet.`);
  }
  if (row.used_at !== null) throw new OperatorAccessError('approval_used', `Approval ${approvalId} was used.`);
  if (expired(row, now)) throw new OperatorAccessError('approval_expired', `Approval ${approvalId} expired.`);
  if (!may(await readOperatorRoles(tx, operatorId), operation)) {
    throw new OperatorAccessError('forbidden', `Operator ${operatorId} may not ${operation}.`);
  }
  await tx.query('UPDATE operator_approvals SET used_at = $2 WHERE id = $1', [approvalId, now]);
  await deps.audit.append(tx, {
    operatorId,
    action: 'approval.used',
    subjectType: 'approval',
    subjectId: approvalId,
    details: { operation, approvedBy: row.approved_by },
  });
  return { approvedBy: row.approved_by };
}

/** Requests still waiting for a second operator, oldest first, with what each asks for. */
export async function listPendingApprovals(
  q: Queryable,
  now: Date,
): Promise<
  {
    approvalId: string;
    operation: Operation;
    requestedBy: string;
    payload: ApprovalPayload;
    requestedAt: Date;
    expiresAt: Date;
  }[]
> {
  const found = await q.query<{
    id: string;
    operation: string;
    requested_by: string;
    payload: unknown;
    requested_at: Date;
    expires_at: Date;
  }>(
    `SELECT id, operation, requested_by, payload, requested_at, expires_at FROM operator_approvals
      WHERE approved_at IS NULL AND expires_at > $1 ORDER BY requested_at, id`,
    [now],
  );
  return found.rows.map((row) => ({
    approvalId: row.id,
    operation: Operation.parse(row.operation),
    requestedBy: row.requested_by,
    payload: ApprovalPayload.parse(typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload),
    requestedAt: new Date(row.requested_at),
    expiresAt: new Date(row.expires_at),
  }));
}
