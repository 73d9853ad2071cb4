import { z } from 'zod';
import { pinInput } from '../staff/schemas';
import { ERASURE_REASONS } from './requests';

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
