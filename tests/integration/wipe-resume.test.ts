// A revocation's wipe killed midway is finished at the next start (src/main/sync/wipe-device.ts).
// The wipe writes its marker first, naming the install, then deletes the database, the key file and
// the secret store entries, then marks itself done. Here the folder is left as a kill would leave
// it at two points, and the app is started on it: it finishes the wipe and starts as a new, empty
// till that says it was revoked, instead of refusing to start ("database missing") or keeping data.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DATABASE_FILE, KEY_INFO_FILE } from '../../src/main/db/open-device-database';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { KEK_LABELS, kekAccount } from '../../src/main/keychain/key-wrapping';
import { REVOKED_MARKER_FILE } from '../../src/main/sync/wipe-device';
import type { IpcResult } from '../../src/shared/errors';
import { startTestApp, TEST_MANAGER, type TestApp } from '../support/app';

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
