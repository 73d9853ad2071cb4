// A real till restored from an old copy of its own data folder (issue 15 item 4): it synced, its folder
// was copied (database, WAL and key-info; the secret store entries stay), it sold and synced more, then
// the copy was put back. At its next contact HQ refuses it as rolled back and flags it; the till keeps
// what it recorded since the restore queued, stops syncing in the background, records the refusal once
// in its audit chain and shows it in its sync status. Real encrypted database and secret store
// (scripts/vitest-keyring.sh), real HQ on PGlite over pinned HTTPS.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import catalog from '../../resources/demo/hq-catalog.json';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createStore, loadCatalog } from '../../packages/hq/src/admin';
import { toInt } from '../../packages/hq/src/db/database';
import { createMemoryLogger } from '../../src/main/logging/logger';
import { auditRolledBack, DeviceRolledBackError } from '../../src/main/sync/engine/rollback-state';
import { createSyncLoop } from '../../src/main/sync/engine/sync-loop';
import type { HqClient } from '../../src/main/sync/hq-client';
import { createSyncService } from '../../src/main/sync/sync-service';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { makeTempDir } from '../support/temp-dir';
import { CONSENTS, pairedTill, type Till } from '../support/till';

/** Counts the requests a till sends to HQ. */
function counting(inner: HqClient, sent: string[]): HqClient {
  return {
    post(path, body, schema) {
      sent.push(path);
      return inner.post(path, body, schema);
    },
  };
}

describe('a till restored from an old copy of its data folder is caught at its next contact', () => {
  let hq: TestHq;
  let storeId: string;
  const cleanup: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    storeId = (await createStore({ db: hq.db, now: () => hq.clock.now }, 'Old Town')).storeId;
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
  });
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.();
  });
  afterAll(async () => {
    await hq?.close();
  });

  function earn(t: Till, memberId: string, reference: string): void {
    t.clock.now = new Date(t.clock.now.getTime() + 60_000);
    t.services.earn({ memberId, amountMinor: 1_000, reference }, 'staff-1');
  }

  /** The till's files while it is closed: every file of its data folder, the database's WAL too. */
  async function withTillClosed(t: Till, work: () => void): Promise<void> {
    t.device.close();
    work();
    await t.reopen();
  }

  function copyFolder(from: string, to: string): void {
    for (const name of readdirSync(to)) rmSync(join(to, name), { recursive: true, force: true });
    cpSync(from, to, { recursive: true });
  }

  async function hqDevice(deviceId: string) {
    const device = await hq.db.query<{ last_seq: unknown; audit_seq: unknown; rolled_back_at: Date | null }>(
      'SELECT last_seq, audit_seq, rolled_back_at FROM devices WHERE id = $1',
      [deviceId],
    );
    const records = await hq.db.query<{ route: string; reason: string; claimed: unknown; held: unknown }>(
      'SELECT route, reason, claimed, held FROM device_rollbacks WHERE device_id = $1',
      [deviceId],
    );
    const row = device.rows[0];
    return {
      lastSeq: toInt(row?.last_seq),
      auditSeq: toInt(row?.audit_seq),
      flagged: row?.rolled_back_at !== null && row?.rolled_back_at !== undefined,
      records: records.rows,
    };
  }

  test('sync, copy, sync more, restore the copy: the next sync is refused and flagged, and the till shows it', async () => {
    const t = await pairedTill(hq, 'Till restored', storeId);
    cleanup.push(() => t.close());
    const deviceId = t.db
      .prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'device_id'")
      .get()?.value;
    if (!deviceId) throw new Error('not paired');
    await t.engine().run();
    const member = t.services.enroll(
      {
        givenName: 'Ada',
        familyName: 'Lovelace',
        phone: '07911 123987',
        email: undefined,
        birthDate: undefined,
        cardNumber: t.services.cardBlock.peek(),
        consents: CONSENTS,
      },
      'staff-1',
    );
    earn(t, member.id, 'R-1');
    await t.engine().run();
    const atCopy = await hqDevice(deviceId);
    expect(atCopy.flagged).toBe(false);
    expect(atCopy.lastSeq).toBeGreaterThan(0);

    // The backup: the whole data folder, taken while the till is closed.
    const backup = makeTempDir('loyalty-till-backup-');
    cleanup.push(() => backup.remove());
    await withTillClosed(t, () => copyFolder(t.dataDir, backup.path));

    // Hours of sales after the backup, all acknowledged by HQ.
    earn(t, member.id, 'R-2');
    earn(t, member.id, 'R-3');
    await t.engine().run();
    const beforeRestore = await hqDevice(deviceId);
    expect(beforeRestore.lastSeq).toBe(atCopy.lastSeq + 2);
    expect(beforeRestore.auditSeq).toBeGreaterThan(atCopy.auditSeq);
    const opAtNextSeq = await hq.db.query<{ op_id: string }>(
      'SELECT op_id FROM ops WHERE device_id = $1 AND seq = $2',
      [deviceId, atCopy.lastSeq + 1],
    );

    // The disk is restored from the backup; the secret store still holds the till's keys.
    await withTillClosed(t, () => copyFolder(backup.path, t.dataDir));
    const restoredLast = Number(
      t.db.prepare<[], { value: string }>("SELECT value FROM sync_state WHERE key = 'outbox_last_seq'").get()?.value,
    );
    expect(restoredLast).toBe(atCopy.lastSeq);

    // The counter works as it does offline: a sale after the restore is recorded and queued.
    earn(t, member.id, 'R-4');
    expect(t.services.outbox.pendingCount()).toBe(1);

    const sent: string[] = [];
    const engine = t.engine({ wrap: (client) => counting(client, sent) });
    const refused = await engine.run().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DeviceRolledBackError);
    expect((refused as DeviceRolledBackError).info).toEqual({
      reason: 'seq_behind',
      detectedAt: hq.clock.now.toISOString(),
      hqLastSeq: beforeRestore.lastSeq,
      hqAuditSeq: beforeRestore.auditSeq,
    });
    // Refused at the first request, the push: nothing of it applied, HQ's op at that seq unchanged.
    expect(sent).toEqual(['/v1/push']);
    const atHq = await hqDevice(deviceId);
    expect(atHq).toMatchObject({ lastSeq: beforeRestore.lastSeq, flagged: true });
    expect(atHq.records).toEqual([
      {
        route: 'push',
        reason: 'seq_behind',
        held: { lastSeq: beforeRestore.lastSeq, auditSeq: beforeRestore.auditSeq, auditHash: expect.any(String) },
        claimed: {
          ackedSeq: atCopy.lastSeq,
          lastSeq: atCopy.lastSeq + 1,
          audit: { seq: expect.any(Number), hash: expect.any(String) },
        },
      },
    ]);
    expect(
      (await hq.db.query('SELECT op_id FROM ops WHERE device_id = $1 AND seq = $2', [deviceId, atCopy.lastSeq + 1]))
        .rows,
    ).toEqual(opAtNextSeq.rows);
    // The sale since the restore is still queued here, not lost and not pushed.
    expect(t.services.outbox.pendingCount()).toBe(1);

    // The background loop stops after the refusal: kicks (counter writes) send nothing more.
    let rolledBackHeard = 0;
    const loop = createSyncLoop({
      run: () => engine.run(),
      intervalMs: 10,
      baseBackoffMs: 1,
      maxBackoffMs: 5,
      onRevoked: () => undefined,
      onRolledBack: () => {
        rolledBackHeard += 1;
      },
    });
    loop.start();
    const deadline = Date.now() + 10_000;
    while (!loop.halted() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(loop.halted()).toBe(true);
    for (let i = 0; i < 5; i++) loop.kick();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rolledBackHeard).toBe(1);
    // The loop's first run asked once more and was refused; then nothing.
    expect(sent).toEqual(['/v1/push', '/v1/push']);
    await loop.stop();

    // What the till shows: the sync status, and one audit entry for the detection.
    const service = createSyncService({
      db: t.db,
      dbPath: join(t.dataDir, 'loyalty.db'),
      databaseKey: () => '0'.repeat(64),
      lookupKey: t.device.secrets.lookupKey,
      installId: t.device.installId,
      keychain: t.keychain.keychain,
      audit: t.audit,
      logger: createMemoryLogger(),
      now: () => t.clock.now,
      workerPath: null,
      onPaired: () => undefined,
      onRevoked: () => undefined,
    });
    const status = service.status();
    expect(status.rolledBack).toEqual({
      reason: 'seq_behind',
      detectedAt: hq.clock.now.toISOString(),
      hqLastSeq: beforeRestore.lastSeq,
      hqAuditSeq: beforeRestore.auditSeq,
    });
    expect(status.lastError).toBe('device_rolled_back');
    expect(auditRolledBack(t.db, t.audit)?.written).toBe(true);
    expect(auditRolledBack(t.db, t.audit)?.written).toBe(false);
    const entries = t.db
      .prepare<[], { details: string }>("SELECT details FROM audit WHERE action = 'sync.rolled_back'")
      .all();
    expect(entries.map((row) => JSON.parse(row.details) as unknown)).toEqual([
      { reason: 'seq_behind', hqLastSeq: beforeRestore.lastSeq, hqAuditSeq: beforeRestore.auditSeq },
    ]);
    expect(t.audit.verify().ok).toBe(true);
  });
});
