import { randomUUID } from 'node:crypto';
import { createKeychain, loadPinnedKeytar, type Keychain } from '../../src/main/keychain/keychain';

export interface TestKeychain {
  keychain: Keychain;
  service: string;
  /** Deletes every entry this test wrote, so the Secret Service is left as found. */
  cleanup(): Promise<void>;
}

/**
 * The real OS secret store (gnome-keyring's Secret Service in CI), under a service name unique to
 * this test, so tests never see each other's keys nor a developer's real Loyalty Desk entries.
 */
export async function createTestKeychain(): Promise<TestKeychain> {
  const service = `Loyalty Desk test ${randomUUID()}`;
  const inner = createKeychain(await loadPinnedKeytar(), service);
  const written = new Set<string>();
  const keychain: Keychain = {
    get: (account) => inner.get(account),
    set: async (account, secret) => {
      written.add(account);
      await inner.set(account, secret);
    },
    delete: (account) => inner.delete(account),
  };
  return {
    keychain,
    service,
    cleanup: async () => {
      for (const account of written) await inner.delete(account).catch(() => false);
    },
  };
}

/** A keychain whose backend is gone, as on a Linux desktop without a Secret Service. */
export function unavailableKeychain(): Keychain {
  const fail = async (): Promise<never> => {
    const { AppError } = await import('../../src/shared/errors');
    throw new AppError('keychain_unavailable', 'The operating system secret store is not available.');
  };
  return { get: fail, set: fail, delete: fail };
}
