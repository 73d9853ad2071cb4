import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { maskEmail, maskPhone } from '../../shared/members/mask';
import { nameTokens, normalizeEmail } from '../../shared/members/normalize';
import { normalizePhone } from '../../shared/members/phone';
import type { EnrollData, MemberSummary } from '../../shared/members/schemas';
import { mapSqliteError } from '../db/errors';
import { uuidv7 } from '../ids/uuidv7';
import type { AuditLog } from '../audit/audit-log';
import { lookupHash } from './lookup-hash';
import { MEMBER_SUMMARY_COLUMNS, toMemberSummary, type MemberRow } from './member-row';

export interface EnrollDeps {
  db: Database;
  audit: AuditLog;
  lookupKey: string;
  storeRegion: () => string;
  now: () => Date;
}

/**
 * Enrolls a member. Validation that needs the store (phone region, duplicates, card in use) runs
 * here; everything is checked before the single write transaction, so a refusal writes nothing.
 */
export function createEnrollMember(deps: EnrollDeps): (data: EnrollData, actorStaffId: string | null) => MemberSummary {
  const { db } = deps;
  const byCard = db.prepare<[string], { id: string }>('SELECT id FROM members WHERE card_number = ?');
  const byPhone = db.prepare<[Buffer], { id: string }>('SELECT id FROM members WHERE phone_hash = ? LIMIT 1');
  const byEmail = db.prepare<[Buffer], { id: string }>('SELECT id FROM members WHERE email_hash = ? LIMIT 1');
  const insertMember = db.prepare(`
    INSERT INTO members (id, card_number, given_name, family_name, phone_hash, email_hash,
                         phone_masked, email_masked, phone_e164, email, enrolled_at, updated_at)
    VALUES (@id, @card, @given, @family, @phoneHash, @emailHash,
            @phoneMasked, @emailMasked, @phone, @email, @at, @at)`);
  const insertToken = db.prepare('INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)');
  const readBack = db.prepare<[string], MemberRow>(`SELECT ${MEMBER_SUMMARY_COLUMNS} FROM members m WHERE m.id = ?`);

  const write = db.transaction((row: Record<string, unknown>, tokens: string[], actor: string | null) => {
    // Checked again inside the transaction: another window may have enrolled the same card meanwhile.
    const cardOwner = byCard.get(row.card as string);
    if (cardOwner) {
      throw new AppError('card_in_use', 'This card number already belongs to a member.', {
        details: { memberId: cardOwner.id },
      });
    }
    for (const [hash, field] of [
      [row.phoneHash, 'phone'],
      [row.emailHash, 'email'],
    ] as const) {
      if (!hash) continue;
      const existing = (field === 'phone' ? byPhone : byEmail).get(hash as Buffer);
      if (existing) {
        throw new AppError('member_duplicate', `A member with this ${field} is already enrolled.`, {
          details: { memberId: existing.id, field },
        });
      }
    }
    insertMember.run(row);
    for (const token of tokens) insertToken.run(token, row.id);
    deps.audit.append({
      staffId: actor,
      action: 'member.enrolled',
      subjectType: 'member',
      subjectId: row.id as string,
    });
  });

  return (data, actorStaffId) => {
    const phone = data.phone === undefined ? null : normalizePhone(data.phone, deps.storeRegion());
    if (data.phone !== undefined && phone === null) {
      throw new AppError('validation_failed', 'The request is invalid.', {
        issues: [{ path: 'phone', code: 'phone_invalid' }],
      });
    }
    const email = data.email === undefined ? null : normalizeEmail(data.email);
    const at = deps.now().toISOString();
    const row = {
      id: uuidv7(deps.now().getTime()),
      card: data.cardNumber,
      given: data.givenName,
      family: data.familyName,
      phoneHash: phone ? lookupHash(deps.lookupKey, 'phone', phone) : null,
      emailHash: email ? lookupHash(deps.lookupKey, 'email', email) : null,
      phoneMasked: phone ? maskPhone(phone) : null,
      emailMasked: email ? maskEmail(email) : null,
      phone,
      email,
      at,
    };
    try {
      write.immediate(row, nameTokens(data.givenName, data.familyName), actorStaffId);
    } catch (error) {
      throw mapSqliteError(error);
    }
    const stored = readBack.get(row.id);
    if (!stored) throw new AppError('internal_error', 'The member was not found after enrolment.');
    return toMemberSummary(stored);
  };
}
