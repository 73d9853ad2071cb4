import { roleHasPermission, type Role } from '../../shared/auth/permissions';

/** The sections of the till, in tab order, and which role sees which. The main process enforces anyway. */
export const ALL_VIEWS = ['find', 'enroll', 'staff', 'approvals', 'audit', 'sync', 'dashboard', 'alerts'] as const;
export type View = (typeof ALL_VIEWS)[number];

export function viewsFor(role: Role): View[] {
  return ALL_VIEWS.filter((view) => {
    if (view === 'approvals') return roleHasPermission(role, 'approvals.grant');
    if (view === 'audit') return roleHasPermission(role, 'audit.read');
    if (view === 'sync') return roleHasPermission(role, 'sync.view');
    if (view === 'dashboard') return roleHasPermission(role, 'dashboard.view');
    if (view === 'alerts') return roleHasPermission(role, 'alerts.view');
    return true;
  });
}

/** Function keys that open a view from anywhere (F2 and F3 are Find and Enroll's, F6-F8 the member panel's). */
export const VIEW_F_KEYS: Partial<Record<View, string>> = { dashboard: 'F9', alerts: 'F4' };

/** What the Staff section offers beyond the roster. */
export function staffAbilities(role: Role): { addStaff: boolean; idleLock: boolean } {
  return {
    addStaff: roleHasPermission(role, 'staff.manage'),
    idleLock: roleHasPermission(role, 'settings.manage'),
  };
}
