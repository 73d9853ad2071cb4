import type { MemberAfterOp, PushOp, RejectReason } from '../../../../src/shared/sync/protocol';
import { logChange } from '../change-log';
import type { Queryable } from '../db/database';
import type { DataKeys } from '../keys/data-keys';
import { MEMBER_EMAIL, sealMemberContacts, sealedAt } from '../keys/sealed-columns';
import { toInt } from '../db/database';
import { changeMember, lockMember, type MemberChanges } from '../members/member-state';
import { applyPinChange } from './pin-change';
import { checkCorrectionProof, checkErasureProof } from './staff-proof';
import { recordErasureRequest } from '../privacy/erasure';
import { applyConsentToConfirmations, restartConfirmationForNewEmail } from '../privacy/consent-confirmation';
import { recordFlag } from './op-flags';
import { checkCorrectionClaims, rederivePoints, type StoreReads } from './verify-claims';

export interface OpContext {
  deviceId: string;
  storeId: string;
  receivedAt: Date;
  /** Batch mode: checks a unique index enforces anyway are left to it (see push.ts). */
  fast?: boolean;
  /** Batch mode: the store's policy and earn rules, read once for the batch. */
  reads?: StoreReads | undefined;
  /** HQ's data keys: a member's phone and e-mail are stored sealed (keys/sealed-columns.ts). */
  keys: DataKeys;
}

const LEDGER_KIND = {
  'points.earned': 'earn',
  'points.redeemed': 'redeem',
  'points.adjusted': 'adjust',
  'points.reversed': 'reversal',
} as const;

export type ApplyResult = { rejected: RejectReason } | { applied: true; member: MemberAfterOp | null };

const reject = (reason: RejectReason): ApplyResult => ({ rejected: reason });

/**
 * Applies one op's business effect inside the caller's transaction (DESIGN §5): the row it adds,
 * the member's new state and version, and the change-log entry pull reads. Returns the member as
 * it is afterwards, or the reason HQ will not apply the op (the caller records the rejection). SQL
 * errors are thrown: the caller rolls back and decides.
 */
export async function applyOp(tx: Queryable, ctx: OpContext, op: PushOp): Promise<ApplyResult> {
  switch (op.type) {
    case 'member.enrolled': {
      const p = op.payload;
      const existing = await tx.query('SELECT 1 FROM members WHERE id = $1', [p.memberId]);
      if (existing.rows.length > 0) return reject('member_exists');
      const card = await tx.query<{ id: string }>('SELECT id FROM members WHERE card_number = $1', [p.cardNumber]);
      if (card.rows.length > 0) return reject('card_in_use');
      const contacts = sealMemberContacts(ctx.keys, p.memberId, { phone: p.phone, email: p.email });
      await tx.query(
        `INSERT INTO members (id, card_number, given_name, family_name, phone, email, birth_date, home_store_id,
           enrolled_at, updated_at, version, points)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, 0)`,
        [
          p.memberId,
          p.cardNumber,
          p.givenName,
          p.familyName,
          contacts.phone,
          contacts.email,
          p.birthDate,
          ctx.storeId,
          p.enrolledAt,
          ctx.receivedAt,
        ],
      );
      await logChange(tx, 'member', p.memberId, null, ctx.receivedAt);
      return { applied: true, member: { id: p.memberId, version: 1, points: 0 } };
    }
    case 'member.updated': {
      const p = op.payload;
      if (!(await lockMember(tx, p.memberId))) return reject('unknown_member');
      const changes: MemberChanges = {};
      for (const key of ['givenName', 'familyName', 'phone', 'email', 'birthDate'] as const) {
        const value = p.changes[key];
        if (value !== undefined) Object.assign(changes, { [key]: value });
      }
      const sealed = sealMemberContacts(ctx.keys, p.memberId, {
        phone: changes.phone ?? null,
        email: changes.email ?? null,
      });
      if (changes.phone !== undefined) changes.phone = sealed.phone;
      if (changes.email !== undefined) changes.email = sealed.email;
      const emailBefore =
        p.changes.email === undefined
          ? undefined
          : ctx.keys.openOrNull(
              'member-contacts',
              (await tx.query<{ email: string | null }>('SELECT email FROM members WHERE id = $1', [p.memberId]))
                .rows[0]?.email ?? null,
              sealedAt(MEMBER_EMAIL, p.memberId),
            );
      const member = await changeMember(tx, p.memberId, ctx.receivedAt, changes);
      // Double opt-in confirmed an address: a new address must be confirmed again.
      if (p.changes.email !== undefined && p.changes.email !== emailBefore) {
        await restartConfirmationForNewEmail(tx, p.memberId, ctx.receivedAt);
      }
      return { applied: true, member };
    }
    case 'consent.changed': {
      const p = op.payload;
      if (!(await lockMember(tx, p.memberId))) return reject('unknown_member');
      await tx.query(
        `INSERT INTO consents (op_id, member_id, purpose, granted, notice_version, notice_language, channel, at, store_id, device_id, staff_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          op.opId,
          p.memberId,
          p.purpose,
          p.granted,
          p.noticeVersion,
          p.noticeLanguage,
          p.channel,
          p.at,
          ctx.storeId,
          ctx.deviceId,
          op.staffId,
        ],
      );
      // Before the flag changes: a repeated grant is told from a new one by the member's state.
      await applyConsentToConfirmations(
        tx,
        { opId: op.opId, memberId: p.memberId, purpose: p.purpose, granted: p.granted, language: p.noticeLanguage },
        ctx.receivedAt,
      );
      const flag: MemberChanges =
        p.purpose === 'terms'
          ? { termsVersion: p.granted ? p.noticeVersion : null }
          : p.purpose === 'marketing_email'
            ? { marketingEmail: p.granted }
            : { marketingSms: p.granted };
      return { applied: true, member: await changeMember(tx, p.memberId, ctx.receivedAt, flag) };
    }
    case 'points.earned':
    case 'points.redeemed':
    case 'points.adjusted':
    case 'points.reversed': {
      const p = op.payload;
      const kind = LEDGER_KIND[op.type];
      if (p.kind !== kind) return reject('kind_mismatch');
      if (kind === 'earn' && p.points <= 0) return reject('kind_mismatch');
      if (kind === 'redeem' && p.points > 0) return reject('kind_mismatch');
      if (kind === 'adjust' && p.points === 0) return reject('kind_mismatch');
      if (op.type === 'points.adjusted' || op.type === 'points.reversed') {
        // Roster and store policy first (push/verify-claims.ts): cheap, and each names its reason.
        const unfit = await checkCorrectionClaims(tx, ctx, op);
        if (unfit !== null) return reject(unfit);
      }
      if (op.type === 'points.adjusted' || op.type === 'points.reversed') {
        // Before the member row is locked: the PIN check is the slow part (argon2id).
        const refused = await checkCorrectionProof(tx, ctx, op);
        if (refused !== null) return reject(refused);
      }
      if (!(await lockMember(tx, p.memberId))) return reject('unknown_member');
      if (kind === 'reversal') {
        const target = p.reversesOpId
          ? await tx.query<{ member_id: string; points: unknown; kind: string; reversed: boolean }>(
              `SELECT member_id, points, kind,
                      EXISTS (SELECT 1 FROM ledger r WHERE r.reverses_op_id = l.op_id) AS reversed
                 FROM ledger l WHERE op_id = $1`,
              [p.reversesOpId],
            )
          : { rows: [] };
        const original = target.rows[0];
        // Only an earn or a redemption, only once: a reversal of a reversal or of an adjustment would
        // be a second correction with no purchase or reward behind it (a new adjustment says that).
        const reversible = original?.kind === 'earn' || original?.kind === 'redeem';
        if (!original || original.member_id !== p.memberId || !reversible || original.reversed) {
          return reject('unknown_reversed_op');
        }
      }
      if (kind === 'earn' && p.reference !== null && !ctx.fast) {
        const used = await tx.query("SELECT 1 FROM ledger WHERE store_id = $1 AND reference = $2 AND kind = 'earn'", [
          ctx.storeId,
          p.reference,
        ]);
        if (used.rows.length > 0) return reject('reference_used');
      }
      // HQ's own figure is what counts from here on; the till's stays in the op's payload.
      const figure = await rederivePoints(tx, ctx, op);
      if ('rejected' in figure) return reject(figure.rejected);
      let overdraft = false;
      if (figure.points < 0) {
        // Offline redemptions were already handed over: HQ keeps them and flags any overdraft.
        const balance = await tx.query<{ points: unknown }>('SELECT points FROM members WHERE id = $1', [p.memberId]);
        overdraft = toInt(balance.rows[0]?.points) + figure.points < 0;
      }
      await tx.query(
        `INSERT INTO ledger (op_id, member_id, kind, points, at, store_id, device_id, staff_id, reference, amount_minor,
           currency, reward_id, reason_code, approved_by, approval_id, reverses_op_id, rules_version, flagged_overdraft, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [
          op.opId,
          p.memberId,
          kind,
          figure.points,
          p.at,
          ctx.storeId,
          ctx.deviceId,
          op.staffId,
          p.reference,
          p.amountMinor,
          figure.currency,
          p.rewardId,
          p.reasonCode,
          p.approvedBy,
          p.approvalId,
          kind === 'reversal' ? p.reversesOpId : null,
          figure.rulesVersion,
          overdraft,
          ctx.receivedAt,
        ],
      );
      if (figure.flag !== null) await recordFlag(tx, ctx, op.opId, p.memberId, figure.flag);
      return { applied: true, member: await changeMember(tx, p.memberId, ctx.receivedAt, {}, figure.points) };
    }
    case 'staff.pin_changed': {
      // Believed only with a proof of a PIN HQ itself holds the hash of (push/pin-change.ts).
      const refused = await applyPinChange(tx, ctx, op);
      return refused === null ? { applied: true, member: null } : reject(refused);
    }
    case 'member.erasure_requested': {
      const p = op.payload;
      const refused = await checkErasureProof(tx, ctx, op);
      if (refused !== null) return reject(refused);
      const outcome = await recordErasureRequest(
        tx,
        {
          id: op.opId,
          memberId: p.memberId,
          source: 'till',
          reasonCode: p.reasonCode,
          storeId: ctx.storeId,
          deviceId: ctx.deviceId,
          staffId: p.requestedBy,
        },
        ctx.receivedAt,
      );
      if (outcome.kind === 'member_not_found') return reject('unknown_member');
      // Recorded, held or erased: the till hears the member's fate from pull (a tombstone once erased).
      return { applied: true, member: null };
    }
  }
}
