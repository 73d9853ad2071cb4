import { z } from 'zod';
import { ENFORCE_ACTIONS, DETECTION_RULES } from './policy';
import { MAX_FINDING_MEMBERS } from './activity';
import { pinInput, staffId } from '../staff/schemas';

/** The till's IPC shapes for detection alerts and holds (alerts.*, detection.clearHold). Ids and codes only. */

const Id = z.string({ error: 'required' }).min(1, { error: 'required' }).max(64, { error: 'too_long' });

/** A member an alert names, as the store manager may see it: a masked label, never a contact. */
export const AlertMember = z.strictObject({
  memberId: z.string(),
  /** Initials and the card's last digits ("A. P. ••1234"); null when the till no longer holds the member. */
  label: z.string().nullable(),
});
export type AlertMember = z.infer<typeof AlertMember>;

export const TillAlert = z.strictObject({
  alertId: z.string(),
  rule: z.enum(DETECTION_RULES),
  source: z.enum(['till', 'hq']),
  /** The staff member it is about: an id, named by the renderer from the roster. */
  staffId: z.string(),
  mode: z.enum(['notify', 'enforce']),
  raisedAt: z.string(),
  windowStart: z.string(),
  windowEnd: z.string(),
  count: z.number().int(),
  threshold: z.number().int(),
  members: z.array(AlertMember).max(MAX_FINDING_MEMBERS),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  /** The hold this alert placed, while it still holds the staff member. */
  hold: z.enum(ENFORCE_ACTIONS).nullable(),
});
export type TillAlert = z.infer<typeof TillAlert>;

export const ALERTS_PAGE_MAX = 200;

export const ListAlertsRequest = z.strictObject({
  limit: z
    .number({ error: 'invalid_type' })
    .int({ error: 'invalid' })
    .min(1, { error: 'too_small' })
    .max(ALERTS_PAGE_MAX, { error: 'too_big' })
    .optional(),
});

/** Open alerts first (newest first), then the most recent acknowledged ones. */
export const ListAlertsResponse = z.strictObject({
  alerts: z.array(TillAlert),
  openCount: z.number().int(),
});
export type ListAlertsResponse = z.infer<typeof ListAlertsResponse>;

export const OpenAlertsResponse = z.strictObject({ openCount: z.number().int() });

export const AcknowledgeAlertRequest = z.strictObject({ alertId: Id });

/** A store manager, other than the held staff member, clears a manager_pin hold with their PIN. */
export const ClearHoldRequest = z.strictObject({
  staffId,
  managerId: staffId,
  pin: pinInput,
});

export const ClearHoldResponse = z.strictObject({ staffId: z.string(), cleared: z.boolean() });
