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

/**
 * The Secret Service daemon went away in the middle of a call (it crashed or was restarted, and
 * D-Bus starts a new one at the next call). Nothing was lost: the keyring is a file the new daemon
 * reads. Matched on the D-Bus error text @napi-rs/keyring passes on; any other failure is final.
 */
const TRANSIENT = /disconnected from message bus without replying|org\.freedesktop\.DBus\.Error\.NoReply/;
/** Waits before each retry: the new daemon needs a moment to start and load the keyring. */
const RETRY_DELAYS_MS = [100, 500];

async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      const transient = error instanceof Error && TRANSIENT.test(error.message);
      if (!transient || delay === undefined) throw unavailable(error);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Wraps a keytar-compatible module so every backend failure becomes one typed error. Every call
 * is idempotent (read, write the same value, delete), so one the daemon dropped is made again.
 */
export function createKeychain(keytar: KeytarLike, service: string): Keychain {
  return {
    get: (account) => withRetry(() => keytar.getPassword(service, account)),
    async set(account, secret) {
      await withRetry(() => keytar.setPassword(service, account, secret));
      // Read back: some backends accept a write they cannot keep (a locked or read-only keyring).
      const stored = await this.get(account);
      if (stored !== secret) throw unavailable(new Error('secret store did not keep the value'));
    },
    delete: (account) => withRetry(() => keytar.deletePassword(service, account)),
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
