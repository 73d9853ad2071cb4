// The Secret Service daemon can go away in the middle of a call (it crashed or was restarted; D-Bus
// starts a new one). Those calls are made again; every other failure is keychain_unavailable at once.
import { describe, expect, it } from 'vitest';
import { createKeychain } from '../../src/main/keychain/keychain';

const DROPPED = 'Platform failure: DBus error: Message recipient disconnected from message bus without replying';

/** A keytar-shaped backend whose first `failures` calls throw `message`, then keeps values in a map. */
function flakyBackend(failures: number, message: string) {
  const values = new Map<string, string>();
  let left = failures;
  const calls: string[] = [];
  const maybeFail = (name: string) => {
    calls.push(name);
    if (left > 0) {
      left -= 1;
      throw new Error(message);
    }
  };
  return {
    calls,
    backend: {
      getPassword: async (service: string, account: string) => {
        maybeFail('get');
        return values.get(`${service}/${account}`) ?? null;
      },
      setPassword: async (service: string, account: string, password: string) => {
        maybeFail('set');
        values.set(`${service}/${account}`, password);
      },
      deletePassword: async (service: string, account: string) => {
        maybeFail('delete');
        return values.delete(`${service}/${account}`);
      },
    },
  };
}

describe('keychain: a call the Secret Service daemon dropped', () => {
  it('is made again, up to twice more: a write dropped twice is kept and read back', async () => {
    const { backend, calls } = flakyBackend(2, DROPPED);
    const keychain = createKeychain(backend, 'test');
    await keychain.set('database-key', 'k1');
    expect(calls).toEqual(['set', 'set', 'set', 'get']);
    expect(await keychain.get('database-key')).toBe('k1');
  });

  it('dropped three times in a row is keychain_unavailable, with the D-Bus error as its cause', async () => {
    const { backend, calls } = flakyBackend(3, DROPPED);
    const keychain = createKeychain(backend, 'test');
    await expect(keychain.get('database-key')).rejects.toMatchObject({
      code: 'keychain_unavailable',
      cause: { message: DROPPED },
    });
    expect(calls).toEqual(['get', 'get', 'get']);
  });

  it('any other failure (a locked keyring, no Secret Service) is keychain_unavailable at the first call', async () => {
    for (const message of ['Platform failure: The name org.freedesktop.secrets was not provided', 'Locked']) {
      const { backend, calls } = flakyBackend(1, message);
      const keychain = createKeychain(backend, 'test');
      await expect(keychain.delete('database-key'), message).rejects.toMatchObject({ code: 'keychain_unavailable' });
      expect(calls).toEqual(['delete']);
    }
  });
});
