import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { OptionalPurpose } from '../../shared/consents/purposes';
import type { Language } from '../../shared/i18n/languages';
import { mapSqliteError } from '../db/errors';
import { NO_WRITE_GATE, type CounterWriteGate } from '../db/write-gate';
import { isCurrentNotice } from '../privacy/notices';
import type { ConsentRecorder } from './record-consent';

/**
 * One-click withdraw or grant of a marketing consent, offline too. Granting needs the contact it
 * is for and the current notice; withdrawing never does (it must always be possible).
 */
export function createSetConsent(deps: { db: Database; recordConsent: ConsentRecorder; writeGate?: CounterWriteGate }) {
  const { db } = deps;
  const member = db.prepare<
    [string],
    { marketing_email: number; marketing_sms: number; has_email: number; has_phone: number }
  >(
    `SELECT marketing_email, marketing_sms, email_hash IS NOT NULL AS has_email, phone_hash IS NOT NULL AS has_phone
       FROM members WHERE id = ?`,
  );
  const write = db.transaction(
    (
      request: {
        memberId: string;
        purpose: OptionalPurpose;
        granted: boolean;
        noticeVersion: string;
        noticeLanguage: Language;
      },
      staffId: string,
    ): boolean => {
      const row = member.get(request.memberId);
      if (!row) throw new AppError('member_not_found', 'No such member on this till.');
      const current = request.purpose === 'marketing_email' ? row.marketing_email : row.marketing_sms;
      if (Boolean(current) === request.granted) return false; // already so: nothing to record
      if (request.granted) {
        if (!isCurrentNotice(request.noticeVersion)) {
          throw new AppError('notice_outdated', 'The privacy notice shown is not the current one.');
        }
        const hasContact = request.purpose === 'marketing_email' ? row.has_email : row.has_phone;
        if (!hasContact) {
          throw new AppError('validation_failed', 'The request is invalid.', {
            issues: [
              {
                path: 'granted',
                code: request.purpose === 'marketing_email' ? 'consent_needs_email' : 'consent_needs_phone',
              },
            ],
          });
        }
      }
      deps.recordConsent(request, staffId);
      return true;
    },
  );
  return (request: Parameters<typeof write>[0], staffId: string) => {
    try {
      return (deps.writeGate ?? NO_WRITE_GATE).hold(() => write.immediate(request, staffId));
    } catch (error) {
      throw mapSqliteError(error);
    }
  };
}
