/**
 * The breach register's closed lists and bounds (issue 14). Pure, no Node: the console contract
 * (and so the browser bundle) imports them.
 */

export const INCIDENT_KINDS = ['lost_till', 'stolen_till', 'staff_misuse', 'hq_exposure', 'other'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** The kinds about one till: it is named, and the window is when its screen may have shown contacts. */
export const TILL_KINDS: readonly IncidentKind[] = ['lost_till', 'stolen_till'];

export const ENTRY_KINDS = ['assessment', 'decision', 'notification', 'action'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/**
 * What a decision decides. not_notifiable is Art. 33(1)'s "unlikely to result in a risk to the
 * rights and freedoms of natural persons": it stops the clock. notifiable undoes it.
 */
export const DECISION_CODES = ['notifiable', 'not_notifiable', 'notify_members', 'no_member_notice', 'other'] as const;
export type DecisionCode = (typeof DECISION_CODES)[number];

/** Codes of the entries the register writes itself. */
export const RECORDED_CODES = [
  'opened',
  'regulator_notified',
  'members_notified',
  'closed',
  'exposure_computed',
  'notification_list',
  'till_revoked',
] as const;
export type EntryCode = DecisionCode | (typeof RECORDED_CODES)[number];

/** How an incident exposed a member, weakest first (the strongest wins per member; touched is its own). */
export const EXPOSURES = ['masked', 'full_contacts', 'revealed', 'touched'] as const;
export type Exposure = (typeof EXPOSURES)[number];

/** Why a member is in a lost till's form (lost-till-exposure.ts). */
export const EXPOSURE_SOURCES = [
  'pulled',
  'enrolled_here',
  'enrolment_unacknowledged',
  'update_unacknowledged',
  'till_reveal',
  'till_export',
  'hq_contacts',
  'hq_export',
] as const;
export type ExposureSource = (typeof EXPOSURE_SOURCES)[number];

/** What a staff member did to a member (staff-touched.ts). */
export const TOUCH_ACTIONS = ['viewed', 'searched', 'revealed', 'exported', 'changed', 'points'] as const;
export type TouchAction = (typeof TOUCH_ACTIONS)[number];

export const TITLE_MAX = 120;
export const ENTRY_TEXT_MAX = 2000;
export const CONTACT_POINT_MAX = 200;
