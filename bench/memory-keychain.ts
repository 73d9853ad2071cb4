import type { Keychain } from '../src/main/keychain/keychain';

/**
 * The benches' secret store: a Map in memory, so a bench measures the database and not the OS
 * keychain (the tests use the real Secret Service).
 */
export function memoryKeychain(): Keychain {
  const store = new Map<string, string>();
  return {
    get: async (a) => store.get(a) ?? null,
    set: async (a, v) => void store.set(a, v),
    delete: async (a) => store.delete(a),
  };
}
