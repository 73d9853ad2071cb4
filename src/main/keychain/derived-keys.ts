import { hkdfSync } from 'node:crypto';

/**
 * One key per purpose from the till's audit key (DeviceSecrets.auditKey, 32 random bytes of this
 * till alone), by HKDF-SHA256 (RFC 5869) with an empty salt (the input key is already uniformly
 * random, RFC 5869 §3.1) and the purpose's `info` string: the same rule as HQ's
 * packages/hq/src/keys/derived-keys.ts, kept apart because the till does not import HQ.
 *
 * Before migration 9 the audit key itself keyed the audit chain, approval MACs (behind a text
 * prefix) and request fingerprints (behind another). Rows MACed that way keep verifying: each such
 * table stores the `key_version` of its MAC, 1 for the audit key itself, 2 for the derived key.
 *
 * The purposes are a closed list: a misspelt purpose is a type error and, at run time, a TypeError.
 * A key is changed by adding a new `info` version next to the old one, never by editing a string,
 * which would silently break every stored MAC and the whole chain.
 *
 * The lookup key is not here: lookup hashes are chain-wide (HQ computes them for every member,
 * src/node-shared/contact-lookup-hash.ts) and the lookup key has no other use; see docs/SECURITY.md.
 */
export const TILL_KEY_PURPOSES = {
  /** audit/audit-log.ts: the HMAC hash chain over the audit table. */
  'audit-chain': 'loyalty-desk/till/audit-chain/v1',
  /** approvals/approval-service.ts: the HMAC binding an approval to its exact action and payload. */
  'approval-mac': 'loyalty-desk/till/approval-mac/v1',
  /** requests/request-log.ts: the keyed fingerprint of a write request (PINs left out). */
  'request-fingerprint': 'loyalty-desk/till/request-fingerprint/v1',
} as const;
export type TillKeyPurpose = keyof typeof TILL_KEY_PURPOSES;

/** Stored beside a MAC: which key made it. */
export const KEY_VERSION = {
  /** The audit key itself, as before migration 9 (rows that existed then). */
  legacy: 1,
  /** The purpose's HKDF key: everything written since. */
  derived: 2,
} as const;
export type KeyVersion = (typeof KEY_VERSION)[keyof typeof KEY_VERSION];

export const TILL_KEY_BYTES = 32;

/** A purpose's keys by the version stored beside each MAC. */
export type VersionedKeys = Readonly<Record<KeyVersion, Buffer>>;

/** The 32-byte key for `purpose` under the till's audit key (32 bytes). */
export function deriveTillKey(auditKey: Buffer, purpose: TillKeyPurpose): Buffer {
  if (!Object.hasOwn(TILL_KEY_PURPOSES, purpose)) throw new TypeError('unknown key purpose');
  if (auditKey.length !== TILL_KEY_BYTES) throw new TypeError(`the audit key must be ${TILL_KEY_BYTES} bytes`);
  const info = Buffer.from(TILL_KEY_PURPOSES[purpose], 'utf8');
  return Buffer.from(hkdfSync('sha256', auditKey, Buffer.alloc(0), info, TILL_KEY_BYTES));
}

/**
 * A purpose's keys by version, from the audit key as DeviceSecrets holds it (hex). Each service that
 * MACs calls this once, when it is built: version 1 is the audit key itself, kept only to check rows
 * from before migration 9; version 2, the purpose's own key, makes everything new.
 */
export function tillKeysFor(auditKeyHex: string, purpose: TillKeyPurpose): VersionedKeys {
  if (!/^[0-9a-f]{64}$/.test(auditKeyHex)) throw new TypeError('the audit key must be 32 bytes, hex');
  const auditKey = Buffer.from(auditKeyHex, 'hex');
  return { [KEY_VERSION.legacy]: auditKey, [KEY_VERSION.derived]: deriveTillKey(auditKey, purpose) };
}

/** True for a key version this build knows (a stored value outside them is a broken row). */
export function isKeyVersion(value: unknown): value is KeyVersion {
  return value === KEY_VERSION.legacy || value === KEY_VERSION.derived;
}
