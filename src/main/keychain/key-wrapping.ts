import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { Keychain } from './keychain';

/**
 * The database key (DEK) is stored only wrapped: AES-256-GCM under a key-encryption key (KEK) that
 * lives in the OS secret store. Rotating the KEK re-encrypts 32 bytes, not the database.
 *
 * Wrapped form (base64url): 12-byte random nonce ‖ 32-byte ciphertext ‖ 16-byte GCM tag.
 * Associated data (UTF-8): `loyalty-desk/database-key-wrap/v1` NUL installId NUL slot NUL scheme,
 * so a wrapped key copied to another install, slot or scheme does not unwrap.
 */
const WRAP_AAD_LABEL = 'loyalty-desk/database-key-wrap/v1';
const NONCE_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
const HEX_256 = /^[0-9a-f]{64}$/;

/** The two KEK entries a till alternates between, so a rotation never overwrites the KEK in use. */
export const KEK_LABELS = ['a', 'b'] as const;
export type KekLabel = (typeof KEK_LABELS)[number];

export function kekAccount(installId: string, label: KekLabel): string {
  return `${installId}/key-encryption-key/${label}`;
}

export function otherKekLabel(label: KekLabel): KekLabel {
  return label === 'a' ? 'b' : 'a';
}

export interface WrapBinding {
  installId: string;
  slot: 'current' | 'pending';
  scheme: string;
}

function associatedData(binding: WrapBinding): Buffer {
  return Buffer.from([WRAP_AAD_LABEL, binding.installId, binding.slot, binding.scheme].join('\0'), 'utf8');
}

export function wrapDatabaseKey(kekHex: string, dekHex: string, binding: WrapBinding): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(kekHex, 'hex'), nonce);
  cipher.setAAD(associatedData(binding));
  const body = Buffer.concat([cipher.update(Buffer.from(dekHex, 'hex')), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

/** Unwraps a slot's key; a wrong KEK, a changed byte or another binding is database_key_wrong. */
export function unwrapDatabaseKey(kekHex: string, wrapped: string, binding: WrapBinding): string {
  const raw = Buffer.from(wrapped, 'base64url');
  if (raw.length !== NONCE_BYTES + KEY_BYTES + TAG_BYTES) throw wrongKey();
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(kekHex, 'hex'), raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES + KEY_BYTES));
    const dek = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES)), decipher.final()]);
    return dek.toString('hex');
  } catch (error) {
    throw wrongKey(error);
  }
}

function wrongKey(cause?: unknown): AppError {
  return new AppError(
    'database_key_wrong',
    'The key-encryption key in the secret store does not unwrap the database key in the key information file. The database was left untouched.',
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A check value of a database key: tells which key a slot holds without revealing it, so an open
 * that fails with a known, authenticated key is damage, not a wrong key. HMAC-SHA256 keyed with the
 * database key over a fixed label, first 16 bytes, hex (the format-1 key-info's value, unchanged).
 */
export function keyCheckValue(databaseKeyHex: string): string {
  return createHmac('sha256', Buffer.from(databaseKeyHex, 'hex'))
    .update('loyalty-desk/database-key-check/v1')
    .digest('hex')
    .slice(0, 32);
}

/** Reads a KEK; absent or malformed is database_key_missing (never made anew for existing data). */
export async function loadKek(keychain: Keychain, installId: string, label: KekLabel): Promise<string> {
  const kek = await keychain.get(kekAccount(installId, label));
  if (kek === null || !HEX_256.test(kek)) {
    throw new AppError(
      'database_key_missing',
      'The key-encryption key of this device database is not in the secret store. The database was left untouched; restore the secret store entry or re-pair the device.',
    );
  }
  return kek;
}

/** Makes a new KEK in the given entry (overwriting only a stray entry no key-info names). */
export async function createKek(keychain: Keychain, installId: string, label: KekLabel): Promise<string> {
  const kek = randomBytes(KEY_BYTES).toString('hex');
  await keychain.set(kekAccount(installId, label), kek);
  return kek;
}
