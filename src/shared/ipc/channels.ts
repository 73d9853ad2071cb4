/**
 * Every IPC channel, named `<domain>.<action>`. The preload turns each into
 * `window.loyalty.<domain>.<action>()`; this list has no dependencies so the preload bundle stays tiny.
 */
export const CHANNELS = [
  'app.getInfo',
  'app.setLanguage',
  'session.current',
  'session.login',
  'session.lock',
  'session.touch',
  'staff.roster',
  'staff.bootstrap',
  'staff.changeOwnPin',
  'staff.add',
  'staff.resetPin',
  'staff.unlock',
  'approvals.grant',
  'approvals.request',
  'approvals.list',
  'approvals.decide',
  'audit.list',
  'audit.verify',
  'settings.setStoreRegion',
  'settings.setIdleLock',
  'members.enroll',
  'members.find',
  'members.get',
  'members.update',
  'members.setConsent',
  'members.revealContacts',
  'members.nextCardNumber',
  'privacy.notice',
  'points.rules',
  'points.quote',
  'points.earn',
  'points.redeem',
  'points.adjust',
  'points.reverse',
  'rewards.list',
] as const;

export type Channel = (typeof CHANNELS)[number];
