import { CIPHER_SCHEMES, applyCipher, type CipherScheme } from '../src/main/db/cipher-scheme';

/**
 * What the counter bench compares on one machine in one run: no cipher, and every page cipher the
 * till knows (src/main/db/cipher-scheme.ts): SQLCipher v4 (the scheme before issue 15: AES-256-CBC
 * + HMAC-SHA512 per 4 KiB page), AEGIS-256 and ChaCha20-Poly1305, each keyed raw through the app's
 * own applyCipher. The `till` cache is opened by the app's openDeviceDatabase instead, so the
 * scheme checked against the target is the one the app really picks on this machine.
 */
export const BENCH_SCHEMES = ['plain', ...CIPHER_SCHEMES] as const;
export type BenchScheme = 'plain' | CipherScheme;

/** Keys a fresh connection with `scheme` (before any other statement); plain stays plain. */
export function applyBenchScheme(db: Parameters<typeof applyCipher>[0], scheme: BenchScheme, keyHex: string): void {
  if (scheme !== 'plain') applyCipher(db, scheme, keyHex);
}
