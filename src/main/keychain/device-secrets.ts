import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { Keychain } from './keychain';

/** A 256-bit secret, hex-encoded for the secret store. */
export function newSecretHex(): string {
  return randomBytes(32).toString('hex');
}

const HEX_256 = /^[0-9a-f]{64}$/;

export interface DeviceSecrets {
  /**
   * Raw 256-bit key (DEK) of the local database, unwrapped from the key-info file with the KEK in the
   * secret store (src/main/db/database-keys.ts); held in memory only.
   */
  databaseKey: string;
  /** Key of the HMAC lookup hashes of phone and e-mail (chain-wide once paired; see DESIGN §3). */
  lookupKey: string;
  /** argon2id secret ("pepper") of staff PIN hashes (chain-wide once paired; see DESIGN §4). */
  pinPepper: string;
  /** HMAC key of the audit hash chain and of approval payload bindings. */
  auditKey: string;
}

/** The account of the HQ device token (DESIGN §4: the token lives in the OS secret store only). */
export function hqTokenAccount(installId: string): string {
  return `${installId}/hq-device-token`;
}

/**
 * The secret store entries of an install. `databaseKey` is the format-1 entry of the raw key: a till
 * from before issue 15 has it until its key is wrapped (database-keys.ts), then it is deleted; the
 * key-encryption keys are key-wrapping.ts's kekAccount entries.
 */
export function secretAccounts(installId: string): Record<keyof DeviceSecrets, string> {
  return {
    databaseKey: `${installId}/database-key`,
    lookupKey: `${installId}/lookup-key`,
    pinPepper: `${installId}/pin-pepper`,
    auditKey: `${installId}/audit-key`,
  };
}

/**
 * Creates the device's secrets on first run. Called only when there is no database yet, so it can
 * never replace a key of existing data. The database key is made apart and stored wrapped
 * (src/main/db/database-keys.ts).
 */
export async function createDeviceSecrets(
  keychain: Keychain,
  installId: string,
): Promise<Omit<DeviceSecrets, 'databaseKey'>> {
  const accounts = secretAccounts(installId);
  const secrets = {
    lookupKey: newSecretHex(),
    pinPepper: newSecretHex(),
    auditKey: newSecretHex(),
  };
  for (const name of ['lookupKey', 'pinPepper', 'auditKey'] as const) await keychain.set(accounts[name], secrets[name]);
  return secrets;
}

/** The secrets of an existing database, as found; the two added with schema v2 may be absent. */
export type FoundSecrets = Pick<DeviceSecrets, 'lookupKey'> & {
  pinPepper: string | null;
  auditKey: string | null;
};

/** Loads the secrets of an existing database; a missing or malformed key is an error, never regenerated. */
export async function loadDeviceSecrets(keychain: Keychain, installId: string): Promise<FoundSecrets> {
  const accounts = secretAccounts(installId);
  const lookupKey = await keychain.get(accounts.lookupKey);
  if (lookupKey === null || !HEX_256.test(lookupKey)) {
    throw new AppError(
      'database_key_missing',
      'The lookup key of this device is not in the secret store. The database was left untouched; restore the secret store entry or re-pair the device.',
    );
  }
  return {
    lookupKey,
    pinPepper: await keychain.get(accounts.pinPepper),
    auditKey: await keychain.get(accounts.auditKey),
  };
}

/** The raw key of a format-1 till (before issue 15), or null when the entry is gone. */
export async function loadLegacyDatabaseKey(keychain: Keychain, installId: string): Promise<string | null> {
  const key = await keychain.get(secretAccounts(installId).databaseKey);
  if (key === null) return null;
  if (!HEX_256.test(key)) {
    throw new AppError(
      'database_key_missing',
      'The encryption key of this device database in the secret store is damaged. The database was left untouched.',
    );
  }
  return key;
}

/**
 * The PIN pepper and the audit key arrived with schema v2. A database from before then gets them
 * now, but only while nothing depends on them yet (no staff, no audit entries, no approvals):
 * otherwise a lost entry would silently lock every PIN out and break the audit chain, so it is an
 * error and nothing is written. A malformed value is never overwritten.
 */
export async function completeDeviceSecrets(
  keychain: Keychain,
  installId: string,
  found: FoundSecrets & Pick<DeviceSecrets, 'databaseKey'>,
  nothingDependsOnThem: () => boolean,
): Promise<DeviceSecrets> {
  const accounts = secretAccounts(installId);
  const complete = async (name: 'pinPepper' | 'auditKey', value: string | null): Promise<string> => {
    if (value !== null && HEX_256.test(value)) return value;
    if (value === null && nothingDependsOnThem()) {
      const created = newSecretHex();
      await keychain.set(accounts[name], created);
      return created;
    }
    throw new AppError(
      'database_key_missing',
      `The ${name === 'pinPepper' ? 'staff PIN pepper' : 'audit key'} of this device is missing from the secret store or damaged. The database was left untouched; restore the secret store entry.`,
    );
  };
  return {
    databaseKey: found.databaseKey,
    lookupKey: found.lookupKey,
    pinPepper: await complete('pinPepper', found.pinPepper),
    auditKey: await complete('auditKey', found.auditKey),
  };
}
