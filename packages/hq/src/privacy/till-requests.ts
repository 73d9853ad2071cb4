import { MemberExport, type MemberExport as MemberExportDocument } from '../../../../src/shared/privacy/member-export';
import type { MemberDataRequest, MemberDataResponse } from '../../../../src/shared/sync/protocol';
import type { HqDatabase, Queryable } from '../db/database';
import { checkDeviceHead } from '../devices/rollback';
import { HqHttpError } from '../errors';
import type { OperatorAuditLog } from '../operators/operator-audit';
import type { AuthenticatedDevice } from '../push/push';
import { ProofBudgetSpent, checkMemberDataProof } from '../push/staff-proof';
import { buildMemberExport, memberExportState } from './member-export';
import type { DataKeys } from '../keys/data-keys';
import { openExportDocument, openMemberContacts, sealExportDocument } from '../keys/sealed-columns';
import { readPrivacyPolicy } from './policy';

/**
 * A till asks, for a member at its counter, for what only HQ holds (issue 13): the member's
 * data-subject export (GDPR Art. 15/20), or their full contacts to reveal. The till is no trust
 * boundary (docs/SECURITY.md), so the request carries the asking manager's own PIN sealed for HQ,
 * checked against HQ's roster before anything about the member is read.
 *
 * In one transaction, under the device's row lock (as a push holds it: one device's proofs are
 * counted and checked one at a time): the proof, the member, the request's record by its id
 * (till_member_requests), for an export the document and its member_exports row, and the operator
 * audit entry (no operator: operatorId null). A retry with the same id and the same request is
 * answered again (an export with the document stored the first time) and recorded and audited once;
 * the same id for another request is refused. Contacts are read for the answer and never stored.
 */

export interface TillRequestDeps {
  db: HqDatabase;
  now: () => Date;
  /** The operator audit chain (its key derives from HQ's key root, keys/data-keys.ts). */
  audit: OperatorAuditLog;
  /** HQ's data keys: contacts and stored export documents are sealed (keys/sealed-columns.ts). */
  keys: DataKeys;
}

type Refusal = Extract<MemberDataResponse, { kind: 'refused' }>;
const refuse = (reason: Refusal['reason']): Refusal => ({ kind: 'refused', reason });

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the record keeps as the request's reason: an export's purpose or a reveal's reason code. */
const reasonOf = (request: MemberDataRequest): string =>
  request.kind === 'export' ? request.purpose : request.reasonCode;

interface RecordedRequest {
  device_id: string;
  staff_id: string;
  member_id: string;
  kind: string;
  reason_code: string;
}

/** The till's request answered (or refused). Throws HqHttpError for a revoked device or a spent proof budget. */
export async function answerTillMemberRequest(
  deps: TillRequestDeps,
  device: AuthenticatedDevice,
  request: MemberDataRequest,
): Promise<MemberDataResponse> {
  const receivedAt = deps.now();
  try {
    return await deps.db.transaction((tx) => answer(tx, deps, device, request, receivedAt));
  } catch (error) {
    if (error instanceof ProofBudgetSpent) {
      throw new HqHttpError(
        'too_many_requests',
        'Too many staff proofs from this device could not be confirmed; try again later.',
        [],
        { retryAfterSeconds: 600 },
      );
    }
    throw error;
  }
}

async function answer(
  tx: Queryable,
  deps: TillRequestDeps,
  device: AuthenticatedDevice,
  request: MemberDataRequest,
  receivedAt: Date,
): Promise<MemberDataResponse> {
  // The device lock: a push of this device and its other requests wait, so the proof budget counts
  // exactly and a double send of one request id finds the first one's record.
  const locked = await tx.query<{ revoked_at: Date | null }>(
    'SELECT revoked_at FROM devices WHERE id = $1 FOR UPDATE',
    [device.deviceId],
  );
  if (locked.rows[0]?.revoked_at !== null) throw new HqHttpError('device_revoked', 'This device has been revoked.');
  // A till HQ flagged as restored from an old copy (devices/rollback.ts) gets no member's contacts or
  // export. Only the flag is checked here: this request's head is read by the till's main process
  // while its sync worker pushes, so HQ may already hold more than it says, honestly; push and
  // pull, whose heads come with what they carry, are where a restore is caught.
  await checkDeviceHead(tx, device, undefined);

  const ctx = { deviceId: device.deviceId, storeId: device.storeId, receivedAt, keys: deps.keys };
  // Before anything about the member: an unproven request learns not even whether the member exists.
  const proof = await checkMemberDataProof(tx, ctx, request);
  if (proof !== null) return refuse(proof);

  const state = await memberExportState(tx, request.memberId);
  if (state === 'not_found') return refuse('member_not_found');
  if (state === 'erased') return refuse('member_erased');

  const recorded = (
    await tx.query<RecordedRequest>(
      'SELECT device_id, staff_id, member_id, kind, reason_code FROM till_member_requests WHERE request_id = $1',
      [request.requestId],
    )
  ).rows[0];
  if (recorded) {
    const same =
      recorded.device_id === device.deviceId &&
      recorded.staff_id === request.requestedBy &&
      recorded.member_id === request.memberId &&
      recorded.kind === request.kind &&
      recorded.reason_code === reasonOf(request);
    if (!same) return refuse('request_id_reused');
    return request.kind === 'export'
      ? storedExport(tx, deps.keys, request.requestId)
      : contactsOf(tx, deps.keys, request.memberId);
  }

  if (request.kind === 'export') {
    // The export's id is the till's request id (the member quotes it back as the reference); an id a
    // console export already has is another request's.
    const taken = await tx.query('SELECT 1 FROM member_exports WHERE id = $1', [request.requestId]);
    if (taken.rows.length > 0) return refuse('request_id_reused');
  }
  await tx.query(
    `INSERT INTO till_member_requests (request_id, device_id, staff_id, member_id, kind, reason_code, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      request.requestId,
      device.deviceId,
      request.requestedBy,
      request.memberId,
      request.kind,
      reasonOf(request),
      receivedAt,
    ],
  );
  const via = { via: 'till', deviceId: device.deviceId, staffId: request.requestedBy };

  if (request.kind === 'contacts') {
    await deps.audit.append(tx, {
      operatorId: null,
      action: 'member.reveal',
      subjectType: 'member',
      subjectId: request.memberId,
      // `reason`, as the console's reveal records it: the member's export shows it.
      details: { ...via, reason: request.reasonCode },
    });
    return contactsOf(tx, deps.keys, request.memberId);
  }

  const document = await buildMemberExport(tx, {
    memberId: request.memberId,
    exportId: request.requestId,
    purpose: request.purpose,
    now: receivedAt,
    keys: deps.keys,
    ...(request.language ? { language: request.language } : {}),
  });
  // memberExportState said 'ok' in this transaction, under the device lock; an erasure committing
  // in between is the one way here, and it leaves nothing to export.
  if (!document) return refuse('member_erased');
  const policy = await readPrivacyPolicy(tx);
  await tx.query(
    `INSERT INTO member_exports (id, member_id, purpose, source, device_id, staff_id, created_at, expires_at, document)
     VALUES ($1, $2, $3, 'till', $4, $5, $6, $7, $8::jsonb)`,
    [
      request.requestId,
      request.memberId,
      request.purpose,
      device.deviceId,
      request.requestedBy,
      receivedAt,
      new Date(receivedAt.getTime() + policy.exportRetentionDays * DAY_MS),
      sealExportDocument(deps.keys, request.requestId, document),
    ],
  );
  await deps.audit.append(tx, {
    operatorId: null,
    action: 'member.data_request',
    subjectType: 'member',
    subjectId: request.memberId,
    details: { ...via, purpose: request.purpose, exportId: request.requestId },
  });
  return { kind: 'export', document };
}

/** A retry of an export: the document made the first time, or export_expired once retention deleted it. */
async function storedExport(tx: Queryable, keys: DataKeys, exportId: string): Promise<MemberDataResponse> {
  const row = (
    await tx.query<{ document: unknown }>("SELECT document FROM member_exports WHERE id = $1 AND source = 'till'", [
      exportId,
    ])
  ).rows[0];
  if (!row || row.document === null) return refuse('export_expired');
  const stored = openExportDocument(keys, exportId, row.document);
  const document: MemberExportDocument = MemberExport.parse(stored);
  return { kind: 'export', document };
}

async function contactsOf(tx: Queryable, keys: DataKeys, memberId: string): Promise<MemberDataResponse> {
  const row = (
    await tx.query<{ phone: string | null; email: string | null }>('SELECT phone, email FROM members WHERE id = $1', [
      memberId,
    ])
  ).rows[0];
  if (!row) return { kind: 'contacts', phone: null, email: null };
  return { kind: 'contacts', ...openMemberContacts(keys, memberId, row) };
}
