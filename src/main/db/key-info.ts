import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { KEK_LABELS } from '../keychain/key-wrapping';
import { writeFileAtomic } from './atomic-file';
import { CIPHER_SCHEMES } from './cipher-scheme';

/** Non-secret facts about the database key, beside loyalty.db (0600, written atomically). */
export const KEY_INFO_FILE = 'loyalty.keyinfo.json';

const KeyCheck = z.string().regex(/^[0-9a-f]{32}$/);

/** Before issue 15: the raw key in the secret store at `<installId>/database-key`, SQLCipher v4. */
export const KeyInfoV1 = z.strictObject({
  format: z.literal(1),
  installId: z.uuid(),
  keyCheck: KeyCheck,
  /** Set once the database file exists: from then on a missing file is a loss, not a first run. */
  databaseCreated: z.boolean().optional(),
});
export type KeyInfoV1 = z.infer<typeof KeyInfoV1>;

/** Why a pending slot exists: a cipher migration, or a rekey for one of its reasons. */
export const REKEY_REASONS = ['suspected_compromise', 'reprovisioned'] as const;
export type RekeyReason = (typeof REKEY_REASONS)[number];
export const PENDING_PURPOSES = ['cipher_migration', ...REKEY_REASONS] as const;

export const KeySlot = z.strictObject({
  /** The page cipher the file is (current) or will be (pending) written with. */
  scheme: z.enum(CIPHER_SCHEMES),
  /** base64url(nonce 12 ‖ AES-256-GCM ciphertext 32 ‖ tag 16) of the key under the KEK; see key-wrapping.ts. */
  wrappedKey: z.string().regex(/^[A-Za-z0-9_-]{80}$/),
  /** HMAC-SHA256(key, 'loyalty-desk/database-key-check/v1'), first 16 bytes, hex. */
  keyCheck: KeyCheck,
  createdAt: z.iso.datetime(),
});
export type KeySlot = z.infer<typeof KeySlot>;

export const PendingKeySlot = KeySlot.extend({ purpose: z.enum(PENDING_PURPOSES) });
export type PendingKeySlot = z.infer<typeof PendingKeySlot>;

export const KeyInfoV2 = z.strictObject({
  format: z.literal(2),
  installId: z.uuid(),
  databaseCreated: z.boolean().optional(),
  /** Which of the two secret store entries `<installId>/key-encryption-key/{a,b}` holds the KEK. */
  kek: z.strictObject({ label: z.enum(KEK_LABELS), createdAt: z.iso.datetime() }),
  /** The key the file is encrypted with, as far as anything finished says. */
  current: KeySlot,
  /** A key being moved to (written before the file is touched); promoted once the file uses it. */
  pending: PendingKeySlot.optional(),
});
export type KeyInfoV2 = z.infer<typeof KeyInfoV2>;

const AnyKeyInfo = z.discriminatedUnion('format', [KeyInfoV1, KeyInfoV2]);
export type AnyKeyInfo = z.infer<typeof AnyKeyInfo>;

export function keyInfoExists(path: string): boolean {
  return existsSync(path);
}

export function readKeyInfo(path: string): AnyKeyInfo {
  try {
    return AnyKeyInfo.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new AppError(
      'database_key_missing',
      `The key information file ${KEY_INFO_FILE} is missing or unreadable, so the database key cannot be found. The database was left untouched.`,
      { cause: error },
    );
  }
}

/** Durable before it returns: the file and its directory entry are fsynced. */
export function writeKeyInfo(path: string, info: KeyInfoV2): void {
  writeFileAtomic(path, JSON.stringify(KeyInfoV2.parse(info), null, 2));
}
