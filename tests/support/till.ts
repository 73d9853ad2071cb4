// A paired till for sync tests: the real encrypted device database, the real OS secret store, the
// counter's own services and the sync engine over the pinned HTTPS client, against a real HQ.
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { issuePairingCode } from '../../packages/hq/src/admin';
import { createCounterServices, type CounterServices } from '../../src/main/app/create-counter-services';
import { createAuditLog, type AuditLog } from '../../src/main/audit/audit-log';
import { openDeviceDatabase, type DeviceDatabase } from '../../src/main/db/open-device-database';
import { hqTokenAccount } from '../../src/main/keychain/device-secrets';
import { CURRENT_NOTICE_VERSION } from '../../src/main/privacy/notices';
import { createHqClient, type HqClient } from '../../src/main/sync/hq-client';
import { pairTill, pairedEndpoint } from '../../src/main/sync/pair-till';
import { createSyncEngine, type SyncEngine, type SyncEngineDeps } from '../../src/main/sync/engine/sync-engine';
import type { TestHq } from '../hq/support/hq';
import { createTestKeychain, type TestKeychain } from './keychain';
import { makeTempDir } from './temp-dir';
import { createSettingsService } from '../../src/main/settings/settings';

export const CONSENTS = {
  terms: true,
  marketingEmail: false,
  marketingSms: false,
  noticeVersion: CURRENT_NOTICE_VERSION,
  noticeLanguage: 'en',
} as const;

export interface Till {
  name: string;
  dataDir: string;
  device: DeviceDatabase;
  db: Database;
  audit: AuditLog;
  services: CounterServices;
  keychain: TestKeychain;
  clock: { now: Date };
  /** The pinned client; `wrap` lets a test put faults between the engine and HQ. */
  client: HqClient;
  engine(options?: { wrap?: (client: HqClient) => HqClient } & Partial<SyncEngineDeps>): SyncEngine;
  /** Reopens the database (as after a restart or a kill), keeping the same files and secrets. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

async function openTill(dataDir: string, keychain: TestKeychain, clock: { now: Date }) {
  const device = await openDeviceDatabase({ dataDir, keychain: keychain.keychain });
  const now = () => clock.now;
  const audit = createAuditLog({ db: device.db, key: device.secrets.auditKey, now });
  const settings = createSettingsService(device.db);
  const services = createCounterServices({
    db: device.db,
    audit,
    lookupKey: device.secrets.lookupKey,
    storeRegion: () => 'GB',
    language: () => 'en',
    now,
    adjustLimit: () => settings.get().maxAdjustPoints,
  });
  return { device, audit, services };
}

/** A new till paired with `hq`, in `storeId` or a new store. */
export async function pairedTill(hq: TestHq, name: string, storeId?: string): Promise<Till> {
  const dir = makeTempDir('loyalty-till-');
  const keychain = await createTestKeychain();
  const clock = { now: new Date(hq.clock.now) };
  let opened = await openTill(dir.path, keychain, clock);
  const store =
    storeId ??
    (await hq.db.query<{ id: string }>('SELECT id FROM stores ORDER BY created_at LIMIT 1')).rows[0]?.id ??
    '';
  const { pairingCode } = await issuePairingCode({ db: hq.db, now: () => hq.clock.now }, store);
  await pairTill(
    {
      db: opened.device.db,
      keychain: keychain.keychain,
      installId: opened.device.installId,
      audit: opened.audit,
      now: () => clock.now,
    },
    { hqUrl: hq.url, pairingCode, deviceName: name, certSha256: hq.tls.fingerprint256 },
    null,
  );
  // Services read the chain-wide secrets pairing stored: reopen, as the app does.
  opened.device.close();
  opened = await openTill(dir.path, keychain, clock);
  const endpoint = pairedEndpoint(opened.device.db);
  if (!endpoint) throw new Error('not paired');
  const token = await keychain.keychain.get(hqTokenAccount(opened.device.installId));
  const client = createHqClient({ endpoint, token: () => token, timeoutMs: 10_000 });
  const till: Till = {
    name,
    dataDir: dir.path,
    device: opened.device,
    db: opened.device.db,
    audit: opened.audit,
    services: opened.services,
    keychain,
    clock,
    client,
    engine(options = {}) {
      const { wrap, ...rest } = options;
      return createSyncEngine({
        db: till.db,
        client: wrap ? wrap(client) : client,
        lookupKey: till.device.secrets.lookupKey,
        now: () => clock.now,
        ...rest,
      });
    },
    async reopen() {
      till.device.close();
      const again = await openTill(dir.path, keychain, clock);
      Object.assign(till, { device: again.device, db: again.device.db, audit: again.audit, services: again.services });
    },
    async close() {
      till.device.close();
      await keychain.cleanup();
      dir.remove();
    },
  };
  return till;
}
