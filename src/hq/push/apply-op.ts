import type { PushOp, RejectReason } from '../../shared/sync/protocol';
import type { Queryable } from '../db/database';
import { toInt } from '../db/database';

export interface OpContext {
  deviceId: string;
  storeId: string;
  receivedAt: Date;
}

const LEDGER_KIND = {
  'points.earned': 'earn',
  'points.redeemed': 'redeem',
  'points.adjusted': 'adjust',
  'points.reversed': 'reversal',
} as const;

const PROFILE_COLUMNS = {
  givenName: 'given_name',
  familyName: 'family_name',
  phone: 'phone',
  email: 'email',
  birthDate: 'birth_date',
} as const;

async function logChange(tx: Queryable, ctx: OpContext, entity: string, entityId: string): Promise<void> {
  await tx.query('INSERT INTO change_log (entity, entity_id, store_id, changed_at) VALUES ($1, $2, $3, $4)', [
    entity,
    entityId,
    ctx.storeId,
    ctx.receivedAt,
  ]);
}

async function lockMember(tx: Queryable, memberId: string): Promise<boolean> {
  const found = await tx.query('SELECT 1 FROM members WHERE id = $1 FOR UPDATE', [memberId]);
  return found.rows.length > 0;
}

/**
 * Applies one op's business effect inside the caller's transaction (DESIGN §5). Returns null when
 * applied, or the reason HQ will not apply it (the caller records the rejection). SQL errors are
 * thrown: the caller rolls back and decides.
 */
export async function applyOp(tx: Queryable, ctx: OpContext, op: PushOp): Promise<RejectReason | null> {
  switch (op.type) {
    case 'member.enrolled': {
      const p = op.payload;
      const existing = await tx.query('SELECT 1 FROM members WHERE id = $1', [p.memberId]);
      if (existing.rows.length > 0) return 'member_exists';
      const card = await tx.query<{ id: string }>('SELECT id FROM members WHERE card_number = $1', [p.cardNumber]);
      if (card.rows.length > 0) return 'card_in_use';
      await tx.query(
        `INSERT INTO members (id, card_number, given_name, family_name, phone, email, birth_date, home_store_id, enrolled_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [p.memberId, p.cardNumber, p.givenName, p.familyName, p.phone, p.email, p.birthDate, ctx.storeId, p.enrolledAt],
      );
      await logChange(tx, ctx, 'member', p.memberId);
      return null;
    }
    case 'member.updated': {
      const p = op.payload;
      if (!(await lockMember(tx, p.memberId))) return 'unknown_member';
      const sets: string[] = [];
      const params: unknown[] = [p.memberId, p.updatedAt];
      for (const [key, column] of Object.entries(PROFILE_COLUMNS)) {
        const value = p.changes[key as keyof typeof PROFILE_COLUMNS];
        if (value === undefined) continue;
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      }
      await tx.query(`UPDATE members SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1`, params);
      await logChange(tx, ctx, 'member', p.memberId);
      return null;
    }
    case 'consent.changed': {
      const p = op.payload;
      if (!(await lockMember(tx, p.memberId))) return 'unknown_member';
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
      await logChange(tx, ctx, 'member', p.memberId);
      return null;
    }
    case 'points.earned':
    case 'points.redeemed':
    case 'points.adjusted':
    case 'points.reversed': {
      const p = op.payload;
      const kind = LEDGER_KIND[op.type];
      if (p.kind !== kind) return 'kind_mismatch';
      if (kind === 'earn' && p.points <= 0) return 'kind_mismatch';
      if (kind === 'redeem' && p.points > 0) return 'kind_mismatch';
      if (kind === 'adjust' && p.points === 0) return 'kind_mismatch';
      if (!(await lockMember(tx, p.memberId))) return 'unknown_member';
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
        // Only an earn, only once: a "reversal" of a redemption would mint the points back.
        if (!original || original.member_id !== p.memberId || original.kind !== 'earn' || original.reversed) {
          return 'unknown_reversed_op';
        }
        if (toInt(original.points) !== -p.points) return 'kind_mismatch';
      }
      if (kind === 'earn' && p.reference !== null) {
        const used = await tx.query("SELECT 1 FROM ledger WHERE store_id = $1 AND reference = $2 AND kind = 'earn'", [
          ctx.storeId,
          p.reference,
        ]);
        if (used.rows.length > 0) return 'reference_used';
      }
      let overdraft = false;
      if (p.points < 0) {
        // Offline redemptions were already handed over: HQ keeps them and flags any overdraft.
        const balance = await tx.query<{ balance: unknown }>(
          'SELECT COALESCE(SUM(points), 0) AS balance FROM ledger WHERE member_id = $1',
          [p.memberId],
        );
        overdraft = toInt(balance.rows[0]?.balance) + p.points < 0;
      }
      await tx.query(
        `INSERT INTO ledger (op_id, member_id, kind, points, at, store_id, device_id, staff_id, reference, amount_minor,
           currency, reward_id, reason_code, approved_by, approval_id, reverses_op_id, rules_version, flagged_overdraft, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
        [
          op.opId,
          p.memberId,
          kind,
          p.points,
          p.at,
          ctx.storeId,
          ctx.deviceId,
          op.staffId,
          p.reference,
          p.amountMinor,
          p.currency,
          p.rewardId,
          p.reasonCode,
          p.approvedBy,
          p.approvalId,
          kind === 'reversal' ? p.reversesOpId : null,
          p.rulesVersion,
          overdraft,
          ctx.receivedAt,
        ],
      );
      await logChange(tx, ctx, 'ledger', op.opId);
      return null;
    }
  }
}
