import { hkdfSync } from 'node:crypto';
import { MASTER_KEY_BYTES } from './master-key';

/**
 * One key per purpose from HQ's master key (master-key.ts), by HKDF-SHA256 (RFC 5869) with an empty
 * salt (the master key is already uniformly random, RFC 5869 §3.1) and the purpose's `info` string,
 * so a key leaked from one use (an auditor's copy of the audit key) tells nothing about another.
 *
 * The purposes are a closed list: a misspelt purpose is a type error and, at run time, a TypeError,
 * never a new key. A key is changed by adding a new version (…/v2) next to the old one, not by
 * editing an `info` string: that would silently make every existing MAC and chain fail.
 */
export const KEY_PURPOSES = {
  /** operator-audit.ts: the HMAC chain over operator_audit. */
  'operator-audit': 'loyalty-desk/hq/operator-audit/v1',
  /** second-operator.ts: the HMAC binding an approval request's payload. */
  'operator-approvals': 'loyalty-desk/hq/operator-approvals/v1',
  /** passwords.ts, once it takes one: argon2's `secret` for operator passwords. */
  'password-pepper': 'loyalty-desk/hq/password-pepper/v1',
  /** console/sessions.ts: a session's CSRF token is an HMAC of its id under this key. */
  'console-csrf': 'loyalty-desk/hq/console-csrf/v1',
  /** privacy/consent-confirmation.ts: the HMAC that signs double opt-in links. */
  'consent-confirmation': 'loyalty-desk/hq/consent-confirmation/v1',
  /** privacy/audiences.ts: per-recipient pseudonymous member ids in audiences and analytics. */
  'audience-pseudonyms': 'loyalty-desk/hq/audience-pseudonyms/v1',
  /** key-wrapper.ts: the local key-wrapping key that wraps HQ's data keys (data-keys.ts) under the master key. */
  'data-key-wrapping': 'loyalty-desk/hq/data-key-wrapping/v1',
} as const;
export type KeyPurpose = keyof typeof KEY_PURPOSES;

export const DERIVED_KEY_BYTES = 32;

/** HKDF-SHA256 (extract and expand) as node:crypto does it: the one call deriveKey makes. */
export function hkdfSha256(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** The 32-byte key for `purpose` under `masterKey` (MasterKeySource.key()). */
export function deriveKey(masterKey: Buffer, purpose: KeyPurpose): Buffer {
  if (!Object.hasOwn(KEY_PURPOSES, purpose)) throw new TypeError('unknown key purpose');
  if (masterKey.length !== MASTER_KEY_BYTES) throw new TypeError(`the master key must be ${MASTER_KEY_BYTES} bytes`);
  return hkdfSha256(masterKey, Buffer.alloc(0), Buffer.from(KEY_PURPOSES[purpose], 'utf8'), DERIVED_KEY_BYTES);
}
