import { afterEach, describe, expect, test } from 'vitest';
import { createStore } from '../../packages/hq/src/admin';
import { createAuditLog } from '../../src/main/audit/audit-log';
import { openDeviceDatabase, type DeviceDatabase } from '../../src/main/db/open-device-database';
import { createTillRetention } from '../../src/main/privacy/retention-job';
import { createSettingsService } from '../../src/main/settings/settings';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import { makeTempDir } from '../support/temp-dir';
import { pairedTill, type Till } from '../support/till';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The till's retention job (issue 13 item 3) on a real encrypted database and a fake clock: audit
 * entries older than the chain's years go from the start of the chain, exactly those; the rest
 * verifies from the kept start; the purge is itself recorded. The years come from HQ's policy.
 */
describe('retention at the till', () => {
  let device: DeviceDatabase | undefined;
  let keychain: TestKeychain | undefined;
  let dir: { path: string; remove(): void } | undefined;
  let hq: TestHq | undefined;
  let till: Till | undefined;
  afterEach(async () => {
    device?.close();
    await keychain?.cleanup();
    dir?.remove();
    await till?.close();
    await hq?.close();
    device = keychain = dir = till = hq = undefined;
  });

  test('audit entries older than the policy are deleted from the chain’s start, exactly those, and the rest still verifies', async () => {
    dir = makeTempDir('loyalty-retention-');
    keychain = await createTestKeychain();
    device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
    const db = device.db;
    const clock = { now: new Date('2026-01-10T09:00:00.000Z') };
    const audit = createAuditLog({ db, key: device.secrets.auditKey, now: () => clock.now });
    const settings = createSettingsService(db);
    db.prepare("INSERT INTO settings (key, value) VALUES ('audit_retention_years', '1')").run();
    const append = (staffId: string) =>
      db.transaction(() => audit.append({ staffId, action: 'session.login' })).immediate();
    append('day-0-a');
    append('day-0-b');
    append('day-0-c');
    clock.now = new Date(clock.now.getTime() + 300 * DAY_MS);
    append('day-300');
    const run = createTillRetention({
      db,
      audit,
      auditRetentionYears: () => settings.get().auditRetentionYears,
      now: () => clock.now,
    });

    // Day 300: nothing is a year old yet.
    expect(run()).toEqual({ auditEntriesDeleted: 0 });
    expect(audit.verify()).toEqual({ ok: true, checked: 4, firstBrokenSeq: null });

    // Day 370: the three day-0 entries go; the day-300 one stays; the purge is entry 5.
    clock.now = new Date(new Date('2026-01-10T09:00:00.000Z').getTime() + 370 * DAY_MS);
    expect(run()).toEqual({ auditEntriesDeleted: 3 });
    const rows = db.prepare('SELECT seq, staff_id, action, details FROM audit ORDER BY seq').all();
    expect(rows).toEqual([
      { seq: 4, staff_id: 'day-300', action: 'session.login', details: '{}' },
      { seq: 5, staff_id: null, action: 'audit.purged', details: '{"count":3,"throughSeq":3,"years":1}' },
    ]);
    expect(audit.verify()).toEqual({ ok: true, checked: 2, firstBrokenSeq: null });
    expect(run()).toEqual({ auditEntriesDeleted: 0 });

    // Positive control: the kept start is what makes the rest verify; without it entry 4 is a gap.
    db.prepare('DELETE FROM audit_retention').run();
    expect(audit.verify()).toEqual({ ok: false, checked: 0, firstBrokenSeq: 1 });
  });

  test('a paired till takes the years from HQ’s privacy policy', async () => {
    hq = await startTestHq('pglite');
    const storeId = (await createStore({ db: hq.db, now: () => hq!.clock.now }, 'Policy Street')).storeId;
    await hq.db.query('UPDATE privacy_policy SET audit_retention_years = 3 WHERE id = 1');
    till = await pairedTill(hq, 'Till P', storeId);
    expect(createSettingsService(till.db).get().auditRetentionYears).toBe(6);
    await till.engine().run();
    expect(createSettingsService(till.db).get().auditRetentionYears).toBe(3);
  });
});
