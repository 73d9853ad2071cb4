import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3-multiple-ciphers';

/**
 * The ciphers the counter bench compares on one machine in one run: no cipher, SQLCipher v4 (the
 * till's scheme before issue 15: AES-256-CBC + HMAC-SHA512 per 4 KiB page), AEGIS-256 and
 * ChaCha20-Poly1305 (SQLite3MultipleCiphers' `aegis` and `chacha20`), each with a raw 32-byte key.
 * `till` is not here: that cache is opened by the app's own openDeviceDatabase, whatever it uses.
 */
export const BENCH_SCHEMES = ['plain', 'sqlcipher-v4', 'aegis', 'chacha20'] as const;
export type BenchScheme = (typeof BENCH_SCHEMES)[number];

/**
 * Keys a fresh connection with `scheme` (before any other statement). The pragmas are
 * SQLite3MultipleCiphers' own, as the till's open path applies them.
 */
export function applyBenchScheme(db: Database, scheme: BenchScheme, keyHex: string): void {
  if (!/^[0-9a-f]{64}$/.test(keyHex)) throw new Error('bench: a raw key is 64 hex digits');
  if (scheme === 'plain') return;
  if (scheme === 'sqlcipher-v4') {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma('legacy = 4');
  } else if (scheme === 'aegis') {
    db.pragma(`cipher = 'aegis'`);
    db.pragma(`algorithm = 'aegis-256'`);
  } else {
    db.pragma(`cipher = 'chacha20'`);
  }
  db.pragma(`key = "x'${keyHex}'"`);
}

/**
 * The scheme a connection is keyed with, read back from SQLite3MultipleCiphers (so the report names
 * what the app's open path really chose, not what the bench assumes): sqlcipher-v4, aegis, chacha20 …
 */
export function schemeOf(db: Database): string {
  const cipher = String(db.pragma('cipher', { simple: true }));
  if (cipher === 'sqlcipher') return `sqlcipher-v${String(db.pragma('legacy', { simple: true }))}`;
  if (cipher === 'aegis') return `aegis (${String(db.pragma('algorithm', { simple: true }))})`;
  return cipher;
}

/** Whether this CPU has AES instructions (Linux /proc/cpuinfo), for the report: AEGIS needs them to be fast. */
export function cpuHasAes(): boolean | null {
  try {
    return /^(flags|Features)\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return null;
  }
}
