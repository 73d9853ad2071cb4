import { z } from 'zod';
import { LANGUAGES } from '../i18n/languages';
import { RevealContactsRequest as CachedRevealContactsRequest } from '../members/schemas';
import { pinInput } from '../staff/schemas';
import { MemberExport } from './member-export';
import { ERASURE_REASONS, EXPORT_PURPOSES } from './requests';

const memberId = z.string().min(1).max(64);

/**
 * A manager asks at the counter that a member be erased. The member must be there (the manager says
 * so) and the manager types their own PIN again: a paired till seals it for HQ, which believes the
 * request only then.
 */
export const RequestErasureRequest = z.strictObject({
  memberId,
  reasonCode: z.enum(ERASURE_REASONS, { error: 'invalid_choice' }),
  memberPresent: z.literal(true, { error: 'required' }),
  pin: pinInput,
});
export const RequestErasureResponse = z.strictObject({
  memberId,
  /** requested: on its way to HQ, which erases after its hold; erased: done here (a standalone till). */
  status: z.enum(['requested', 'erased']),
  at: z.string(),
});

/**
 * A manager hands a member their data (GDPR Art. 15 access, Art. 20 portability), with the member at
 * the counter and the manager's PIN typed again: a paired till seals it for HQ, which builds and
 * records the export. `requestId` is HQ's record of the request (a retry is answered again, recorded
 * once) and the export's reference. Not a write channel in the router's sense: the router keeps
 * every write's answer, and this answer is the document, which the till must never store.
 */
export const ExportDataRequest = z.strictObject({
  requestId: z.uuid({ error: 'invalid' }),
  memberId,
  purpose: z.enum(EXPORT_PURPOSES, { error: 'invalid_choice' }),
  /** The document's language, which the member chooses (the page's by default). */
  language: z.enum(LANGUAGES, { error: 'invalid_choice' }),
  pin: pinInput,
});
export const ExportDataResponse = z.strictObject({
  /** hq: HQ's complete export; till: this till's own, partial when `document.missing` says so. */
  source: z.enum(['hq', 'till']),
  document: MemberExport,
  /** The printable page for the member (shared/privacy/export-document.ts), in the document's language. */
  html: z.string(),
});

/**
 * Revealing a member's full contacts: those this till holds need only the reason; those held at HQ
 * (a paired till that has only masks) need the manager's PIN typed again, sealed for HQ.
 */
export const RevealContactsRequest = CachedRevealContactsRequest.extend({ pin: pinInput.optional() });
