import { z } from 'zod';
import type { Queryable } from '../db/database';
import { CodedError } from '../errors';

/**
 * HQ operators' roles and what each may do (issue 12). Checked on the server for every command and
 * console request; the console may read it only to decide what to show. An operator may hold
 * several roles; a request is allowed when any of them allows it.
 */
export const OPERATOR_ROLES = ['chain_admin', 'store_operations', 'privacy_officer', 'auditor', 'mail_relay'] as const;
export const OperatorRole = z.enum(OPERATOR_ROLES);
export type OperatorRole = z.infer<typeof OperatorRole>;

/** Every operation an operator can ask HQ for: a closed list, so an unnamed one is refused. */
export const OPERATIONS = [
  'operators.manage',
  'roles.change',
  'stores.read',
  'stores.create',
  /** Store policy: largest adjustment, grace days, the four-eyes threshold. */
  'policies.edit',
  'devices.read',
  'devices.issue_pairing_code',
  /** Revokes a till: the store stops trading through it at once. */
  'devices.revoke',
  /** Lifts the refusal of a till caught rolled back (issue 15), with a reason code. */
  'devices.clear_rollback',
  /** Asks a till to re-encrypt its database under a new key (issue 15), with a reason code. */
  'devices.request_rekey',
  'staff.read',
  'staff.add',
  'staff.set_status',
  'staff.reset_pin',
  'catalog.read',
  /** Rewards and earn rules. */
  'catalog.edit',
  'overdrafts.list',
  'rejected.list',
  'flagged.list',
  /** Marks an overdraft or a rejected op as dealt with. */
  'reviews.resolve',
  'reports.read',
  /** Finds members by card, phone or e-mail through the keyed hashes; results are masked. */
  'member.search',
  /** Shows one member's contacts unmasked; needs a recorded reason (REVEAL_REASONS). */
  'member.reveal',
  /** Records and answers data-subject requests; contacts in an answer are read through member.reveal. */
  'member.data_request',
  'member.erase',
  /** Puts a member on legal hold (nothing erases or expires them) or lifts it. */
  'member.legal_hold',
  /** The privacy policy, what its rules will remove, pending erasures, legal holds, the disclosure log. */
  'privacy.read',
  /** Changes the privacy policy: the erasure hold and the retention rules. */
  'privacy.policy_edit',
  /** Hands a purpose's audience to a recipient (recorded as a disclosure): contacts leave HQ. */
  'audience.export',
  'breach.manage',
  /** The breach register (issue 14): incidents, their 72-hour clock, entries and exposure counts. */
  'incidents.read',
  /** Opens, assesses, decides, records notifications, closes; runs the lost-till and staff computations. */
  'incidents.edit',
  /** Which members an incident exposed, masked, and what a named staff member did to whom. */
  'incidents.members',
  /** The members' notification list (Art. 34): their contacts, recorded as a disclosure. */
  'incidents.notification_list',
  /**
   * Revokes the till a lost or stolen till incident names, and only that one, through the same
   * admin/devices.ts revokeDevice as devices.revoke; like it, a second operator approves.
   */
  'incidents.revoke_till',
  /** A store's insider-detection policy (issue 14): reading it. */
  'detection.policy_read',
  /** Changing a store's detection policy (modes, thresholds, windows, hours, baseline); its tills pull it. */
  'detection.policy_edit',
  /** Detection alerts from tills and HQ, with the members involved masked. */
  'alerts.read',
  /** Acknowledges, dismisses as a false positive or escalates an alert, with a reason code. */
  'alerts.resolve',
  'audit.read',
  'audit.export',
  /** The chain's and each store's dashboard (issue 14): counts, points and ids, never a member. */
  'dashboard.read',
  /**
   * Takes the double opt-in e-mails waiting to be sent (the member's address, language and link)
   * and marks them sent: what a mail service does, and nothing else.
   */
  'mail.dispatch',
] as const;
export const Operation = z.enum(OPERATIONS);
export type Operation = z.infer<typeof Operation>;

const CHAIN_ADMIN: readonly Operation[] = [
  'operators.manage',
  'roles.change',
  'stores.read',
  'stores.create',
  'policies.edit',
  // Open incidents are the chain's business; who was exposed is not (counts only).
  'incidents.read',
  // Detection (issue 14): sets each store's policy and sees the alerts (members masked).
  'detection.policy_read',
  'detection.policy_edit',
  'alerts.read',
  'dashboard.read',
];

const STORE_OPERATIONS: readonly Operation[] = [
  'stores.read',
  'devices.read',
  'devices.issue_pairing_code',
  'devices.revoke',
  'devices.clear_rollback',
  'devices.request_rekey',
  'staff.read',
  'staff.add',
  'staff.set_status',
  'staff.reset_pin',
  'catalog.read',
  'catalog.edit',
  'overdrafts.list',
  'rejected.list',
  'flagged.list',
  'reviews.resolve',
  'reports.read',
  'detection.policy_read',
  'detection.policy_edit',
  'alerts.read',
  'alerts.resolve',
  'dashboard.read',
];

// The only role that reaches member contacts, and then one member at a time with a reason.
const PRIVACY_OFFICER: readonly Operation[] = [
  'member.search',
  'member.reveal',
  'member.data_request',
  'member.erase',
  'member.legal_hold',
  'privacy.read',
  'privacy.policy_edit',
  'audience.export',
  'breach.manage',
  'incidents.read',
  'incidents.edit',
  'incidents.members',
  'incidents.notification_list',
  'incidents.revoke_till',
  'detection.policy_read',
  'alerts.read',
  'alerts.resolve',
  'dashboard.read',
];

// Reads what holds no personal data and writes nothing. The audit trail is read by the auditor
// alone: the operators it records do not review themselves.
const AUDITOR: readonly Operation[] = [
  'stores.read',
  'devices.read',
  'catalog.read',
  'overdrafts.list',
  'rejected.list',
  'flagged.list',
  'reports.read',
  'audit.read',
  'audit.export',
  // Counts, dates and ids only: whether the rules are kept and who received what.
  'privacy.read',
  'incidents.read',
  'detection.policy_read',
  'alerts.read',
  'dashboard.read',
];

// The mail service's account (docs/MAIL.md): it sees the addresses of members waiting for a
// confirmation e-mail, only while they wait, and can do nothing else. Not part of chain_admin, which
// reaches no member contact; a person holding it is a mail service's operator, not a reviewer.
const MAIL_RELAY: readonly Operation[] = ['mail.dispatch'];

export const ROLE_OPERATIONS: Readonly<Record<OperatorRole, ReadonlySet<Operation>>> = {
  chain_admin: new Set(CHAIN_ADMIN),
  store_operations: new Set(STORE_OPERATIONS),
  privacy_officer: new Set(PRIVACY_OFFICER),
  auditor: new Set(AUDITOR),
  mail_relay: new Set(MAIL_RELAY),
};

/** Whether an operator holding `roles` may do `operation`. Unknown roles or operations allow nothing. */
export function may(roles: readonly string[], operation: string): boolean {
  const op = Operation.safeParse(operation);
  if (!op.success) return false;
  return roles.some((role) => {
    const parsed = OperatorRole.safeParse(role);
    return parsed.success && ROLE_OPERATIONS[parsed.data].has(op.data);
  });
}

/**
 * Done only once a second operator approved the exact request (second-operator.ts), as a store
 * manager approves at the till: revoking a store's tills, erasing a member, changing roles, and
 * handing a list of members to a recipient (the insider's favourite way to take data out).
 */
export const SECOND_OPERATOR_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'devices.revoke',
  'member.erase',
  'roles.change',
  'audience.export',
  'incidents.revoke_till',
]);

export function needsSecondOperator(operation: Operation): boolean {
  return SECOND_OPERATOR_OPERATIONS.has(operation);
}

/**
 * The operations that show member contacts unmasked: member.reveal (one member, with a reason),
 * member.data_request (one member's own export, for the member), audience.export (a purpose's
 * list, approved by a second operator and logged as a disclosure) and mail.dispatch (the addresses
 * of members whose confirmation e-mail is waiting, for the mail service).
 */
export const CONTACT_READING_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'member.reveal',
  'member.data_request',
  'audience.export',
  'mail.dispatch',
  'incidents.notification_list',
]);

/**
 * Why a member's contacts were revealed: a code from this list (and at most a reference id, such
 * as a ticket number), recorded in the operator audit. Never free text, which could hold the very
 * personal data the audit must not.
 */
export const REVEAL_REASONS = [
  'data_subject_request',
  'member_support',
  'breach_investigation',
  'legal_obligation',
] as const;
export const RevealReason = z.strictObject({
  code: z.enum(REVEAL_REASONS),
  reference: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .optional(),
});
export type RevealReason = z.infer<typeof RevealReason>;

export const OPERATOR_ACCESS_ERROR_CODES = [
  /** The operator's roles do not allow the operation. */
  'forbidden',
  'invalid_argument',
  'operator_not_found',
  'approval_not_found',
  'approval_expired',
  /** The requester tried to approve their own request. */
  'approval_self',
  'approval_already_decided',
  'approval_not_approved',
  'approval_used',
  /** Executed with another operation, payload or requester than the one approved. */
  'approval_mismatch',
] as const;
export type OperatorAccessErrorCode = (typeof OPERATOR_ACCESS_ERROR_CODES)[number];

/** A refused operator request. Messages hold ids and operation names, never personal data or secrets. */
export class OperatorAccessError extends CodedError<OperatorAccessErrorCode> {}

/** The roles `operatorId` holds now, in OPERATOR_ROLES order; none when the operator is disabled. */
export async function readOperatorRoles(q: Queryable, operatorId: string): Promise<OperatorRole[]> {
  const found = await q.query<{ role: string }>(
    `SELECT r.role FROM operator_roles r JOIN operators o ON o.id = r.operator_id
      WHERE r.operator_id = $1 AND o.status = 'active'`,
    [operatorId],
  );
  const held = new Set(found.rows.map((row) => OperatorRole.parse(row.role)));
  return OPERATOR_ROLES.filter((role) => held.has(role));
}

/**
 * Replaces `operatorId`'s roles. The mechanism only: a caller changing someone's roles does it as
 * an approved roles.change (second-operator.ts) and records it in the operator audit, in the same
 * transaction `tx`.
 */
export async function setOperatorRoles(
  tx: Queryable,
  operatorId: string,
  roles: readonly OperatorRole[],
): Promise<void> {
  const parsed = z.array(OperatorRole).parse(roles);
  await tx.query('DELETE FROM operator_roles WHERE operator_id = $1', [operatorId]);
  for (const role of new Set(parsed)) {
    await tx.query('INSERT INTO operator_roles (operator_id, role) VALUES ($1, $2)', [operatorId, role]);
  }
}
