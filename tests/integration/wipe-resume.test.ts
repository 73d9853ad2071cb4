// A revocation's wipe killed midway is finished at the next start (src/main/sync/wipe-device.ts).
// The wipe writes its marker first, naming the install, then deletes the database, the key file and
// the secret store entries, then marks itself done. The folder is left as a kill would leave it at
// the two points that matter most, and then a real child process is SIGKILLed at each named step of
// wipeDevice (tests/fixtures/cipher-kill-child.ts); each time the app started on the folder finishes
// the wipe and is a new, empty till that says it was revoked, instead of refusing to start
// ("database missing") or keeping the revoked till's data or secrets.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createAuditLog } from '../../src/main/audit/audit-log';
import { DATABASE_FILE, KEY_INFO_FILE, openDeviceDatabase } from '../../src/main/db/open-device-database';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { KEK_LABELS, kekAccount } from '../../src/main/keychain/key-wrapping';
import { REVOKED_MARKER_FILE } from '../../src/main/sync/wipe-device';
import type { IpcResult } from '../../src/shared/errors';
import { startTestApp, TEST_MANAGER, type TestApp } from '../support/app';
import { copyTill, installAccounts, runChild } from '../support/cipher-kill';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import { makeTempDir } from '../support/temp-dir';

const REVOKED_AT = '2026-12-06T09:30:00.000Z';

describe('a revocation wipe killed midway is finished at the next start', () => {
  const open: TestApp[] = [];
  afterEach(async () => {
    while (open.length > 0) await open.pop()?.dispose();
  });

  const staffCount = (app: TestApp) =>
    (app.services.database.db.prepare('SELECT count(*) AS n FROM staff').get() as { n: number }).n;

  /** A till with a staff member on it, closed, its folder then left as a kill during the wipe leaves it. */
  async function interrupted(leave: (dataDir: string, installId: string) => void) {
    const first = await startTestApp(undefined, { signedIn: TEST_MANAGER });
    const added = await first.call<IpcResult<unknown>>('staff.add', {
      displayName: 'Local Temp',
      role: 'cashier',
      temporaryPin: '284619',
    });
    expect(added.ok).toBe(true);
    expect(staffCount(first)).toBe(1);
    const { installId } = first.services.database;
    await first.services.close();
    // The wipe's first step: the marker naming the install.
    writeFileSync(
      join(first.dataDir, REVOKED_MARKER_FILE),
      JSON.stringify({ revokedAt: REVOKED_AT, wiping: installId }),
    );
    leave(first.dataDir, installId);
    const again = await startTestApp({ dataDir: first.dataDir, keychain: first.keychain }, { signedIn: TEST_MANAGER });
    open.push(again);
    return { again, installId };
  }

  async function expectWipedAndNew(again: TestApp, installId: string) {
    expect(again.services.database.installId).not.toBe(installId);
    const info = await again.call<IpcResult<{ paired: boolean; revokedAt: string | null }>>('app.getInfo', {});
    expect(info.ok && info.value).toMatchObject({ paired: false, revokedAt: REVOKED_AT });
    expect(staffCount(again)).toBe(0);
    for (const account of [
      ...Object.values(secretAccounts(installId)),
      ...KEK_LABELS.map((label) => kekAccount(installId, label)),
    ])
      expect(await again.keychain.keychain.get(account)).toBeNull();
    // The marker keeps the date only: the next start does not wipe the new till.
    expect(JSON.parse(readFileSync(join(again.dataDir, REVOKED_MARKER_FILE), 'utf8'))).toEqual({
      revokedAt: REVOKED_AT,
    });
    expect(again.logLines.join('\n')).toContain('wipe_finished_at_start');
  }

  test('killed after the marker, before anything was deleted: the old till’s data is wiped, not reopened', async () => {
    const { again, installId } = await interrupted(() => undefined);
    await expectWipedAndNew(again, installId);
  });

  test('killed after the database was deleted, before its key file: a new till, not “database missing”', async () => {
    const { again, installId } = await interrupted((dataDir) => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
      expect(existsSync(join(dataDir, KEY_INFO_FILE))).toBe(true);
    });
    await expectWipedAndNew(again, installId);
    // And a start after that is an ordinary start of the new till.
    const newInstall = again.services.database.installId;
    const third = await again.reopen();
    open.pop();
    open.push(third);
    expect(third.services.database.installId).toBe(newInstall);
  });
});

describe('a wipe the secret store would not finish', () => {
  test('the till went on as a new till; the next start deletes the old install’s secrets and keeps the new till’s files', async () => {
    const old = await startTestApp(undefined, { signedIn: null });
    const oldInstall = old.services.database.installId;
    await old.services.close();
    // What the wipe got to before the secret store refused: the marker and the old files gone.
    writeFileSync(
      join(old.dataDir, REVOKED_MARKER_FILE),
      JSON.stringify({ revokedAt: REVOKED_AT, wiping: oldInstall }),
    );
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(old.dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
    rmSync(join(old.dataDir, KEY_INFO_FILE), { force: true });
    // The app went on as a new till in the same folder, and recorded something.
    const fresh = await openDeviceDatabase({ dataDir: old.dataDir, keychain: old.keychain.keychain });
    const newInstall = fresh.installId;
    const audit = createAuditLog({ db: fresh.db, key: fresh.secrets.auditKey, now: () => new Date() });
    fresh.db.transaction(() => audit.append({ staffId: 'staff-new', action: 'session.login' })).immediate();
    fresh.close();
    expect(await old.keychain.keychain.get(secretAccounts(oldInstall).auditKey)).not.toBeNull();

    const again = await startTestApp({ dataDir: old.dataDir, keychain: old.keychain }, { signedIn: null });
    try {
      expect(again.services.database.installId).toBe(newInstall);
      expect(
        again.services.database.db.prepare("SELECT count(*) AS n FROM audit WHERE staff_id = 'staff-new'").get(),
      ).toEqual({ n: 1 });
      for (const account of installAccounts(oldInstall)) expect(await again.keychain.keychain.get(account)).toBeNull();
      expect(JSON.parse(readFileSync(join(again.dataDir, REVOKED_MARKER_FILE), 'utf8'))).toEqual({
        revokedAt: REVOKED_AT,
      });
    } finally {
      await again.dispose();
    }
  });
});

describe('a revocation wipe SIGKILLed at each of its steps', () => {
  const WIPED_AT = '2026-12-06T09:30:00.000Z'; // what tests/fixtures/cipher-kill-child.ts records
  const STEPS = ['wipe.marked', 'wipe.database_deleted', 'wipe.key_info_deleted', 'wipe.secret_deleted', 'wipe.done'];
  let template: ReturnType<typeof makeTempDir>;
  let keychain: TestKeychain;
  let installId: string;
  beforeAll(async () => {
    template = makeTempDir('loyalty-wipe-template-');
    keychain = await createTestKeychain();
    const device = await openDeviceDatabase({ dataDir: template.path, keychain: keychain.keychain });
    installId = device.installId;
    const audit = createAuditLog({ db: device.db, key: device.secrets.auditKey, now: () => new Date() });
    device.db.transaction(() => audit.append({ staffId: 'staff-1', action: 'session.login' })).immediate();
    device.close();
  }, 60_000);
  afterAll(async () => {
    await keychain.cleanup();
    template.remove();
  });

  for (const step of STEPS) {
    test(`killed at ${step}: the next start finishes the wipe and is a new, empty till that says it was revoked`, async () => {
      const till = await copyTill(template.path, keychain.keychain, installId);
      try {
        const run = await runChild('wipe', till, step);
        expect(run.killed).toBe(true);
        expect(run.steps.at(-1)).toBe(step);
        const app = await startTestApp({ dataDir: till.dir, keychain: till.keychain }, { signedIn: null });
        try {
          expect(app.services.database.installId).not.toBe(installId);
          const info = await app.call<IpcResult<{ revokedAt: string | null }>>('app.getInfo', {});
          expect(info.ok && info.value.revokedAt).toBe(WIPED_AT);
          expect(
            app.services.database.db.prepare("SELECT count(*) AS n FROM audit WHERE staff_id = 'staff-1'").get(),
          ).toEqual({ n: 0 });
          for (const account of installAccounts(installId))
            expect(await till.keychain.keychain.get(account)).toBeNull();
          expect(JSON.parse(readFileSync(join(till.dir, REVOKED_MARKER_FILE), 'utf8'))).toEqual({
            revokedAt: WIPED_AT,
          });
        } finally {
          await app.services.close();
        }
      } finally {
        await till.remove();
      }
    }, 60_000);
  }
});
