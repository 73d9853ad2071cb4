import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { nameTokens, normalizeEmail } from '../../shared/members/normalize';
import { normalizePhone, phoneIssue } from '../../shared/members/phone';
import type { EnrollData, MemberSummary } from '../../shared/members/schemas';
import { mapSqliteError } from '../db/errors';
import { NO_WRITE_GATE, type CounterWriteGate } from '../db/write-gate';
import { uuidv7 } from '../ids/uuidv7';
import type { AuditLog } from '../audit/audit-log';
import type { ConsentRecorder } from '../consents/record-consent';
import { isCurrentNotice } from '../privacy/notices';
import type { Outbox } from '../sync/outbox';
import type { CardBlockService } from './card-block';
import { storedContact } from './lookup-hash';
import { MEMBER_SUMMARY_COLUMNS, toMemberSummary, type MemberRow } from './member-row';

export interface EnrollDeps {
  db: Database;
  audit: AuditLog;
  outbox: Outbox;
  recordConsent: ConsentRecorder;
  cardBlock: CardBlockService;
  lookupKey: string;
  storeRegion: () => string;
  now: () => Date;
  /** Counter writes go before the sync worker's next part (db/write-gate.ts). */
  writeGate?: CounterWriteGate;
}

/** A phone typed at the till, as E.164 in the store's region, or a field issue. */
export function phoneOrIssue(raw: string, region: string): string {
  const phone = normalizePhone(raw, region);
  if (phone === null) {
    throw new AppError('validation_failed', 'The request is invalid.', {
      issues: [{ path: 'phone', code: phoneIssue(raw, region) ?? 'phone_invalid' }],
    });
  }
  return phone;
}

/**
 * Enrolls a member with their consents. Validation that needs the store (phone region, notice
 * version, duplicates, card in use) runs before or inside the single write transaction, so a
 * refusal writes nothing; member, consents, audit entries and outbox ops commit together.
 */
export function createEnrollMember(deps: EnrollDeps): (data: EnrollData, actorStaffId: string | null) => MemberSummary {
  const { db } = deps;
  const byCard = db.prepare<[string], { id: string }>('SELECT id FROM members WHERE card_number = ?');
  const byPhone = db.prepare<[Buffer], { id: string }>('SELECT id FROM members WHERE phone_hash = ? LIMIT 1');
  const byEmail = db.prepare<[Buffer], { id: string }>('SELECT id FROM members WHERE email_hash = ? LIMIT 1');
  const insertMember = db.prepare(`
    INSERT INTO members (id, card_number, given_name, family_name, phone_hash, email_hash,
                         phone_masked, email_masked, phone_e164, email, birth_date, enrolled_at, updated_at)
    VALUES (@id, @card, @given, @family, @phoneHash, @emailHash,
            @phoneMasked, @emailMasked, @phone, @email, @birthDate, @at, @at)`);
  const insertToken = db.prepare('INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)');
  const readBack = db.prepare<[string], MemberRow>(`SELECT ${MEMBER_SUMMARY_COLUMNS} FROM members m WHERE m.id = ?`);

  type Row = {
    id: string;
    card: string;
    given: string;
    family: string;
    phoneHash: Buffer | null;
    emailHash: Buffer | null;
    phoneMasked: string | null;
    emailMasked: string | null;
    phone: string | null;
    email: string | null;
    birthDate: string | null;
    at: string;
  };

  const write = db.transaction((row: Row, data: EnrollData, actor: string | null) => {
    // Checked again inside the transaction: another window may have enrolled the same card meanwhile.
    const cardOwner = byCard.get(row.card);
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
      const existing = (field === 'phone' ? byPhone : byEmail).get(hash);
      if (existing) {
        throw new AppError('member_duplicate', `A member with this ${field} is already enrolled.`, {
          details: { memberId: existing.id, field },
        });
      }
    }
    insertMember.run(row);
    for (const token of nameTokens(row.given, row.family)) insertToken.run(token, row.id);
    deps.cardBlock.markUsed(row.card);
    deps.audit.append({ staffId: actor, action: 'member.enrolled', subjectType: 'member', subjectId: row.id });
    deps.outbox.append(
      'member.enrolled',
      row.id,
      {
        memberId: row.id,
        cardNumber: row.card,
        givenName: row.given,
        familyName: row.family,
        phone: row.phone,
        email: row.email,
        birthDate: row.birthDate,
        enrolledAt: row.at,
      },
      actor,
    );
    const { consents } = data;
    const notice = { noticeVersion: consents.noticeVersion, noticeLanguage: consents.noticeLanguage };
    // Every answer is recorded, a "no" too: it proves marketing was never switched on silently.
    deps.recordConsent({ memberId: row.id, purpose: 'terms', granted: true, ...notice }, actor);
    deps.recordConsent(
      { memberId: row.id, purpose: 'marketing_email', granted: consents.marketingEmail, ...notice },
      actor,
    );
    deps.recordConsent(
      { memberId: row.id, purpose: 'marketing_sms', granted: consents.marketingSms, ...notice },
      actor,
    );
  });

  return (data, actorStaffId) => {
    if (!isCurrentNotice(data.consents.noticeVersion)) {
      throw new AppError('notice_outdated', 'The privacy notice shown is not the current one; show the new one.');
    }
    const phone = data.phone === undefined ? null : phoneOrIssue(data.phone, deps.storeRegion());
    const email = data.email === undefined ? null : normalizeEmail(data.email);
    const at = deps.now().toISOString();
    const storedPhone = storedContact(deps.lookupKey, 'phone', phone);
    const storedEmail = storedContact(deps.lookupKey, 'email', email);
    const row: Row = {
      id: uuidv7(deps.now().getTime()),
      card: data.cardNumber,
      given: data.givenName,
      family: data.familyName,
      phoneHash: storedPhone.hash,
      emailHash: storedEmail.hash,
      phoneMasked: storedPhone.masked,
      emailMasked: storedEmail.masked,
      phone,
      email,
      birthDate: data.birthDate ?? null,
      at,
    };
    try {
      (deps.writeGate ?? NO_WRITE_GATE).hold(() => write.immediate(row, data, actorStaffId));
    } catch (error) {
      throw mapSqliteError(error);
    }
    const stored = readBack.get(row.id);
    if (!stored) throw new AppError('internal_error', 'The member was not found after enrolment.');
    return toMemberSummary(stored);
  };
}
