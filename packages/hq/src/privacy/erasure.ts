import { randomUUID } from 'node:crypto';
import { freshErasedSubject } from '../incidents/erased-subject';
import { logChange } from '../change-log';
import type { HqDatabase, Queryable } from '../db/database';
import { changeMember } from '../members/member-state';
import { scrubPayload, type Json } from '../../../../src/shared/sync/personal-data';
import { HqAdminError } from '../errors';
import { endWaitingConfirmations } from './consent-confirmation';
import { readPrivacyPolicy } from './policy';

/**
 * Erasure at HQ (GDPR Art. 17, CCPA delete; DESIGN §6), in two steps:
 *
 * 1. recordErasureRequest: the request is kept with where it came from and why. From then on the
 *    member is restricted (Art. 18): marketing consents are withdrawn at once, so no audience list
 *    holds them while the request waits. The hold is the chain's erasureHoldDays counted from the
 *    member's last transaction, the time a purchase may still be disputed; 0 days erases at once.
 * 2. eraseMember, when the hold has passed and no legal hold stands: the personal data goes; the
 *    ledger (amounts, dates, store, for liability) and the withdrawals (the proof the law asks for)
 *    stay under a random erased-subject token that nothing links back to the member; the stored op
 *    payloads lose their personal fields and their member id; confirmations, disclosure entries and
 *    export documents about the member go. The member row keeps its id and no personal data: it is
 *    the tombstone every till's pull carries.
 */

export type ErasureSource = 'till' | 'console' | 'retention';

export interface ErasureRequestInput {
  /** The till's op id, or the console request's id: a retry records nothing twice. */
  id: string;
  memberId: string;
  source: ErasureSource;
  reasonCode: string;
  storeId?: string | null;
  deviceId?: string | null;
  staffId?: string | null;
  operatorId?: string | null;
}

export type ErasureRequestOutcome =
  | { kind: 'member_not_found' }
  | { kind: 'already_erased'; erasedAt: Date }
  | {
      kind: 'recorded';
      /** The request that stands for the member: this one, or one recorded before and still pending. */
      requestId: string;
      dueAt: Date;
      /** Erased by this call (no hold, no legal hold), and what it changed. */
      erasedAt: Date | null;
      counts: ErasureCounts | null;
      legalHold: boolean;
    };

interface MemberLockRow {
  erased_at: Date | null;
  legal_hold_reason: string | null;
  marketing_email: boolean;
  marketing_sms: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Records a request to erase a member (in the caller's transaction) and erases at once when nothing holds it. */
export async function recordErasureRequest(
  tx: Queryable,
  input: ErasureRequestInput,
  now: Date,
): Promise<ErasureRequestOutcome> {
  // The member row lock every op takes first (members/member-state.ts lockMember).
  const member = (
    await tx.query<MemberLockRow>(
      'SELECT erased_at, legal_hold_reason, marketing_email, marketing_sms FROM members WHERE id = $1 FOR UPDATE',
      [input.memberId],
    )
  ).rows[0];
  if (!member) return { kind: 'member_not_found' };
  if (member.erased_at !== null) return { kind: 'already_erased', erasedAt: new Date(member.erased_at) };

  const standing = (
    await tx.query<{ id: string; due_at: Date }>(
      `SELECT id, due_at FROM erasure_requests WHERE member_id = $1 AND status = 'pending' ORDER BY requested_at LIMIT 1`,
      [input.memberId],
    )
  ).rows[0];
  let requestId: string;
  let dueAt: Date;
  if (standing) {
    requestId = standing.id;
    dueAt = new Date(standing.due_at);
  } else {
    const policy = await readPrivacyPolicy(tx);
    const last = (
      await tx.query<{ last: Date | null }>('SELECT max(at) AS last FROM ledger WHERE member_id = $1', [input.memberId])
    ).rows[0]?.last;
    const holdEnds = last ? new Date(new Date(last).getTime() + policy.erasureHoldDays * DAY_MS) : now;
    dueAt = holdEnds > now ? holdEnds : now;
    requestId = input.id;
    await tx.query(
      `INSERT INTO erasure_requests (id, member_id, source, reason_code, store_id, device_id, staff_id, operator_id,
         requested_at, due_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')`,
      [
        input.id,
        input.memberId,
        input.source,
        input.reasonCode,
        input.storeId ?? null,
        input.deviceId ?? null,
        input.staffId ?? null,
        input.operatorId ?? null,
        now,
        dueAt,
      ],
    );
    await endWaitingConfirmations(tx, input.memberId, now);
    if (member.marketing_email || member.marketing_sms) {
      await withdrawGranted(tx, input.memberId, 'erasure_request', now, ['marketing_email', 'marketing_sms']);
      await tx.query('UPDATE members SET marketing_email_confirmed_at = NULL WHERE id = $1', [input.memberId]);
      await changeMember(tx, input.memberId, now, { marketingEmail: false, marketingSms: false });
    }
  }
  const legalHold = member.legal_hold_reason !== null;
  if (legalHold || dueAt.getTime() > now.getTime())
    return { kind: 'recorded', requestId, dueAt, erasedAt: null, counts: null, legalHold };
  const counts = await eraseMember(tx, input.memberId, now);
  return { kind: 'recorded', requestId, dueAt, erasedAt: now, counts, legalHold };
}

/**
 * Adds a withdrawal record for each of `purposes` whose latest record is a grant: the proof that
 * the member's consent ended, and why (`channel`). Place and device are the grant's.
 */
async function withdrawGranted(
  tx: Queryable,
  memberId: string,
  channel: string,
  at: Date,
  purposes: readonly string[] | null,
): Promise<void> {
  const latest = await tx.query<{
    purpose: string;
    granted: boolean;
    notice_version: string;
    notice_language: string;
    store_id: string;
    device_id: string;
  }>(
    `SELECT DISTINCT ON (purpose) purpose, granted, notice_version, notice_language, store_id, device_id
       FROM consents WHERE member_id = $1 ORDER BY purpose, at DESC, op_id DESC`,
    [memberId],
  );
  for (const row of latest.rows) {
    if (!row.granted || (purposes !== null && !purposes.includes(row.purpose))) continue;
    await tx.query(
      `INSERT INTO consents (op_id, member_id, purpose, granted, notice_version, notice_language, channel, at, store_id, device_id, staff_id)
       VALUES ($1, $2, $3, false, $4, $5, $6, $7, $8, $9, NULL)`,
      [
        randomUUID(),
        memberId,
        row.purpose,
        row.notice_version,
        row.notice_language,
        channel,
        at,
        row.store_id,
        row.device_id,
      ],
    );
  }
}

/** What one erasure changed, for the audit entry (counts only). */
export interface ErasureCounts {
  ledgerRows: number;
  consentRowsKept: number;
  consentRowsDeleted: number;
  opsScrubbed: number;
}

/** Erases a locked, not yet erased member now, in the caller's transaction (see the file comment). */
export async function eraseMember(tx: Queryable, memberId: string, now: Date): Promise<ErasureCounts> {
  await tx.query(
    `UPDATE members SET erased_at = $2, card_number = NULL, given_name = '', family_name = '', phone = NULL,
       email = NULL, birth_date = NULL, phone_lookup = NULL, email_lookup = NULL, lookups_stale = false,
       marketing_email = false, marketing_sms = false, marketing_email_confirmed_at = NULL,
       legal_hold_reason = NULL, legal_hold_at = NULL, version = version + 1, updated_at = $2
     WHERE id = $1`,
    [memberId, now],
  );
  await logChange(tx, 'member', memberId, null, now);
  // 128 random bits: not derived from the member id, so no key or table turns one into the other.
  const token = freshErasedSubject();

  // Consents: only the latest withdrawal of each purpose stays (erasure itself withdraws the rest).
  await withdrawGranted(tx, memberId, 'erasure', now, null);
  const kept = await tx.query(
    `UPDATE consents SET member_id = NULL, erased_subject = $2
      WHERE op_id IN (SELECT DISTINCT ON (purpose) op_id FROM consents WHERE member_id = $1
                       ORDER BY purpose, at DESC, op_id DESC) RETURNING op_id`,
    [memberId, token],
  );
  const deleted = await tx.query('DELETE FROM consents WHERE member_id = $1 RETURNING op_id', [memberId]);
  const ledger = await tx.query(
    'UPDATE ledger SET member_id = NULL, erased_subject = $2 WHERE member_id = $1 RETURNING op_id',
    [memberId, token],
  );

  // By the payload's member id (index ops_payload_member): applied and refused ops alike (member_id
  // is set only on applied ones, and always to the payload's).
  const ops = await tx.query<{ device_id: string; seq: unknown; op_id: string; payload: { [key: string]: Json } }>(
    `SELECT device_id, seq, op_id::text AS op_id, payload FROM ops WHERE payload->>'memberId' = $1
      ORDER BY device_id, seq FOR UPDATE`,
    [memberId],
  );
  for (const op of ops.rows) {
    // An enrolment's op id is the member id (the till's retry key, which stays): naming the token in
    // that row would tie the token back to the member, so it names nobody.
    const scrubbed = { ...scrubPayload(op.payload), memberId: op.op_id === memberId ? null : token };
    await tx.query(
      `UPDATE ops SET payload = $3::jsonb, member_id = NULL, member_version = NULL, member_points = NULL
        WHERE device_id = $1 AND seq = $2`,
      [op.device_id, op.seq, JSON.stringify(scrubbed)],
    );
  }

  // The tills' audit entries and the alerts and incidents built from them (issue 14) keep what was
  // done, under the token: subject, any detail naming the member, alert and incident member lists.
  await tx.query(`UPDATE till_audit SET subject_id = $2 WHERE subject_type = 'member' AND subject_id = $1`, [
    memberId,
    token,
  ]);
  await tx.query(
    `UPDATE till_audit SET details = (
       SELECT jsonb_object_agg(e.key, CASE
           WHEN e.value = to_jsonb($1::text) THEN to_jsonb($2::text)
           -- A search's listed members: ids joined by ',' (src/main/detection/access-audit.ts).
           WHEN e.key = 'memberIds' AND jsonb_typeof(e.value) = 'string' THEN to_jsonb(array_to_string(ARRAY(
             SELECT CASE WHEN l.id = $1 THEN $2 ELSE l.id END
               FROM unnest(string_to_array(e.value #>> '{}', ',')) WITH ORDINALITY AS l(id, n) ORDER BY l.n), ','))
           ELSE e.value END)
         FROM jsonb_each(details) AS e)
      WHERE strpos(details::text, $1) > 0`,
    [memberId, token],
  );
  await tx.query(
    `UPDATE detection_alerts SET member_ids = (
       SELECT jsonb_agg(CASE WHEN e.value = to_jsonb($1::text) THEN to_jsonb($2::text) ELSE e.value END ORDER BY e.n)
         FROM jsonb_array_elements(member_ids) WITH ORDINALITY AS e(value, n))
      WHERE member_ids @> jsonb_build_array($1::text)`,
    [memberId, token],
  );
  await tx.query('UPDATE incident_members SET member_id = $2 WHERE member_id = $1', [memberId, token]);
  await tx.query('DELETE FROM consent_confirmations WHERE member_id = $1', [memberId]);
  await tx.query('DELETE FROM disclosure_members WHERE member_id = $1', [memberId]);
  await tx.query(
    'UPDATE member_exports SET document = NULL, deleted_at = $2 WHERE member_id = $1 AND document IS NOT NULL',
    [memberId, now],
  );
  await tx.query(
    `UPDATE erasure_requests SET status = 'completed', completed_at = $2 WHERE member_id = $1 AND status = 'pending'`,
    [memberId, now],
  );
  return {
    ledgerRows: ledger.rows.length,
    consentRowsKept: kept.rows.length,
    consentRowsDeleted: deleted.rows.length,
    opsScrubbed: ops.rows.length,
  };
}

/** Erases every member whose request's hold has ended and who is not on legal hold; one transaction each. */
export async function eraseDueMembers(
  db: HqDatabase,
  now: Date,
  onErased?: (tx: Queryable, memberId: string, requestId: string, counts: ErasureCounts) => Promise<void>,
): Promise<number> {
  const due = await db.query<{ id: string; member_id: string }>(
    `SELECT r.id, r.member_id FROM erasure_requests r JOIN members m ON m.id = r.member_id
      WHERE r.status = 'pending' AND r.due_at <= $1 AND m.legal_hold_reason IS NULL ORDER BY r.due_at, r.id`,
    [now],
  );
  let erased = 0;
  for (const request of due.rows) {
    const done = await db.transaction(async (tx) => {
      const member = (
        await tx.query<{ erased_at: Date | null; legal_hold_reason: string | null }>(
          'SELECT erased_at, legal_hold_reason FROM members WHERE id = $1 FOR UPDATE',
          [request.member_id],
        )
      ).rows[0];
      // Re-read under the lock: a legal hold or another process's run may have come in between.
      if (!member || member.erased_at !== null || member.legal_hold_reason !== null) return false;
      const counts = await eraseMember(tx, request.member_id, now);
      await onErased?.(tx, request.member_id, request.id, counts);
      return true;
    });
    if (done) erased += 1;
  }
  return erased;
}

export interface ErasureResult {
  memberId: string;
  /** erased: by this request; pending: held (erasure hold or legal hold); already_erased: nothing done. */
  status: 'erased' | 'pending' | 'already_erased';
  requestId: string | null;
  dueAt: Date | null;
  erasedAt: Date | null;
  legalHold: boolean;
  /** Stored op payloads scrubbed by this request. */
  opsScrubbed: number;
}

/** An operator's erasure request in its own transaction (what the console's handler does in its own). */
export async function requestErasure(
  deps: { db: HqDatabase; now?: () => Date },
  memberId: string,
  options: { id?: string; reasonCode?: string; operatorId?: string | null } = {},
): Promise<ErasureResult> {
  const now = deps.now?.() ?? new Date();
  const outcome = await deps.db.transaction((tx) =>
    recordErasureRequest(
      tx,
      {
        id: options.id ?? randomUUID(),
        memberId,
        source: 'console',
        reasonCode: options.reasonCode ?? 'customer_request',
        operatorId: options.operatorId ?? null,
      },
      now,
    ),
  );
  return erasureResult(memberId, outcome);
}

/** The answer for one request's outcome; a member HQ does not know is the caller's error to raise. */
export function erasureResult(memberId: string, outcome: ErasureRequestOutcome): ErasureResult {
  if (outcome.kind === 'member_not_found') throw new HqAdminError('member_not_found', `No member ${memberId}.`);
  if (outcome.kind === 'already_erased')
    return {
      memberId,
      status: 'already_erased',
      requestId: null,
      dueAt: null,
      erasedAt: outcome.erasedAt,
      legalHold: false,
      opsScrubbed: 0,
    };
  return {
    memberId,
    status: outcome.erasedAt === null ? 'pending' : 'erased',
    requestId: outcome.requestId,
    dueAt: outcome.dueAt,
    erasedAt: outcome.erasedAt,
    legalHold: outcome.legalHold,
    opsScrubbed: outcome.counts?.opsScrubbed ?? 0,
  };
}
