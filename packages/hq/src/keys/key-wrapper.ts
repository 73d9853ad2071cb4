import { createCipheriv, createDecipheriv, createHash, randomBytes, type KeyObject } from 'node:crypto';
import { CodedError } from '../errors';
import { deriveKey } from './derived-keys';
import type { MasterKeySource } from './master-key';

/**
 * What wraps HQ's data keys (data-keys.ts): envelope encryption, so the key that must stay outside the
 * database (the master key, later a KMS key) encrypts only a handful of 32-byte data keys, and
 * rotating it means rewrapping those, never re-encrypting rows.
 *
 * A KMS implementation (AWS KMS Encrypt/Decrypt with EncryptionContext, GCP Cloud KMS
 * encrypt/decrypt with additionalAuthenticatedData, Vault transit with `context`) implements the same
 * shape: `wrap`/`unwrap` are async because a KMS is a network call. HQ calls them only at start
 * (data-keys.ts unwraps every data key once and keeps them in memory) and when keys are made or
 * rotated; a request path never does.
 */
export interface KeyWrapper {
  /**
   * Names the wrapping key, never holds it: stored as data_keys.wrapped_by, so HQ started with another
   * key is told apart from a damaged row. For the local wrapper a fingerprint of the key-wrapping key;
   * for a KMS its key's resource name and version.
   */
  readonly id: string;
  /** Encrypts a data key; `aad` is bound to it (which key row, which purpose) and needed to unwrap. */
  wrap(dataKey: Buffer, aad: Buffer): Promise<Buffer>;
  /** The data key, or a KeyWrapError('unwrap_failed') when the key or `aad` is not the one it was wrapped with. */
  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer>;
}

export const KEY_WRAP_ERROR_CODES = ['unwrap_failed'] as const;
export type KeyWrapErrorCode = (typeof KEY_WRAP_ERROR_CODES)[number];
export class KeyWrapError extends CodedError<KeyWrapErrorCode> {}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The local wrapper: AES-256-GCM under a key-wrapping key derived from the master key (HKDF purpose
 * `data-key-wrapping`). Wrapped form: nonce (12) || ciphertext || tag (16), a fresh random nonce each
 * time (a handful of wraps per key: far from GCM's 2^32 random-nonce bound).
 */
export function masterKeyWrapper(master: MasterKeySource): KeyWrapper {
  const master32 = master.key();
  const kwk = deriveKey(master32, 'data-key-wrapping');
  master32.fill(0);
  // A fingerprint of the wrapping key (SHA-256 of a labelled copy, 16 bytes shown): tells keys apart,
  // reveals nothing of them. The source's own id (env or file path) is not used: the same key may move.
  const fingerprint = createHash('sha256')
    .update('loyalty-desk/hq/key-wrapper-id/v1\0')
    .update(kwk)
    .digest('hex')
    .slice(0, 32);
  return {
    id: `local:${fingerprint}`,
    wrap: async (dataKey, aad) => aesGcmSeal(kwk, dataKey, aad),
    unwrap: async (wrapped, aad) => {
      const opened = aesGcmOpen(kwk, wrapped, aad);
      if (opened === null) {
        throw new KeyWrapError('unwrap_failed', 'A data key did not unwrap under this master key.');
      }
      return opened;
    },
  };
}

/** AES-256-GCM with a fresh random 96-bit nonce: nonce || ciphertext || tag. */
export function aesGcmSeal(key: Buffer | KeyObject, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or null when the tag does not verify (wrong key, wrong `aad`, altered bytes). */
export function aesGcmOpen(key: Buffer | KeyObject, sealed: Buffer, aad: Buffer): Buffer | null {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return null;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (error) {
    // node:crypto reports a failed tag check only as this Error from final().
    if (error instanceof Error && /authenticate/i.test(error.message)) return null;
    throw error;
  }
}
