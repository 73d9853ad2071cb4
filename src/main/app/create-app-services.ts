import type { AuditLog } from '../audit/audit-log';
import type { LockoutPolicy } from '../auth/lockout-policy';
import type { SessionStore } from '../auth/session';
import type { DeviceDatabase } from '../db/open-device-database';
import type { Router } from '../ipc/router';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../logging/logger';
import type { SettingsService } from '../settings/settings';
import type { PinHasher } from '../staff/pin-hasher';
import type { TillPinPeppers } from '../../shared/sync/protocol';
import type { StaffService } from '../staff/staff-service';
import type { Outbox } from '../sync/outbox';
import type { SyncService, SyncTiming } from '../sync/sync-service';
import { finishInterruptedWipe, wipeDevice } from '../sync/wipe-device';
import type { MonotonicMs } from '../time/monotonic-clock';
import { buildAppServices, type Lifecycle } from './build-app-services';

export interface AppServicesOptions {
  dataDir: string;
  keychain: Keychain;
  logger: Logger;
  version: string;
  isTrustedSenderUrl: (url: string) => boolean;
  now?: () => Date;
  /** Durations (PIN waits, idle lock, approval lifetimes) run on it, never on the wall clock. */
  monotonicMs?: MonotonicMs;
  nativeBinding?: string;
  /** Seed synthetic demo members and staff into an empty database (npm start, harness --demo). */
  demo?: boolean | 'staff';
  lockoutPolicy?: LockoutPolicy;
  /** Tests may swap the argon2 hasher for a spy; the app always uses the real one. */
  pinHasher?: (pepperHex: string, peppers?: () => TillPinPeppers | null) => PinHasher;
  /** out/main/sync-worker.js: a paired till syncs with HQ in this worker thread. */
  syncWorkerPath?: string;
  syncTiming?: SyncTiming;
  /**
   * Pair a new till with this HQ at start (npm start's embedded demo HQ, the harness with --hq).
   * Ignored once paired, or when the till already has staff of its own.
   */
  autoPair?: { hqUrl: string; certSha256: string; pairingCode: string; deviceName: string };
}

export interface AppServices {
  router: Router;
  sessions: SessionStore;
  settings: SettingsService;
  database: DeviceDatabase;
  staff: StaffService;
  audit: AuditLog;
  outbox: Outbox;
  sync: SyncService;
  /** Stops the sync worker and closes the database. */
  close(): Promise<void>;
}

/**
 * The composition root, behind a stable facade: pairing and revocation rebuild the services (they
 * hold the chain-wide secrets), and calls that arrive meanwhile wait for the new ones. The wiring
 * itself is build-app-services.ts.
 */
export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  let current!: AppServices;
  let ready: Promise<void> = Promise.resolve();
  const rebuild = (before: (old: AppServices) => Promise<void>) => {
    ready = ready.then(async () => {
      const old = current;
      await old.close();
      await before(old);
      current = await buildAppServices(options, lifecycle);
    });
    ready.catch((error: unknown) => {
      options.logger.error('app.rebuild_failed', { code: (error as { code?: string }).code ?? 'error' });
    });
  };
  const lifecycle: Lifecycle = {
    reload: () => rebuild(async () => undefined),
    revoked: (installId) =>
      rebuild(async () => {
        try {
          await wipeDevice({ dataDir: options.dataDir, keychain: options.keychain, installId, at: new Date() });
          options.logger.warn('device.wiped', { code: 'device_revoked' });
        } catch (error) {
          // The secret store refused a deletion: the till still starts again (as a new till, saying it
          // was revoked), and the marker, which still names the old install, finishes the wipe of
          // its secrets at the next start without touching the new till's files.
          options.logger.error('device.wipe_unfinished', { code: (error as { code?: string }).code ?? 'error' });
        }
      }),
  };
  // A revocation's wipe a kill interrupted is finished before anything opens the folder.
  if (await finishInterruptedWipe(options.dataDir, options.keychain)) {
    options.logger.warn('device.wiped', { code: 'wipe_finished_at_start' });
  }
  current = await buildAppServices(options, lifecycle);
  if (options.autoPair && !current.sync.paired() && current.staff.count() === 0) {
    try {
      await current.sync.pair(options.autoPair, null);
      await ready;
      options.logger.info('app.auto_paired', { code: 'paired' });
    } catch (error) {
      // The first-run screen offers pairing by hand; the reason is in the log (a code only).
      options.logger.warn('app.auto_pair_failed', { code: (error as { code?: string }).code ?? 'error' });
    }
  }
  const router: Router = {
    handle: async (channel, payload, context) => {
      await ready;
      return current.router.handle(channel, payload, context);
    },
  };
  return {
    router,
    get sessions() {
      return current.sessions;
    },
    get settings() {
      return current.settings;
    },
    get database() {
      return current.database;
    },
    get staff() {
      return current.staff;
    },
    get audit() {
      return current.audit;
    },
    get outbox() {
      return current.outbox;
    },
    get sync() {
      return current.sync;
    },
    close: async () => {
      await ready.catch(() => undefined);
      await current.close();
    },
  };
}
