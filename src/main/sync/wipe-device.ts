import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../db/atomic-file';
import { DATABASE_FILE, KEY_INFO_FILE } from '../db/open-device-database';
import { readKeyInfo } from '../db/key-info';
import { removeDatabaseFiles } from '../db/sqlite-side-files';
import { noSteps, type StepHook } from '../db/database-keys';
import type { Keychain } from '../keychain/keychain';
import { hqTokenAccount, secretAccounts } from '../keychain/device-secrets';
import { storePinPepperAccounts } from '../keychain/store-pin-peppers';
import { KEK_LABELS, kekAccount } from '../keychain/key-wrapping';

/**
 * A date, nothing else, once the wipe is done: what the first-run screen says after a revocation (no
 * data survives). While the wipe is under way it also names the install being wiped, so a start
 * after a kill finishes the wipe (finishInterruptedWipe) instead of finding half a till.
 */
export const REVOKED_MARKER_FILE = 'revoked.json';
const RevokedMarker = z.strictObject({ revokedAt: z.string(), wiping: z.uuid().optional() });
type RevokedMarker = z.infer<typeof RevokedMarker>;

/**
 * HQ revoked this till (DESIGN §4): the database (with its WAL), its key file and every secret of
 * the install are deleted. Only a marker with the date stays, so the till can say what happened.
 * The marker is written first and names the install until everything is gone: a kill at any point
 * is finished at the next start, and a till is never left with a key file and no database (which
 * would refuse to start as "database missing"). The caller has closed the database and stopped the
 * sync worker first.
 */
export async function wipeDevice(deps: {
  dataDir: string;
  keychain: Keychain;
  installId: string;
  at: Date;
  /** Named steps (kill tests stop the process there). */
  step?: StepHook;
}): Promise<void> {
  const step = deps.step ?? noSteps;
  const marker = join(deps.dataDir, REVOKED_MARKER_FILE);
  writeFileAtomic(marker, JSON.stringify({ revokedAt: deps.at.toISOString(), wiping: deps.installId }));
  step('wipe.marked');
  await wipeInstall(deps.dataDir, deps.keychain, deps.installId, step);
  writeFileAtomic(marker, JSON.stringify({ revokedAt: deps.at.toISOString() }));
  step('wipe.done');
}

/**
 * Deletes what wipeDevice deletes; each step may already be done. The files only while they are the
 * wiped install's: after a wipe that could not delete a secret (the secret store refused), the app
 * goes on as a new till in the same folder, and finishing the wipe at the next start must not take
 * that till's files.
 */
async function wipeInstall(dataDir: string, keychain: Keychain, installId: string, step: StepHook): Promise<void> {
  const keyInfo = join(dataDir, KEY_INFO_FILE);
  // A new install writes its key-info before its database: a database without one is the old one's.
  const filesAreNewer = existsSync(keyInfo) && readKeyInfo(keyInfo).installId !== installId;
  if (!filesAreNewer) {
    removeDatabaseFiles(join(dataDir, DATABASE_FILE));
    step('wipe.database_deleted');
    rmSync(keyInfo, { force: true });
    step('wipe.key_info_deleted');
  }
  const accounts = [
    ...Object.values(secretAccounts(installId)),
    ...KEK_LABELS.map((label) => kekAccount(installId, label)),
    hqTokenAccount(installId),
    ...Object.values(storePinPepperAccounts(installId)),
  ];
  // An entry already gone answers false; a secret store that refuses throws, and the wipe is
  // finished at the next start (the marker still names the install).
  for (const account of accounts) {
    await keychain.delete(account);
    step('wipe.secret_deleted');
  }
}

/**
 * A wipe a kill interrupted is finished before anything opens the data folder. Returns whether
 * there was one.
 */
export async function finishInterruptedWipe(dataDir: string, keychain: Keychain): Promise<boolean> {
  const marker = readMarker(dataDir);
  if (marker?.wiping === undefined) return false;
  await wipeInstall(dataDir, keychain, marker.wiping, noSteps);
  writeFileAtomic(join(dataDir, REVOKED_MARKER_FILE), JSON.stringify({ revokedAt: marker.revokedAt }));
  return true;
}

/** The marker, or null when there is none or it is not one (a torn or foreign file says nothing). */
function readMarker(dataDir: string): RevokedMarker | null {
  const path = join(dataDir, REVOKED_MARKER_FILE);
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  const parsed = RevokedMarker.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** When this till was revoked, if it was (until it pairs again). */
export function readRevokedAt(dataDir: string): string | null {
  return readMarker(dataDir)?.revokedAt ?? null;
}

export function clearRevokedMarker(dataDir: string): void {
  rmSync(join(dataDir, REVOKED_MARKER_FILE), { force: true });
}
