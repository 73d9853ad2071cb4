import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { Language } from '../../shared/i18n/languages';
import { renderExportDocument } from '../../shared/privacy/export-document';
import type { MemberExport } from '../../shared/privacy/member-export';
import type { ExportPurpose } from '../../shared/privacy/requests';
import type { AuditLog } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticator';
import type { Session } from '../auth/session';
import type { Logger } from '../logging/logger';
import type { DeviceIdentity } from '../sync/device-identity';
import type { StaffProofSealer } from '../sync/staff-proof-seal';
import { askHqForMemberData, refusalError, type HqClientSource } from './hq-member-data';
import { createTillExport } from './till-export';

export interface ExportMemberDataDeps {
  db: Database;
  audit: AuditLog;
  authenticator: Authenticator;
  proofs: StaffProofSealer;
  identity: () => DeviceIdentity;
  hq: HqClientSource;
  logger: Logger;
  now: () => Date;
}

export interface ExportMemberDataRequest {
  requestId: string;
  memberId: string;
  purpose: ExportPurpose;
  language: Language;
  pin: string;
}

export interface ExportMemberDataAnswer {
  source: 'hq' | 'till';
  document: MemberExport;
  html: string;
}

/**
 * A manager hands a member at the counter their data (GDPR Art. 15 access, Art. 20 portability;
 * DESIGN §6), the manager's PIN typed again. A paired till asks HQ, which holds the whole record and
 * keeps the request and the document; when HQ cannot be heard (offline, busy, not yet holding the
 * member) the till gives its own export, which says in `missing` what only HQ holds. A standalone
 * till's own export is complete.
 *
 * The document is handed to the renderer and forgotten: it is never written to this till's
 * database (which is also why members.exportData is not a router write: the router keeps every
 * write's answer). What stays is one audit entry: purpose, where the export came from, whether
 * complete, and the request id HQ knows it by.
 */
export function createExportMemberData(deps: ExportMemberDataDeps) {
  const { db } = deps;
  const member = db.prepare<[string], { erased_at: string | null }>('SELECT erased_at FROM members WHERE id = ?');
  const tillExport = createTillExport({ db, identity: deps.identity });

  const check = (memberId: string) => {
    const row = member.get(memberId);
    if (!row || row.erased_at !== null) throw new AppError('member_not_found', 'No such member on this till.');
  };

  /** HQ's document, or null when the till should give its own; a refusal that must stop here is thrown. */
  async function fromHq(request: ExportMemberDataRequest, staffId: string): Promise<MemberExport | null> {
    if (!deps.proofs.paired()) return null;
    const outcome = await askHqForMemberData(
      deps,
      { kind: 'export', purpose: request.purpose, language: request.language },
      { requestId: request.requestId, memberId: request.memberId, staffId, pin: request.pin },
    );
    if (!outcome.heard) {
      deps.logger.info('member_data.hq_not_heard', { channel: 'members.exportData', code: outcome.code });
      return null;
    }
    const { answer } = outcome;
    if (answer.kind === 'export') {
      if (answer.document.member.memberId !== request.memberId || answer.document.exportId !== request.requestId) {
        throw new AppError('internal_error', 'HQ answered with an export of another request.');
      }
      return answer.document;
    }
    if (answer.kind === 'refused') {
      // HQ has not heard of a member enrolled here and not yet pushed: what the till holds is all there is to give.
      if (answer.reason === 'member_not_found') return null;
      throw refusalError(answer.reason);
    }
    throw new AppError('internal_error', 'HQ answered an export request with contacts.');
  }

  return async (request: ExportMemberDataRequest, session: Session): Promise<ExportMemberDataAnswer> => {
    check(request.memberId);
    // The manager's own PIN again: a session left open is not enough to hand someone's data over.
    await deps.authenticator.verify(session.staffId, request.pin, 'approval');
    const hqDocument = await fromHq(request, session.staffId);
    const source = hqDocument ? 'hq' : 'till';
    const document =
      hqDocument ??
      tillExport({
        memberId: request.memberId,
        exportId: request.requestId,
        purpose: request.purpose,
        language: request.language,
        now: deps.now(),
      });
    db.transaction(() => {
      check(request.memberId);
      deps.audit.append({
        staffId: session.staffId,
        action: 'member.exported',
        subjectType: 'member',
        subjectId: request.memberId,
        details: { purpose: request.purpose, source, complete: document.complete, requestId: request.requestId },
      });
    }).immediate();
    return { source, document, html: renderExportDocument(document) };
  };
}
