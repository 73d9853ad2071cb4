/**
 * The role -> permission matrix. The main process checks it on every IPC call (and HQ on every
 * request); the renderer may read it only to decide what to show.
 */
export const ROLES = ['cashier', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'session.self',
  'members.read',
  'members.enroll',
  'members.update',
  'members.consent',
  'members.reveal_contacts',
  'members.export',
  'members.erase',
  'points.earn',
  'points.redeem',
  'points.adjust.request',
  'approvals.request',
  'approvals.grant',
  'staff.reset_pin',
  'staff.unlock',
  'staff.manage',
  'audit.read',
  /** The auditor's export of the log (CSV and the raw chained entries): store managers. */
  'audit.export',
  'sync.view',
  'sync.run',
  'settings.manage',
  /** The store dashboard: store managers (staff activity and alerts are about colleagues). */
  'dashboard.view',
  /** Detection alerts at this till: store managers only (the cashier they are about must not see them). */
  'alerts.view',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** `public` channels need no staff session (app info, language); everything else does. */
export type ChannelPermission = Permission | 'public';

// Cashiers may *ask* for PIN resets and unlocks: the action itself still needs a manager's approval.
const CASHIER: readonly Permission[] = [
  'session.self',
  'approvals.request',
  'staff.reset_pin',
  'staff.unlock',
  'members.read',
  'members.enroll',
  'members.update',
  'members.consent',
  'points.earn',
  'points.redeem',
  'points.adjust.request',
  'sync.view',
];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  cashier: new Set(CASHIER),
  manager: new Set(PERMISSIONS),
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/**
 * Whoever resets a PIN chooses, and so learns, the temporary one: a cashier must never learn a
 * manager's. The main process enforces this; the UI uses it to offer only what will be allowed.
 */
export function mayResetPinOf(actorRole: Role, targetRole: Role): boolean {
  return targetRole !== 'manager' || actorRole === 'manager';
}
