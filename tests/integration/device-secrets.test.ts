import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDeviceDatabase } from '../../src/main/db/open-device-database';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { startTestApp, type TestApp } from '../support/app';
import { seedStaff } from '../support/staff';

function snapshot(dir: string) {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

describe('reopening a till: secrets, a vanished file, dropped indexes', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp(undefined, { signedIn: null });
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('a lost PIN pepper on a till with staff is an error, and nothing is written', async () => {
    await seedStaff(app);
    const { installId } = app.services.database;
    await app.services.close();
    await app.keychain.keychain.delete(secretAccounts(installId).pinPepper);
    const before = snapshot(app.dataDir);
    await expect(openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain })).rejects.toMatchObject({
      code: 'database_key_missing',
    });
    expect(snapshot(app.dataDir)).toEqual(before);
    expect(await app.keychain.keychain.get(secretAccounts(installId).pinPepper)).toBeNull();
  });

  it('a database from before schema v2 (nothing depends on the audit key yet) gets it made', async () => {
    const { installId } = app.services.database;
    await app.services.close();
    await app.keychain.keychain.delete(secretAccounts(installId).auditKey);
    const device = await openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain });
    try {
      expect(device.secrets.auditKey).toMatch(/^[0-9a-f]{64}$/);
      expect(await app.keychain.keychain.get(secretAccounts(installId).auditKey)).toBe(device.secrets.auditKey);
    } finally {
      device.close();
    }
  });

  it('a database file that vanished is reported, not silently replaced by an empty one', async () => {
    await app.services.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(app.dataDir, `loyalty.db${suffix}`), { force: true });
    const before = snapshot(app.dataDir);
    await expect(openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain })).rejects.toMatchObject({
      code: 'database_missing',
    });
    expect(snapshot(app.dataDir)).toEqual(before);
  });

  it('indexes dropped by an interrupted snapshot load are back at the next open', async () => {
    app.services.database.db.exec('DROP INDEX members_phone_hash; DROP INDEX member_name_tokens_member');
    await app.services.close();
    const device = await openDeviceDatabase({ dataDir: app.dataDir, keychain: app.keychain.keychain });
    try {
      const names = (
        device.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]
      ).map((r) => r.name);
      expect(names).toEqual(
        expect.arrayContaining(['members_phone_hash', 'members_email_hash', 'member_name_tokens_member']),
      );
    } finally {
      device.close();
    }
  });
});
