import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { Keychain } from './keychain';

/** A 256-bit secret, hex-encoded for the secret store. */
export function newSecretHex(): string {
  return randomBytes(32).toString('hex');
}

const HEX_256 = /^[0-9a-f]{64}$/;

export interface DeviceSecrets {
  /** Raw SQLCipher key of the local database. */
  databaseKey: string;
  /** Key of the HMAC lookup hashes of phone and e-mail (chain-wide once paired; see DESIGN §3). */
  lookupKey: string;
  /** argon2id secret ("pepper") of staff PIN hashes (chain-wide once paired; see DESIGN §4). */
  pinPepper: string;
  /** HMAC key of the audit hash chain and of approval payload bindings. */
  auditKey: string;
}

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
 * never replace the key of existing data.
 */
export async function createDeviceSecrets(keychain: Keychain, installId: string): Promise<DeviceSecrets> {
  const accounts = secretAccounts(installId);
  const secrets: DeviceSecrets = {
    databaseKey: newSecretHex(),
    lookupKey: newSecretHex(),
    pinPepper: newSecretHex(),
    auditKey: newSecretHex(),
  };
  for (const name of Object.keys(accounts) as (keyof DeviceSecrets)[])
    await keychain.set(accounts[name], secrets[name]);
  return secrets;
}

/** Loads the secrets of an existing database; a missing or malformed one is an error, never regenerated. */
export async function loadDeviceSecrets(keychain: Keychain, installId: string): Promise<DeviceSecrets> {
  const accounts = secretAccounts(installId);
  const databaseKey = await keychain.get(accounts.databaseKey);
  const lookupKey = await keychain.get(accounts.lookupKey);
  if (databaseKey === null || lookupKey === null || !HEX_256.test(databaseKey) || !HEX_256.test(lookupKey)) {
    throw new AppError(
      'database_key_missing',
      'The encryption key of this device database is not in the secret store. The database was left untouched; restore the secret store entry or re-pair the device.',
    );
  }
  // Added with schema v2: a database from before it gets them now (it has no staff or audit yet).
  const pinPepper = await loadOrCreate(keychain, accounts.pinPepper);
  const auditKey = await loadOrCreate(keychain, accounts.auditKey);
  return { databaseKey, lookupKey, pinPepper, auditKey };
}

async function loadOrCreate(keychain: Keychain, account: string): Promise<string> {
  const existing = await keychain.get(account);
  if (existing !== null && HEX_256.test(existing)) return existing;
  const created = newSecretHex();
  await keychain.set(account, created);
  return created;
}
