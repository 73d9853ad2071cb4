import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { HQ_ROUTES, PairResponse } from '../../shared/sync/protocol';
import type { AuditLog } from '../audit/audit-log';
import type { Keychain } from '../keychain/keychain';
import { hqTokenAccount, secretAccounts } from '../keychain/device-secrets';
import { saveStorePinPeppers } from '../keychain/store-pin-peppers';
import { settlePinPeppers } from './engine/pulled-pin-peppers';
import { createHqClient, HqRequestError, type HqClient, type HqEndpoint } from './hq-client';
import { createSyncState } from './engine/sync-state';
import { oweRekeyForPairing } from './engine/rekey-request';
import { storeStaffProofKey, UNPAIRED_STORE_ID } from './device-identity';
import { immediately, type Commit } from '../requests/request-log';

export interface PairTillDeps {
  db: Database;
  keychain: Keychain;
  installId: string;
  audit: AuditLog;
  now: () => Date;
  /** Tests may shorten the timeout; the app uses the pinned HTTPS client. */
  client?: (endpoint: HqEndpoint) => HqClient;
  /** Runs the pairing's database write; the router passes one that also records the client request. */
  commit?: Commit;
}

export interface PairTillRequest {
  hqUrl: string;
  pairingCode: string;
  deviceName: string;
  /** The fingerprint staff confirmed (probeHqCertificate): pinned from now on. */
  certSha256: string;
}

/**
 * Pairs this till with HQ (DESIGN §4): spends the one-time code over a connection pinned to the
 * confirmed certificate, keeps the device token and the chain-wide secrets in the OS secret store,
 * and makes this till a till of that store. Only a till with nothing to push may pair: its local
 * data (demo members, staff) is replaced by what HQ sends. The caller restarts the services, which
 * read the new secrets, and starts sync.
 */
export async function pairTill(
  deps: PairTillDeps,
  request: PairTillRequest,
  staffId: string | null,
): Promise<{ deviceId: string; storeId: string; storeName: string }> {
  const { db } = deps;
  const state = createSyncState(db);
  const unpaired = db.prepare("SELECT value FROM sync_state WHERE key = 'store_id'").get() as
    { value: string } | undefined;
  const business = db
    .prepare(
      'SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM ledger) + (SELECT count(*) FROM consents) AS n',
    )
    .get() as { n: number };
  if (unpaired?.value !== UNPAIRED_STORE_ID || business.n > 0) {
    throw new AppError(
      'pairing_not_allowed',
      'Only a new till, with nothing recorded yet, can be paired. Ask HQ to pair a fresh installation.',
    );
  }
  const endpoint: HqEndpoint = { url: request.hqUrl, certSha256: request.certSha256 };
  const client = (deps.client ?? ((e) => createHqClient({ endpoint: e, token: () => null, timeoutMs: 15_000 })))(
    endpoint,
  );
  let paired: PairResponse;
  try {
    paired = await client.post(
      HQ_ROUTES.pair,
      { pairingCode: request.pairingCode, deviceName: request.deviceName },
      PairResponse,
    );
  } catch (error) {
    if (error instanceof HqRequestError) {
      if (error.code === 'pairing_code_invalid')
        throw new AppError('pairing_code_invalid', 'The pairing code is wrong, used or expired.');
      if (error.code === 'too_many_requests')
        throw new AppError('pairing_rate_limited', 'Too many pairing attempts. Wait ten minutes and try again.');
      if (error.kind === 'pin_mismatch')
        throw new AppError('hq_certificate_changed', 'HQ presented another certificate than the one confirmed.');
      throw new AppError('hq_unreachable', `HQ could not be reached (${error.kind}).`);
    }
    throw error;
  }

  // The secret store first: if the process dies before the database commit below, the till is
  // still unpaired (and pairs again with a new code); the other order could leave a paired till
  // with no token.
  const accounts = secretAccounts(deps.installId);
  await deps.keychain.set(hqTokenAccount(deps.installId), paired.deviceToken);
  await deps.keychain.set(accounts.lookupKey, paired.lookupKey);
  // The chain pepper only while HQ says this store's roster still holds v1 hashes; else the slot
  // keeps this till's own random pepper, which checks nothing HQ sends (issue 15).
  if (paired.pinPepper !== undefined) await deps.keychain.set(accounts.pinPepper, paired.pinPepper);
  if (paired.pinPeppers !== undefined) await saveStorePinPeppers(deps.keychain, deps.installId, paired.pinPeppers);

  const answer = (deps.commit ?? immediately(db))(() => {
    // What the till held before pairing was its own (demo data, a standalone roster): HQ's replaces it.
    db.exec(`
      DELETE FROM member_name_tokens;
      DELETE FROM members;
      DELETE FROM approvals;
      DELETE FROM auth_failures;
      DELETE FROM staff;
      DELETE FROM rewards;
      DELETE FROM earn_rules;
      DELETE FROM card_block;
      DELETE FROM requests;
    `);
    db.prepare('INSERT INTO card_block (id, prefix, width, next, last) VALUES (1, ?, ?, ?, ?)').run(
      paired.cardBlock.prefix,
      paired.cardBlock.width,
      paired.cardBlock.next,
      paired.cardBlock.last,
    );
    const setKey = db.prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    setKey.run('device_id', paired.deviceId);
    setKey.run('store_id', paired.storeId);
    storeStaffProofKey(db, paired.staffProofKey);
    if (paired.pinPeppers !== undefined) settlePinPeppers(db, paired.pinPeppers);
    state.set('hq_url', request.hqUrl);
    state.set('hq_cert_sha256', request.certSha256);
    state.set('store_name', paired.storeName);
    // A database key of its own (sync-service.ts carries it out): owed from this commit on.
    oweRekeyForPairing(state);
    state.set('pull_cursor', null);
    state.set('acked_seq', '0');
    deps.audit.append({
      staffId,
      action: 'device.paired',
      subjectType: 'device',
      subjectId: paired.deviceId,
      details: { storeId: paired.storeId },
    });
    return { storeName: paired.storeName };
  });
  return { deviceId: paired.deviceId, storeId: paired.storeId, storeName: answer.storeName };
}

/** Where this till syncs, if it is paired. */
export function pairedEndpoint(db: Database): HqEndpoint | null {
  const state = createSyncState(db);
  const url = state.get('hq_url');
  const certSha256 = state.get('hq_cert_sha256');
  return url && certSha256 ? { url, certSha256 } : null;
}
