import { z } from 'zod';
import { LedgerEntry } from '../points/schemas';
import { ConsentState, MemberSummary } from './schemas';

/** Everything the member screen shows; contacts stay masked (revealing them is a separate, audited call). */
export const MemberView = z.strictObject({
  member: MemberSummary,
  birthDate: z.string().nullable(),
  /**
   * What this till may let the member spend now: the confirmed balance minus this till's pending
   * spends, within the HQ-set offline cap (DESIGN §5). Pending earnings count once HQ confirms them.
   */
  spendable: z.number().int(),
  consents: z.strictObject({
    terms: ConsentState,
    marketingEmail: ConsentState,
    marketingSms: ConsentState,
  }),
  /** Full contacts are on this till (enrolled or edited here), so a manager can reveal them offline. */
  contactsOnDevice: z.boolean(),
  /** A manager asked at this till that the member be erased; HQ has not carried it out yet. */
  erasureRequestedAt: z.string().nullable(),
  /** Most recent first. */
  ledger: z.array(LedgerEntry),
});
export type MemberView = z.infer<typeof MemberView>;
