import { AppError } from '../../shared/errors';

/**
 * The OS secret store, seen through the few calls we need. Services take a `Keychain` as a
 * parameter so tests can point them at a throwaway service name in a private Secret Service.
 */
export interface Keychain {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export const DEFAULT_KEYCHAIN_SERVICE = 'Loyalty Desk';

function unavailable(cause: unknown): AppError {
  // The native error text names the platform backend; it never contains the secret.
  return new AppError(
    'keychain_unavailable',
    'The operating system secret store is not available. Loyalty Desk keeps its encryption key only there and will not run without it.',
    { cause },
  );
}

/** Wraps a keytar-compatible module so every backend failure becomes one typed error. */
export function createKeychain(keytar: KeytarLike, service: string): Keychain {
  return {
    async get(account) {
      try {
        return await keytar.getPassword(service, account);
      } catch (error) {
        throw unavailable(error);
      }
    },
    async set(account, secret) {
      try {
        await keytar.setPassword(service, account, secret);
      } catch (error) {
        throw unavailable(error);
      }
      // Read back: some backends accept a write they cannot keep (a locked or read-only keyring).
      const stored = await this.get(account);
      if (stored !== secret) throw unavailable(new Error('secret store did not keep the value'));
    },
    async delete(account) {
      try {
        return await keytar.deletePassword(service, account);
      } catch (error) {
        throw unavailable(error);
      }
    },
  };
}

/**
 * A keytar-compatible object over @napi-rs/keyring's AsyncEntry, pinned on Linux to the Secret
 * Service. The package's own `keytar.js` shim falls back silently to the kernel keyutils keyring
 * when no Secret Service runs; that keyring lives in memory only, so the database key would be
 * gone after a reboot and the data with it. Pinned, a missing Secret Service is an error instead.
 */
export async function loadPinnedKeytar(): Promise<KeytarLike> {
  const { AsyncEntry } = await import('@napi-rs/keyring');
  const options = { linux: { store: 'secret-service' as const } };
  return {
    getPassword: async (service, account) => (await new AsyncEntry(service, account, options).getPassword()) ?? null,
    setPassword: (service, account, password) => new AsyncEntry(service, account, options).setPassword(password),
    deletePassword: (service, account) => new AsyncEntry(service, account, options).deletePassword(),
  };
}

/** The real OS secret store (Keychain on macOS, Credential Manager on Windows, Secret Service on Linux). */
export async function openOsKeychain(service = DEFAULT_KEYCHAIN_SERVICE): Promise<Keychain> {
  let keytar: KeytarLike;
  try {
    keytar = await loadPinnedKeytar();
  } catch (error) {
    throw unavailable(error);
  }
  const keychain = createKeychain(keytar, service);
  // Fail at start, not at first write: reading a probe entry touches the store for real.
  await keychain.get('probe');
  return keychain;
}
