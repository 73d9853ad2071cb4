/**
 * Every IPC channel, named `<domain>.<action>`. The preload turns each into
 * `window.loyalty.<domain>.<action>()`; this list has no dependencies so the preload bundle stays tiny.
 */
export const CHANNELS = [
  'app.getInfo',
  'app.setLanguage',
  'session.current',
  'settings.setStoreRegion',
  'members.enroll',
  'members.find',
] as const;

export type Channel = (typeof CHANNELS)[number];
