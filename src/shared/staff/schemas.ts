import { z } from 'zod';
import { ROLES } from '../auth/permissions';
import { MAX_PIN_LENGTH } from './pin-policy';
import { tidyName } from '../members/normalize';

export const STAFF_NAME_MAX = 60;

export const staffId = z.string({ error: 'required' }).min(1, { error: 'required' }).max(64, { error: 'too_long' });

/** A PIN as typed; its strength is checked by the service against the store's PIN policy. */
export const pinInput = z
  .string({ error: 'required' })
  .min(1, { error: 'required' })
  .max(MAX_PIN_LENGTH, { error: 'too_long' })
  .regex(/^\d+$/, { error: 'pin_format' });

export const staffName = z
  .string({ error: 'required' })
  .max(STAFF_NAME_MAX * 4, { error: 'too_long' })
  .transform(tidyName)
  .superRefine((value, ctx) => {
    if (value.length === 0) ctx.addIssue({ code: 'custom', message: 'required' });
    else if (value.length > STAFF_NAME_MAX) ctx.addIssue({ code: 'custom', message: 'too_long' });
    else if (!/^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u.test(value))
      ctx.addIssue({ code: 'custom', message: 'invalid_characters' });
  });

export const RosterEntry = z.strictObject({
  staffId: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  /** The PIN is disabled after too many failures; a manager must unlock it. */
  pinLocked: z.boolean(),
  /**
   * Holds a temporary PIN (new staff or after a reset) that must be changed at the next login.
   * Null on the lock screen: a signed-out till does not reveal whose PIN was set by someone else.
   */
  mustChangePin: z.boolean().nullable(),
});
export type RosterEntry = z.infer<typeof RosterEntry>;

export const RosterResponse = z.strictObject({
  /** No staff at all yet: the till must be set up with a first manager. */
  needsBootstrap: z.boolean(),
  staff: z.array(RosterEntry),
});

export const SessionInfo = z.strictObject({
  staffId: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  /** A temporary PIN: every other action is refused until it is changed. */
  mustChangePin: z.boolean(),
  /** Inactivity before the till locks itself. */
  idleLockSeconds: z.number().int().positive(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const LoginRequest = z.strictObject({ staffId, pin: pinInput });
export const BootstrapRequest = z.strictObject({ displayName: staffName, pin: pinInput });
export const ChangeOwnPinRequest = z.strictObject({ currentPin: pinInput, newPin: pinInput });
export const AddStaffRequest = z.strictObject({
  displayName: staffName,
  role: z.enum(ROLES, { error: 'invalid_choice' }),
  temporaryPin: pinInput,
});

/** The payloads of restricted staff actions, without their approval id. */
export const ResetPinPayload = z.strictObject({ staffId, temporaryPin: pinInput });
export const UnlockStaffPayload = z.strictObject({ staffId });
