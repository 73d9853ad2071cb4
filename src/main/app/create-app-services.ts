import { AppError } from '../../shared/errors';
import { createApprovalService } from '../approvals/approval-service';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { createAuthenticator } from '../auth/authenticator';
import { DEFAULT_LOCKOUT_POLICY, type LockoutPolicy } from '../auth/lockout-policy';
import { createSessionStore, type Session, type SessionStore } from '../auth/session';
import { openDeviceDatabase, type DeviceDatabase } from '../db/open-device-database';
import { seedDemoCounter } from '../demo/seed-demo-counter';
import { demoSnapshot } from '../demo/seed-demo-members';
import { seedDemoStaff } from '../demo/seed-demo-staff';
import { createRouter, deferredWrite, type Handlers, type Router } from '../ipc/router';
import { createRequestLog } from '../requests/request-log';
import type { Keychain } from '../keychain/keychain';
import type { Logger } from '../logging/logger';
import { createSnapshotIngest } from '../members/ingest-snapshot';
import { CURRENT_NOTICE_VERSION, privacyNotice } from '../privacy/notices';
import type { Outbox } from '../sync/outbox';
import { createCounterServices } from './create-counter-services';
import { createSyncService, type SyncService, type SyncTiming } from '../sync/sync-service';
import { pairedEndpoint } from '../sync/pair-till';
import { clearRevokedMarker, readRevokedAt, wipeDevice } from '../sync/wipe-device';
import { roleHasPermission } from '../../shared/auth/permissions';
import type { RestrictedActionHandler } from '../approvals/approval-service';
import type { RestrictedAction } from '../../shared/approvals/schemas';
import type { AdjustPayload, ReversePayload } from '../../shared/points/schemas';
import type { ResetPinPayload, UnlockStaffPayload } from '../../shared/staff/schemas';
import type { z } from 'zod';
import { createSettingsService, type SettingsService } from '../settings/settings';
import { createPinHasher, type PinHasher } from '../staff/pin-hasher';
import { createStaffService, type StaffService } from '../staff/staff-service';
import { createDeviceIdentity } from '../sync/device-identity';
import { createStaffProofSealer } from '../sync/staff-proof-seal';
import { systemMonotonicMs, type MonotonicMs } from '../time/monotonic-clock';

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
  pinHasher?: (pepperHex: string) => PinHasher;
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

/** Handlers of protected channels always get a session (the router checked); this narrows the type. */
function signedIn(session: Session | null): Session {
  if (!session) throw new AppError('not_authenticated', 'Sign in to continue.');
  return session;
}

interface Lifecycle {
  /** Rebuild every service (after pairing: new chain-wide secrets). */
  reload(): void;
  /** HQ revoked this till: wipe it, then rebuild as a new till. */
  revoked(installId: string): void;
}

/**
 * The composition root, behind a stable facade: pairing and revocation rebuild the services (they
 * hold the chain-wide secrets), and calls that arrive meanwhile wait for the new ones.
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
        await wipeDevice({ dataDir: options.dataDir, keychain: options.keychain, installId, at: new Date() });
        options.logger.warn('device.wiped', { code: 'device_revoked' });
      }),
  };
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

/** Every service gets its dependencies here and nowhere else. */
async function buildAppServices(options: AppServicesOptions, lifecycle: Lifecycle): Promise<AppServices> {
  const now = options.now ?? (() => new Date());
  const monotonicMs = options.monotonicMs ?? systemMonotonicMs;
  const database = await openDeviceDatabase({
    dataDir: options.dataDir,
    keychain: options.keychain,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  const { db, secrets } = database;
  const settings = createSettingsService(db);
  const audit = createAuditLog({ db, key: secrets.auditKey, now });
  const requests = createRequestLog({ db, key: secrets.auditKey, now });
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
  const hasher = (options.pinHasher ?? createPinHasher)(secrets.pinPepper);
  const authenticator = createAuthenticator({
    db,
    hasher,
    audit,
    policy: options.lockoutPolicy ?? DEFAULT_LOCKOUT_POLICY,
    now,
    monotonicMs,
  });
  const proofs = createStaffProofSealer(createDeviceIdentity(db));
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
  });
  const storeRegion = () => settings.get().storeRegion;
  const lookupKey = secrets.lookupKey;
  const counter = createCounterServices({
    db,
    audit,
    lookupKey,
    storeRegion,
    language: () => settings.get().language,
    now,
    adjustLimit: () => settings.get().maxAdjustPoints,
  });
  const { outbox, rules, rewards, cardBlock, enroll, find, memberView, updateProfile, revealContacts } = counter;
  const { setConsent, quoteEarn, earn, redeem, corrections } = counter;
  const memberName = db.prepare<[string], { name: string }>(
    "SELECT given_name || ' ' || family_name AS name FROM members WHERE id = ?",
  );

  type Payload<T extends z.ZodType> = z.output<T>;
  const actions: Record<RestrictedAction, RestrictedActionHandler> = {
    'staff.resetPin': {
      precheck: (payload, session) => staff.checkResetPin(payload as Payload<typeof ResetPinPayload>, session),
      target: (payload) => ({ staffId: (payload as Payload<typeof ResetPinPayload>).staffId, memberId: null }),
    },
    'staff.unlock': {
      precheck: (payload) => {
        if (!staff.exists((payload as Payload<typeof UnlockStaffPayload>).staffId))
          throw new AppError('staff_not_found', 'No such staff member on this till.');
      },
      target: (payload) => ({ staffId: (payload as Payload<typeof UnlockStaffPayload>).staffId, memberId: null }),
      apply: (payload, context) =>
        staff.applyUnlock(
          (payload as Payload<typeof UnlockStaffPayload>).staffId,
          context.approvedBy,
          context.approvalId,
        ),
    },
    'points.adjust': {
      precheck: (payload) => corrections.checkAdjust(payload as Payload<typeof AdjustPayload>),
      target: (payload) => ({ staffId: null, memberId: (payload as Payload<typeof AdjustPayload>).memberId }),
      apply: (payload, context) => void corrections.applyAdjust(payload as Payload<typeof AdjustPayload>, context),
    },
    'points.reverse': {
      precheck: (payload) => corrections.checkReverse(payload as Payload<typeof ReversePayload>),
      target: (payload) => ({
        staffId: null,
        memberId: corrections.memberOfReverse(payload as Payload<typeof ReversePayload>),
      }),
      apply: (payload, context) => void corrections.applyReverse(payload as Payload<typeof ReversePayload>, context),
    },
  };
  const approvals = createApprovalService({
    db,
    audit,
    authenticator,
    actions,
    staffName: (id) => staff.nameOf(id),
    memberName: (id) => memberName.get(id)?.name ?? null,
    macKey: secrets.auditKey,
    proofs,
    now,
    monotonicMs,
  });
  const sync = createSyncService({
    db,
    dbPath: database.path,
    databaseKey: secrets.databaseKey,
    lookupKey,
    installId: database.installId,
    keychain: options.keychain,
    audit,
    logger: options.logger,
    now,
    workerPath: options.syncWorkerPath ?? null,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.syncTiming ? { timing: options.syncTiming } : {}),
    onPaired: () => {
      clearRevokedMarker(options.dataDir);
      lifecycle.reload();
    },
    onRevoked: () => lifecycle.revoked(database.installId),
  });
  const paired = () => sync.paired();
  // The marker changes only when the services are rebuilt (a wipe writes it, pairing clears it).
  const revokedAt = readRevokedAt(options.dataDir);
  // Every op reaches HQ soon after its transaction commits, whichever service wrote it (PIN
  // changes and resets, queue decisions, counter writes): the outbox itself kicks the sync loop.
  const stopKicks = outbox.onCommitted(() => sync.kick());
  const info = () => ({
    version: options.version,
    ...settings.get(),
    language: settings.shownLanguage(),
    paired: paired(),
    storeName: sync.storeName(),
    revokedAt,
  });
  /** The first-run screen may pair before anyone exists; afterwards only a manager may. */
  const mayPair = (session: Session | null) => {
    if (staff.count() === 0) return;
    if (session && roleHasPermission(session.role, 'sync.run')) return;
    throw new AppError('permission_denied', 'Only a manager can pair this till with HQ.');
  };

  // A paired till gets its roster, members and catalogue from HQ: demo data is for standalone tills.
  if (options.demo && !paired() && !options.autoPair) {
    const added = await seedDemoStaff(staff);
    if (added > 0) options.logger.info('demo.seeded', { code: 'staff', count: added });
    if (options.demo === true) {
      db.transaction(() =>
        seedDemoCounter({ rules, rewards, cardBlock, hasCardBlock: () => cardBlock.current() !== null }),
      ).immediate();
      const memberCount = (db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
      if (memberCount === 0) {
        const members = demoSnapshot({
          lookupKey,
          region: storeRegion(),
          termsVersion: CURRENT_NOTICE_VERSION,
          now: now(),
        });
        createSnapshotIngest(db).writeBatch(members, { fresh: true });
        options.logger.info('demo.seeded', { code: 'members', count: members.length });
      }
    }
  }

  const changeSetting = (session: Session | null, setting: string, apply: () => void) => {
    db.transaction(() => {
      const before = JSON.stringify(settings.get());
      apply();
      // A no-op (e.g. pressing the language already chosen) is not a change worth an audit entry.
      if (JSON.stringify(settings.get()) !== before) {
        audit.append({ staffId: session?.staffId ?? null, action: 'settings.changed', details: { setting } });
      }
    }).immediate();
    return info();
  };

  const handlers: Handlers = {
    'app.getInfo': () => info(),
    'app.setLanguage': ({ language }, session) => {
      // The store-wide language is a store setting; without settings.manage (a locked till's lock
      // screen, a cashier, a temporary PIN) only this till's screen switches, and nothing is written.
      if (session && !session.mustChangePin && roleHasPermission(session.role, 'settings.manage')) {
        settings.showLanguage(null);
        return changeSetting(session, 'language', () => settings.setLanguage(language));
      }
      settings.showLanguage(language);
      return info();
    },
    'session.current': (_request, session) => staff.sessionInfo(session),
    'session.login': (request) => staff.login(request),
    'session.lock': () => {
      sessions.lock('manual');
      return { session: null };
    },
    'session.touch': (_request, session) => staff.sessionInfo(session),
    'staff.roster': (_request, session) => staff.roster(session),
    // Writes that check a PIN (argon2) or call HQ first are deferred: they pass their one write
    // transaction to `commit`, which records the client request in it.
    'staff.bootstrap': deferredWrite(async (request, _session, commit) => {
      // A paired till's staff come from HQ: no local manager, even before the first roster arrives.
      if (paired()) throw new AppError('permission_denied', 'This till is paired: its staff come from HQ.');
      return staff.bootstrap(request, commit);
    }),
    'staff.changeOwnPin': deferredWrite((request, session, commit) =>
      staff.changeOwnPin(request, signedIn(session), commit),
    ),
    'staff.add': deferredWrite(async (request, session, commit) => {
      // HQ keeps a paired till's roster: a local addition would vanish at the next full snapshot.
      if (paired()) throw new AppError('permission_denied', 'This till is paired: staff are added at HQ.');
      return staff.add(request, signedIn(session), commit);
    }),
    'staff.resetPin': deferredWrite(async ({ approvalId, ...payload }, session, commit) => {
      const actor = signedIn(session);
      staff.checkResetPin(payload, actor);
      approvals.check(approvalId, 'staff.resetPin', payload, actor);
      const pinHash = await staff.hashForReset(payload.temporaryPin);
      // The answer is the roster entry, never the temporary PIN: a replay shows no secret.
      return commit(() => {
        const approval = approvals.consume(approvalId, 'staff.resetPin', payload, actor);
        staff.applyReset(payload.staffId, pinHash, actor.staffId, approval);
        return staff.entryOf(payload.staffId);
      });
    }),
    // Approval checks audit a refusal in a transaction of their own: they run before the write's.
    'staff.unlock': deferredWrite(async ({ approvalId, ...payload }, session, commit) => {
      const actor = signedIn(session);
      approvals.check(approvalId, 'staff.unlock', payload, actor);
      return commit(() => {
        approvals.consume(approvalId, 'staff.unlock', payload, actor);
        staff.applyUnlock(payload.staffId, actor.staffId, approvalId);
        return staff.entryOf(payload.staffId);
      });
    }),
    'approvals.grant': deferredWrite((request, session, commit) => approvals.grant(request, signedIn(session), commit)),
    'approvals.request': (subject, session) => approvals.request(subject, signedIn(session)),
    'approvals.list': ({ status }) => approvals.list(status),
    'approvals.decide': deferredWrite((request, session, commit) =>
      approvals.decide(request, signedIn(session), commit),
    ),
    'audit.list': (filter) => audit.list(filter),
    'audit.verify': (_request, session) => {
      const result = audit.verify();
      db.transaction(() =>
        audit.append({
          staffId: session?.staffId ?? null,
          action: 'audit.verified',
          details: { ok: result.ok, checked: result.checked, firstBrokenSeq: result.firstBrokenSeq },
        }),
      ).immediate();
      return result;
    },
    'settings.setStoreRegion': ({ region }, session) =>
      changeSetting(session, 'store_region', () => settings.setStoreRegion(region)),
    'settings.setIdleLock': ({ seconds }, session) =>
      changeSetting(session, 'idle_lock_seconds', () => settings.setIdleLockSeconds(seconds)),
    'members.enroll': (request, session) => enroll(request, signedIn(session).staffId),
    'members.find': ({ query }) => find(query),
    'members.get': ({ memberId }) => memberView(memberId),
    'members.update': (request, session) => updateProfile(request, signedIn(session).staffId),
    'members.setConsent': (request, session) => {
      setConsent(request, signedIn(session).staffId);
      return memberView(request.memberId);
    },
    'members.revealContacts': (request, session) => revealContacts(request, signedIn(session).staffId),
    'members.nextCardNumber': () => ({ cardNumber: cardBlock.peek() }),
    'privacy.notice': ({ language }) => privacyNotice(language),
    'points.rules': () => ({ rules: rules.get() }),
    'points.quote': (request) => quoteEarn(request),
    'points.earn': (request, session) => earn(request, signedIn(session).staffId),
    'points.redeem': (request, session) => redeem(request, signedIn(session).staffId),
    'points.adjust': deferredWrite(async ({ approvalId, ...payload }, session, commit) => {
      const actor = signedIn(session);
      corrections.checkAdjust(payload);
      approvals.check(approvalId, 'points.adjust', payload, actor);
      return commit(() =>
        corrections.applyAdjust(payload, approvals.consume(approvalId, 'points.adjust', payload, actor)),
      );
    }),
    'points.reverse': deferredWrite(async ({ approvalId, ...payload }, session, commit) => {
      const actor = signedIn(session);
      corrections.checkReverse(payload);
      approvals.check(approvalId, 'points.reverse', payload, actor);
      return commit(() =>
        corrections.applyReverse(payload, approvals.consume(approvalId, 'points.reverse', payload, actor)),
      );
    }),
    'rewards.list': () => ({ rewards: rewards.list() }),
    'sync.status': () => sync.status(),
    'sync.runNow': (_request, session) => sync.runNow(signedIn(session).staffId),
    'sync.dayEnd': (_request, session) => sync.dayEnd(signedIn(session).staffId),
    'sync.probeHq': ({ hqUrl }, session) => {
      mayPair(session);
      return sync.probe(hqUrl);
    },
    'sync.pair': deferredWrite(async (request, session, commit) => {
      mayPair(session);
      return sync.pair(request, session?.staffId ?? null, commit);
    }),
  };

  const router = createRouter({
    handlers,
    requests,
    sessions,
    isTrustedSenderUrl: options.isTrustedSenderUrl,
    logger: options.logger,
  });
  // Lock an idle till on time (and audit it then), not only when the next call comes in.
  const idleCheck = setInterval(() => {
    try {
      sessions.current();
    } catch (error) {
      options.logger.error('session.idle_check_failed', { code: (error as { code?: string }).code ?? 'error' });
    }
  }, 5_000);
  idleCheck.unref();
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
      clearInterval(idleCheck);
      stopKicks();
      await sync.close();
      database.close();
    },
  };
}
