import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { normalizeEmail } from '../../shared/members/normalize';
import type { MemberSummary, UpdateMemberData } from '../../shared/members/schemas';
import type { AuditLog } from '../audit/audit-log';
import { mapSqliteError } from '../db/errors';
import { NO_WRITE_GATE, type CounterWriteGate } from '../db/write-gate';
import { uuidv7 } from '../ids/uuidv7';
import type { Outbox } from '../sync/outbox';
import type { ConsentRecorder } from '../consents/record-consent';
import { CURRENT_NOTICE_VERSION } from '../privacy/notices';
import type { Language } from '../../shared/i18n/languages';
import { phoneOrIssue } from './enroll';
import { storedContact } from './lookup-hash';
import { MEMBER_SUMMARY_COLUMNS, toMemberSummary, type MemberRow } from './member-row';
import { createProfileWriter, type ProfileChanges } from './write-profile-changes';

interface Current {
  id: string;
  given_name: string;
  family_name: string;
  phone_hash: Buffer | null;
  email_hash: Buffer | null;
  birth_date: string | null;
  marketing_email: number;
  marketing_sms: number;
}

/**
 * Edits a member's profile at the till. A new contact is stored in full (the till now holds it
 * until HQ acknowledges), hashed for lookups and checked against other members first.
 */
export function createUpdateProfile(deps: {
  db: Database;
  audit: AuditLog;
  outbox: Outbox;
  recordConsent: ConsentRecorder;
  lookupKey: string;
  storeRegion: () => string;
  /** The till's language: a consent withdrawn because its contact was removed is recorded in it. */
  language: () => Language;
  now: () => Date;
  /** Counter writes go before the sync worker's next part (db/write-gate.ts). */
  writeGate?: CounterWriteGate;
}) {
  const { db } = deps;
  const current = db.prepare<[string], Current>(
    `SELECT id, given_name, family_name, phone_hash, email_hash, birth_date, marketing_email, marketing_sms
       FROM members WHERE id = ?`,
  );
  const otherByPhone = db.prepare<[Buffer, string], { id: string }>(
    'SELECT id FROM members WHERE phone_hash = ? AND id <> ? LIMIT 1',
  );
  const otherByEmail = db.prepare<[Buffer, string], { id: string }>(
    'SELECT id FROM members WHERE email_hash = ? AND id <> ? LIMIT 1',
  );
  const writeProfileChanges = createProfileWriter(db, deps.lookupKey);
  const readBack = db.prepare<[string], MemberRow>(`SELECT ${MEMBER_SUMMARY_COLUMNS} FROM members m WHERE m.id = ?`);

  const write = db.transaction((request: UpdateMemberData, staffId: string): void => {
    const member = current.get(request.memberId);
    if (!member) throw new AppError('member_not_found', 'No such member on this till.');
    const changes: ProfileChanges = {};

    if (request.givenName !== undefined && request.givenName !== member.given_name) {
      changes.givenName = request.givenName;
    }
    if (request.familyName !== undefined && request.familyName !== member.family_name) {
      changes.familyName = request.familyName;
    }
    let phoneHash = member.phone_hash;
    let emailHash = member.email_hash;
    if (request.phone !== undefined) {
      const phone = request.phone === null ? null : phoneOrIssue(request.phone, deps.storeRegion());
      const stored = storedContact(deps.lookupKey, 'phone', phone);
      phoneHash = stored.hash;
      if (phoneHash && otherByPhone.get(phoneHash, member.id)) {
        throw new AppError('member_duplicate', 'Another member has this phone number.', {
          details: { field: 'phone' },
        });
      }
      if (!bufferEqual(phoneHash, member.phone_hash)) changes.phone = phone;
    }
    if (request.email !== undefined) {
      const email = request.email === null ? null : normalizeEmail(request.email);
      const stored = storedContact(deps.lookupKey, 'email', email);
      emailHash = stored.hash;
      if (emailHash && otherByEmail.get(emailHash, member.id)) {
        throw new AppError('member_duplicate', 'Another member has this e-mail.', { details: { field: 'email' } });
      }
      if (!bufferEqual(emailHash, member.email_hash)) changes.email = email;
    }
    if (phoneHash === null && emailHash === null) {
      throw new AppError('validation_failed', 'The request is invalid.', {
        issues: [{ path: 'phone', code: 'contact_required' }],
      });
    }
    if (request.birthDate !== undefined && (request.birthDate ?? null) !== member.birth_date) {
      changes.birthDate = request.birthDate ?? null;
    }
    const fields = Object.keys(changes);
    if (fields.length === 0) return;

    const at = deps.now().toISOString();
    writeProfileChanges(member.id, changes, at);
    const opId = uuidv7(deps.now().getTime());
    deps.audit.append({
      staffId,
      action: 'member.updated',
      subjectType: 'member',
      subjectId: member.id,
      details: { opId, fields: fields.sort().join(',') },
    });
    deps.outbox.append('member.updated', opId, { memberId: member.id, changes, updatedAt: at }, staffId);
    // Marketing by a channel the member no longer has cannot stay consented: withdraw it with the change.
    const withdraw = (purpose: 'marketing_email' | 'marketing_sms') =>
      deps.recordConsent(
        {
          memberId: member.id,
          purpose,
          granted: false,
          noticeVersion: CURRENT_NOTICE_VERSION,
          noticeLanguage: deps.language(),
        },
        staffId,
      );
    if (emailHash === null && member.marketing_email === 1) withdraw('marketing_email');
    if (phoneHash === null && member.marketing_sms === 1) withdraw('marketing_sms');
  });

  return (request: UpdateMemberData, staffId: string): MemberSummary => {
    try {
      (deps.writeGate ?? NO_WRITE_GATE).hold(() => write.immediate(request, staffId));
    } catch (error) {
      throw mapSqliteError(error);
    }
    const row = readBack.get(request.memberId);
    if (!row) throw new AppError('member_not_found', 'No such member on this till.');
    return toMemberSummary(row);
  };
}

function bufferEqual(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
