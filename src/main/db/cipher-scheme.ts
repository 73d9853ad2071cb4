import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3-multiple-ciphers';

/**
 * The page ciphers a till's file may use, as named in the key-info file. All three are
 * SQLite3MultipleCiphers ciphers keyed with a raw 256-bit key (no passphrase KDF):
 * - `aegis-256`: AEGIS-256, an AES-round AEAD; every page carries a random 32-byte nonce and a
 *   32-byte tag (page flips and swapped pages are refused). Fast only with AES instructions.
 * - `chacha20-poly1305`: ChaCha20 + Poly1305 per page (16-byte nonce, 16-byte tag), add/rotate/xor
 *   only, so constant-time in software: the fallback where the CPU has no AES instructions
 *   (a table-based software AES leaks its key through cache timing).
 * - `sqlcipher-v4`: the scheme before issue 15 (AES-256-CBC + HMAC-SHA512); only read, to migrate.
 */
export const CIPHER_SCHEMES = ['aegis-256', 'chacha20-poly1305', 'sqlcipher-v4'] as const;
export type CipherScheme = (typeof CIPHER_SCHEMES)[number];
/** The schemes a new or migrated file is written with. */
export type CurrentCipherScheme = Exclude<CipherScheme, 'sqlcipher-v4'>;

const HEX_256 = /^[0-9a-f]{64}$/;

/** What the AES check reads; tests pass their own. */
export interface CpuFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** /proc/cpuinfo on Linux; null when it cannot be read. */
  readCpuInfo: () => string | null;
}

export function hostCpuFacts(): CpuFacts {
  return {
    platform: process.platform,
    arch: process.arch,
    readCpuInfo: () => {
      try {
        return readFileSync('/proc/cpuinfo', 'utf8');
      } catch {
        // No /proc (a sandbox): treated as no AES, which picks the constant-time fallback.
        return null;
      }
    },
  };
}

/**
 * Whether the CPU has AES instructions. Every Mac Electron supports (x64 since 2010, Apple
 * silicon) and every Windows 10/11 x64 or arm64 machine has them; on Linux the kernel lists the
 * flag: `aes` among x86 `flags`, `aes` among arm64 `Features`.
 */
export function cpuHasAesInstructions(facts: CpuFacts = hostCpuFacts()): boolean {
  if (facts.platform === 'darwin') return true;
  if (facts.platform === 'win32') return facts.arch === 'x64' || facts.arch === 'arm64';
  if (facts.platform !== 'linux') return false;
  const info = facts.readCpuInfo();
  if (info === null) return false;
  return info
    .split('\n')
    .some((line) => /^(flags|Features)\s*:/.test(line) && /(^|\s)aes(\s|$)/.test(line.split(':')[1] ?? ''));
}

/** The scheme a new (or migrated) file gets on this machine. */
export function preferredCipherScheme(hasAes: boolean): CurrentCipherScheme {
  return hasAes ? 'aegis-256' : 'chacha20-poly1305';
}

/**
 * The pragmas that select a scheme, in order. `cipher` also sets the connection's default for
 * databases attached later, which is how the cipher migration writes its new file.
 */
export function schemePragmas(scheme: CipherScheme): string[] {
  switch (scheme) {
    case 'aegis-256':
      return [`cipher = 'aegis'`, `algorithm = 'aegis-256'`];
    case 'chacha20-poly1305':
      return [`cipher = 'chacha20'`, 'legacy = 0'];
    case 'sqlcipher-v4':
      return [`cipher = 'sqlcipher'`, 'legacy = 4'];
  }
}

/**
 * Applies a scheme and its raw key to a fresh connection, before its first read. The key is used
 * raw (a 64-hex-digit x'' literal skips the passphrase KDF). The till, the sync worker, the bench
 * and the tests all open files through this one function.
 */
export function applyCipher(db: Database, scheme: CipherScheme, keyHex: string): void {
  if (!HEX_256.test(keyHex)) throw new Error('a database key is 64 lower-case hex digits');
  for (const pragma of schemePragmas(scheme)) db.pragma(pragma);
  db.pragma(`key = "x'${keyHex}'"`);
}

/**
 * Sets the connection's default cipher to `scheme` without touching the main database's codec,
 * so that `ATTACH … KEY "x'…'"` writes the attached file in it. SQLite3MultipleCiphers takes an
 * attached schema's cipher from these defaults (verified by tests/integration/cipher-migration).
 */
export function setDefaultCipherForAttach(db: Database, scheme: CipherScheme): void {
  for (const pragma of schemePragmas(scheme)) db.pragma(pragma);
}
