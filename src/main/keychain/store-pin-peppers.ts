import { TillPinPeppers } from '../../shared/sync/protocol';
import { newSecretHex, secretAccounts } from './device-secrets';
import type { Keychain } from './keychain';

/**
 * This till's per-store PIN peppers (issue 15; docs/SECURITY.md "Staff PIN peppers"): its store's
 * and the chain-wide staff's, from HQ at pairing (or, for a till paired before, from a pull page),
 * kept in the OS secret store beside the other device secrets. Roster hashes name the pepper they
 * were made with (src/node-shared/pin-hash-key-id.ts).
 */
export function storePinPepperAccounts(installId: string): { store: string; chainStaff: string } {
  return { store: `${installId}/store-pin-pepper`, chainStaff: `${installId}/chain-staff-pin-pepper` };
}

/** Both peppers, or null when this till has not been given them (standalone, or an older HQ). */
export async function loadStorePinPeppers(keychain: Keychain, installId: string): Promise<TillPinPeppers | null> {
  const accounts = storePinPepperAccounts(installId);
  const found = TillPinPeppers.safeParse({
    store: await keychain.get(accounts.store),
    chainStaff: await keychain.get(accounts.chainStaff),
  });
  return found.success ? found.data : null;
}

export async function saveStorePinPeppers(
  keychain: Keychain,
  installId: string,
  peppers: TillPinPeppers,
): Promise<void> {
  const accounts = storePinPepperAccounts(installId);
  await keychain.set(accounts.store, peppers.store);
  await keychain.set(accounts.chainStaff, peppers.chainStaff);
}

/**
 * Removes the chain-wide pepper (v1) from this till: once no roster hash needs it, a compromise of
 * this till must not hand it out. The entry is overwritten with a random value rather than deleted
 * because the device secrets' loader (device-secrets.ts) refuses to start a till with staff and no
 * pepper entry, and a random one checks nothing: a v1 hash that came back later fails like a wrong
 * PIN and needs a reset at HQ.
 */
export async function forgetChainPinPepper(keychain: Keychain, installId: string): Promise<void> {
  await keychain.set(secretAccounts(installId).pinPepper, newSecretHex());
}

/** For a wipe (revocation): both entries gone; a missing one is fine. */
export async function deleteStorePinPeppers(keychain: Keychain, installId: string): Promise<void> {
  const accounts = storePinPepperAccounts(installId);
  await keychain.delete(accounts.store).catch(() => false);
  await keychain.delete(accounts.chainStaff).catch(() => false);
}
