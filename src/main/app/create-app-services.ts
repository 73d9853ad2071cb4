import { createSessionStore, type Session, type SessionStore } from '../auth/session';
import { openDeviceDatabase, type DeviceDatabase } from '../db/open-device-database';
import { createRouter, type Handlers, type Router } from '../ipc/router';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../logging/logger';
import { createEnrollMember } from '../members/enroll';
import { createFindMembers } from '../members/find';
import { seedDemoMembers } from '../demo/seed-demo-members';
import { createSettingsService, type SettingsService } from '../settings/settings';

export interface AppServicesOptions {
  dataDir: string;
  keychain: Keychain;
  logger: Logger;
  version: string;
  isTrustedSenderUrl: (url: string) => boolean;
  now?: () => Date;
  nativeBinding?: string;
  /** Seed synthetic demo members into an empty database (npm start, harness --demo). */
  demo?: boolean;
}

export interface AppServices {
  router: Router;
  sessions: SessionStore;
  settings: SettingsService;
  database: DeviceDatabase;
  close(): void;
}

/**
 * Until staff PIN login lands (issue 3), the counter runs under this one cashier session so that
 * the router's permission checks are already exercised end to end. It has the cashier role only.
 */
export const SKELETON_COUNTER_SESSION: Session = {
  staffId: 'counter',
  displayName: 'Counter',
  role: 'cashier',
  startedAt: new Date(0).toISOString(),
};

/** The composition root: every service gets its dependencies here and nowhere else. */
export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const now = options.now ?? (() => new Date());
  const database = await openDeviceDatabase({
    dataDir: options.dataDir,
    keychain: options.keychain,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  const { db, secrets } = database;
  const settings = createSettingsService(db);
  const sessions = createSessionStore();
  sessions.open({ ...SKELETON_COUNTER_SESSION, startedAt: now().toISOString() });

  const storeRegion = () => settings.get().storeRegion;
  const enroll = createEnrollMember({ db, lookupKey: secrets.lookupKey, storeRegion, now });
  const find = createFindMembers({ db, lookupKey: secrets.lookupKey, storeRegion });
  if (options.demo) {
    const memberCount = () => (db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
    const added = seedDemoMembers({ memberCount, enroll });
    if (added > 0) options.logger.info('demo.seeded', { count: added });
  }
  const info = () => ({ version: options.version, ...settings.get() });

  const handlers: Handlers = {
    'app.getInfo': () => info(),
    'app.setLanguage': ({ language }) => {
      settings.setLanguage(language);
      return info();
    },
    'session.current': (_request, session) => ({
      session: session ? { staffId: session.staffId, displayName: session.displayName, role: session.role } : null,
    }),
    'settings.setStoreRegion': ({ region }) => {
      settings.setStoreRegion(region);
      return info();
    },
    'members.enroll': (request) => enroll(request),
    'members.find': ({ query }) => find(query),
  };

  const router = createRouter({
    handlers,
    sessions,
    isTrustedSenderUrl: options.isTrustedSenderUrl,
    logger: options.logger,
  });
  return { router, sessions, settings, database, close: () => database.close() };
}
