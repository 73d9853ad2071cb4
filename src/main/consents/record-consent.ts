import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { ConsentPurpose } from '../../shared/consents/purposes';
import type { Language } from '../../shared/i18n/languages';
import type { AuditLog } from '../audit/audit-log';
import { uuidv7 } from '../ids/uuidv7';
import type { Outbox } from '../sync/outbox';

export interface ConsentChange {
  memberId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  noticeVersion: string;
  noticeLanguage: Language;
}

const FLAG_COLUMN: Record<ConsentPurpose, string> = {
  terms: 'terms_version',
  marketing_email: 'marketing_email',
  marketing_sms: 'marketing_sms',
};

/**
 * Records one consent decision (DESIGN §6): a history row, the member's current flag, an audit
 * entry and an outbox op, all inside the caller's transaction.
 */
export function createConsentRecorder(deps: {
  db: Database;
  audit: AuditLog;
  outbox: Outbox;
  storeId: () => string;
  now: () => Date;
}) {
  const { db } = deps;
  const insert = db.prepare(
    `INSERT INTO consents (op_id, member_id, purpose, granted, notice_version, language, channel, staff_id, store_id, at)
     VALUES (@opId, @memberId, @purpose, @granted, @noticeVersion, @language, 'counter', @staffId, @storeId, @at)`,
  );
  const setFlag = Object.fromEntries(
    Object.entries(FLAG_COLUMN).map(([purpose, column]) => [
      purpose,
      db.prepare<[string | number | null, string]>(`UPDATE members SET ${column} = ? WHERE id = ?`),
    ]),
  ) as Record<ConsentPurpose, ReturnType<typeof db.prepare<[string | number | null, string]>>>;

  return (change: ConsentChange, staffId: string | null): string => {
    if (!db.inTransaction) throw new Error('consents are recorded inside the transaction of their change');
    const at = deps.now().toISOString();
    const opId = uuidv7(deps.now().getTime());
    insert.run({
      opId,
      memberId: change.memberId,
      purpose: change.purpose,
      granted: change.granted ? 1 : 0,
      noticeVersion: change.noticeVersion,
      language: change.noticeLanguage,
      staffId,
      storeId: deps.storeId(),
      at,
    });
    const flag = change.purpose === 'terms' ? (change.granted ? change.noticeVersion : null) : change.granted ? 1 : 0;
    setFlag[change.purpose].run(flag, change.memberId);
    deps.audit.append({
      staffId,
      action: 'consent.changed',
      subjectType: 'member',
      subjectId: change.memberId,
      details: { opId, purpose: change.purpose, granted: change.granted, noticeVersion: change.noticeVersion },
    });
    deps.outbox.append(
      'consent.changed',
      opId,
      {
        memberId: change.memberId,
        purpose: change.purpose,
        granted: change.granted,
        noticeVersion: change.noticeVersion,
        noticeLanguage: change.noticeLanguage,
        channel: 'counter',
        at,
      },
      staffId,
    );
    return opId;
  };
}

export type ConsentRecorder = ReturnType<typeof createConsentRecorder>;
