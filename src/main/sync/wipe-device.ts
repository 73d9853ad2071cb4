import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DATABASE_FILE, KEY_INFO_FILE } from '../db/open-device-database';
import type { Keychain } from '../keychain/keychain';
import { hqTokenAccount, secretAccounts } from '../keychain/device-secrets';
import { storePinPepperAccounts } from '../keychain/store-pin-peppers';
import { KEK_LABELS, kekAccount } from '../keychain/key-wrapping';

/** A date, nothing else: what the first-run screen says after a revocation (no data survives). */
export const REVOKED_MARKER_FILE = 'revoked.json';
const RevokedMarker = z.strictObject({ revokedAt: z.string() });

/**
 * HQ revoked this till (DESIGN §4): the database (with its WAL), its key file and every secret of
 * the install are deleted. Only a marker with the date stays, so the till can say what happened.
 * The caller has closed the database and stopped the sync worker first.
 */
export async function wipeDevice(deps: {
  dataDir: string;
  keychain: Keychain;
  installId: string;
  at: Date;
}): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    rmSync(join(deps.dataDir, `${DATABASE_FILE}${suffix}`), { force: true });
  }
  rmSync(join(deps.dataDir, KEY_INFO_FILE), { force: true });
  const accounts = [
    ...Object.values(secretAccounts(deps.installId)),
    ...KEK_LABELS.map((label) => kekAccount(deps.installId, label)),
    hqTokenAccount(deps.installId),
    ...Object.values(storePinPepperAccounts(deps.installId)),
  ];
  for (const account of accounts) await deps.keychain.delete(account).catch(() => false);
  writeFileSync(join(deps.dataDir, REVOKED_MARKER_FILE), JSON.stringify({ revokedAt: deps.at.toISOString() }), {
    mode: 0o600,
  });
}

/** When this till was revoked, if it was (until it pairs again). */
export function readRevokedAt(dataDir: string): string | null {
  const path = join(dataDir, REVOKED_MARKER_FILE);
  if (!existsSync(path)) return null;
  try {
    return RevokedMarker.parse(JSON.parse(readFileSync(path, 'utf8'))).revokedAt;
  } catch {
    return null;
  }
}

export function clearRevokedMarker(dataDir: string): void {
  rmSync(join(dataDir, REVOKED_MARKER_FILE), { force: true });
}
