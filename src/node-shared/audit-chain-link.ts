import { createHmac } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';

/** The `prev_hash` of a chain's first entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** One audit entry as it is chained: who (a staff member at a till, an operator at HQ) did what, when. */
export interface AuditChainFields {
  seq: number;
  at: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  /** The entry's details as RFC 8785 canonical JSON (the text both chains store). */
  detailsJson: string;
}

/**
 * One link of an audit hash chain, h_i = HMAC-SHA256(k, h_{i-1} || canonical([seq, at, actor, action,
 * subject type, subject id, details])). The till's audit log and HQ's operator audit are chained
 * alike, so one verifier reads both; a change here orphans every chain ever written.
 */
export function auditChainLink(key: Buffer, prevHash: string, fields: AuditChainFields): string {
  const canonical = canonicalJson([
    fields.seq,
    fields.at,
    fields.actorId,
    fields.action,
    fields.subjectType,
    fields.subjectId,
    fields.detailsJson,
  ]);
  return createHmac('sha256', key).update(prevHash).update(canonical).digest('hex');
}
