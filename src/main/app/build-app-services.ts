import { approvalHandlers } from '../approvals/approval-handlers';
import { createApprovalService } from '../approvals/approval-service';
import { createRestrictedActionRunner } from '../approvals/restricted-actions';
import { auditHandlers } from '../audit/audit-handlers';
import { createAuditLog } from '../audit/audit-log';
import { createAuthenticator } from '../auth/authenticator';
import { startIdleLockTimer } from '../auth/idle-lock-timer';
import { DEFAULT_LOCKOUT_POLICY } from '../auth/lockout-policy';
import { createSessionStore } from '../auth/session';
import { sessionHandlers } from '../auth/session-handlers';
import { openDeviceDatabase } from '../db/open-device-database';
import { rekeyDeviceDatabase } from '../db/rekey-database';
import { counterWriteGate, createWriteGateBuffer } from '../db/write-gate';
import { seedDemo } from '../demo/seed-demo';
import { createRouter, type Handlers } from '../ipc/router';
import { memberHandlers } from '../members/member-handlers';
import { createRequestErasure } from '../members/request-erasure';
import { createTillRetention, scheduleTillRetention } from '../privacy/retention-job';
import { createRevealContactsAnywhere } from '../members/reveal-contacts';
import { createHqClientSource } from '../privacy/hq-member-data';
import { createExportMemberData } from '../privacy/member-data';
import { pointsHandlers, pointsRestrictedActions } from '../points/points-handlers';
import { privacyHandlers } from '../privacy/privacy-handlers';
import { createRequestLog } from '../requests/request-log';
import { rewardsHandlers } from '../rewards/rewards-handlers';
import { createSettingsService } from '../settings/settings';
import { createSettingChange, settingsHandlers } from '../settings/settings-handlers';
import { createPinHasher } from '../staff/pin-hasher';
import { staffHandlers, staffRestrictedActions } from '../staff/staff-handlers';
import { createStaffService } from '../staff/staff-service';
import { createDeviceIdentity } from '../sync/device-identity';
import { pairedEndpoint } from '../sync/pair-till';
import { createStaffProofSealer } from '../sync/staff-proof-seal';
import { syncHandlers } from '../sync/sync-handlers';
import { createSyncService } from '../sync/sync-service';
import { clearRevokedMarker, readRevokedAt } from '../sync/wipe-device';
import { dashboardHandlers } from '../dashboard/dashboard-handlers';
import { createDetection } from '../detection/create-detection';
import { alertHandlers, detectionHandlers } from '../detection/detection-handlers';
import {
  evaluateAfterEachCall,
  refuseHeldStaff,
  releaseLockOnUnlock,
  scheduleDetectionFollowUp,
} from '../detection/with-detection';
import { createStoreDashboard } from '../dashboard/store-dashboard';
import { systemMonotonicMs } from '../time/monotonic-clock';
import { appHandlers, createAppInfo } from './app-handlers';
import type { AppServices, AppServicesOptions } from './create-app-services';
import { createCounterServices } from './create-counter-services';
import { createTillPinPeppers, tidyPinPeppers } from '../staff/till-pin-peppers';
import { createPinRehash } from '../staff/pin-rehash';

export interface Lifecycle {
  /** Rebuild every service (after pairing: new chain-wide secrets). */
  reload(): void;
  /** HQ revoked this till: wipe it, then rebuild as a new till. */
  revoked(installId: string): void;
}

/**
 * The wiring: every service gets its dependencies here and nowhere else. Business rules live in
 * the services; what each channel does is in its domain's handlers (src/main/<domain>/*-handlers.ts).
 */
export async function buildAppServices(options: AppServicesOptions, lifecycle: Lifecycle): Promise<AppServices> {
  const now = options.now ?? (() => new Date());
  const monotonicMs = options.monotonicMs ?? systemMonotonicMs;
  const { logger } = options;
  const database = await openDeviceDatabase({
    dataDir: options.dataDir,
    keychain: options.keychain,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  const { db, secrets } = database;
  const settings = createSettingsService(db);
  const audit = createAuditLog({ db, key: secrets.auditKey, now });
  // Counter writes go before the sync worker's next part (shared with the worker below).
  const writeGate = counterWriteGate(createWriteGateBuffer());
  const requests = createRequestLog({ db, key: secrets.auditKey, now, writeGate });
  requests.prune();
  const sessions = createSessionStore({
    monotonicMs,
    idleLockSeconds: () => settings.get().idleLockSeconds,
    onLocked: (session, reason) => {
      db.transaction(() =>
        audit.append({ staffId: session.staffId, action: 'session.locked', details: { reason } }),
      ).immediate();
    },
  });
  // Per-store PIN peppers (issue 15): the hasher checks v2 hashes with them, v1 with secrets.pinPepper.
  const pinPeppers = await createTillPinPeppers({ db, keychain: options.keychain, installId: database.installId });
  const hasher = (options.pinHasher ?? createPinHasher)(secrets.pinPepper, pinPeppers.current);
  const policy = options.lockoutPolicy ?? DEFAULT_LOCKOUT_POLICY;
  const authenticator = createAuthenticator({ db, hasher, audit, policy, now, monotonicMs });
  const detection = createDetection({ db, audit, now, settings, sessions, authenticator });
  const identity = createDeviceIdentity(db);
  const proofs = createStaffProofSealer(identity);
  const counter = createCounterServices({
    db,
    audit,
    lookupKey: secrets.lookupKey,
    storeRegion: () => settings.get().storeRegion,
    language: () => settings.get().language,
    now,
    adjustLimit: () => settings.get().maxAdjustPoints,
    writeGate,
  });
  const { outbox } = counter;
  const staff = createStaffService({
    db,
    hasher,
    authenticator,
    sessions,
    audit,
    now,
    pinLength: () => settings.get().pinLength,
    idleLockSeconds: () => settings.get().idleLockSeconds,
    proofs,
    onPinSet: ({ opId, staffId, kind, approvedBy, approvalId, staffProof, actor }) => {
      if (!pairedEndpoint(db)) return;
      const payload = { staffId, kind, approvedBy, approvalId, at: now().toISOString() };
      outbox.append('staff.pin_changed', opId, staffProof ? { ...payload, staffProof } : payload, actor);
    },
    onSignedIn: createPinRehash({
      db,
      proofs,
      peppers: pinPeppers.current,
      now,
      append: ({ opId, payload, actor }) => outbox.append('staff.pin_changed', opId, payload, actor),
    }).afterSignIn,
  });
  const approvals = createApprovalService({
    db,
    audit,
    authenticator,
    actions: createRestrictedActionRunner({
      ...releaseLockOnUnlock(staffRestrictedActions(staff), detection.holds),
      ...pointsRestrictedActions(counter.corrections),
    }),
    staffName: (id) => staff.nameOf(id),
    memberName: counter.memberName,
    macKey: secrets.auditKey,
    proofs,
    secondApproverAbovePoints: () => settings.get().secondApproverAbovePoints,
    now,
    monotonicMs,
  });
  const sync = createSyncService({
    db,
    dbPath: database.path,
    databaseKey: () => secrets.databaseKey,
    cipher: database.cipher,
    keyInfoPath: database.keyInfoPath,
    lookupKey: secrets.lookupKey,
    installId: database.installId,
    keychain: options.keychain,
    audit,
    logger,
    now,
    workerPath: options.syncWorkerPath ?? null,
    writeGate: writeGate.buffer,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.syncTiming ? { timing: options.syncTiming } : {}),
    onPaired: () => {
      clearRevokedMarker(options.dataDir);
      lifecycle.reload();
    },
    onRevoked: () => lifecycle.revoked(database.installId),
    onSynced: () => void tidyPinPeppers(pinPeppers, logger),
    rekeyDatabase: (owed, staffId, settle) =>
      rekeyDeviceDatabase({ db, keyInfoPath: database.keyInfoPath, secrets }, owed.reason, {
        keychain: options.keychain,
        audit,
        staffId,
        now,
        onAudited: settle,
        ...(owed.rekeyId === undefined ? {} : { rekeyId: owed.rekeyId }),
      }),
    // Nobody at the counter: an owed rekey does not keep a cashier waiting.
    counterIdle: () => sessions.current() === null,
  });
  await tidyPinPeppers(pinPeppers, logger);
  const paired = () => sync.paired();
  // Member data only HQ holds, asked for on demand by the handler that needs it (not the sync worker).
  const hq = createHqClientSource({ db, keychain: options.keychain, installId: database.installId });
  // Every op reaches HQ soon after its transaction commits, whichever service wrote it (PIN
  // changes and resets, queue decisions, counter writes): the outbox itself kicks the sync loop.
  const stopKicks = outbox.onCommitted(() => sync.kick());

  // A paired till gets its roster, members and catalogue from HQ: demo data is for standalone tills.
  if (options.demo && !paired() && !options.autoPair) {
    await seedDemo({
      mode: options.demo,
      db,
      hasher,
      audit,
      counter,
      lookupKey: secrets.lookupKey,
      now,
      logger,
      storeRegion: () => settings.get().storeRegion,
    });
  }

  // The revoked marker changes only when the services are rebuilt (a wipe writes it, pairing clears it).
  const info = createAppInfo({ version: options.version, settings, sync, revokedAt: readRevokedAt(options.dataDir) });
  const change = createSettingChange({ db, settings, audit, info });
  const handlers: Handlers = {
    ...appHandlers({ info, settings, change }),
    ...sessionHandlers({ staff, sessions }),
    ...staffHandlers({ staff, approvals, paired }),
    ...approvalHandlers({ approvals }),
    ...auditHandlers({ db, audit }),
    ...settingsHandlers({ settings, change }),
    ...memberHandlers({
      counter,
      requestErasure: createRequestErasure({ db, audit, outbox, authenticator, proofs, now }),
      revealContacts: createRevealContactsAnywhere({
        db,
        audit,
        authenticator,
        proofs,
        hq,
        now,
        revealHere: counter.revealContacts,
      }),
      exportData: createExportMemberData({ db, audit, authenticator, proofs, identity, hq, logger, now }),
      access: detection.access,
    }),
    ...privacyHandlers(),
    ...pointsHandlers({ counter, approvals }),
    ...rewardsHandlers({ rewards: counter.rewards }),
    ...syncHandlers({ sync, staffCount: () => staff.count() }),
    ...alertHandlers({ alerts: detection.alerts }),
    ...detectionHandlers({ holds: detection.holds }),
    // The store's days are the till's: the operating system's time zone.
    ...dashboardHandlers({
      dashboard: createStoreDashboard({
        db,
        now,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        syncStatus: () => sync.status(),
      }),
    }),
  };
  // Detection (issue 14): held staff are refused before a sensitive handler runs, and the rules
  // run after every call over what it audited.
  const router = evaluateAfterEachCall(
    createRouter({
      handlers: refuseHeldStaff(handlers, detection.holds),
      requests,
      sessions,
      isTrustedSenderUrl: options.isTrustedSenderUrl,
      logger,
    }),
    detection.run,
    logger,
  );
  const stopIdleLock = startIdleLockTimer({ sessions, logger });
  const stopRetention = scheduleTillRetention(
    createTillRetention({ db, audit, auditRetentionYears: () => settings.get().auditRetentionYears, now }),
    logger,
  );
  const stopDetectionFollowUp = scheduleDetectionFollowUp(detection.run, logger);
  await sync.start();
  return {
    router,
    sessions,
    settings,
    database,
    staff,
    audit,
    outbox,
    sync,
    close: async () => {
      stopIdleLock();
      stopRetention();
      stopDetectionFollowUp();
      stopKicks();
      await sync.close();
      database.close();
    },
  };
}
