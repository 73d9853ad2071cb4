import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import type { Language } from '../../shared/i18n/languages';
import type { REVEAL_REASONS } from '../../shared/members/schemas';
import type { ExportPurpose } from '../../shared/privacy/requests';
import { HQ_ROUTES, MemberDataResponse, type MemberDataRequest } from '../../shared/sync/protocol';
import type { Keychain } from '../keychain/keychain';
import { hqTokenAccount } from '../keychain/device-secrets';
import { createHqClient, HqRequestError, type HqClient } from '../sync/hq-client';
import { pairedEndpoint } from '../sync/pair-till';
import type { StaffProofSealer } from '../sync/staff-proof-seal';

/**
 * The main process asking HQ, on demand, for what only HQ holds about a member (an export, or full
 * contacts): the sync worker carries the outbox, these go straight from the handler that needs them
 * and their answers are never written to the till's database.
 */

/** The pinned client for a paired till with its device token; null when there is no HQ to ask. */
export type HqClientSource = () => Promise<HqClient | null>;

/** How long a manager waits at the counter before the till gives its own answer. */
export const MEMBER_DATA_TIMEOUT_MS = 15_000;

export function createHqClientSource(deps: {
  db: Database;
  keychain: Keychain;
  installId: string;
  timeoutMs?: number;
}): HqClientSource {
  return async () => {
    const endpoint = pairedEndpoint(deps.db);
    if (!endpoint) return null;
    const token = await deps.keychain.get(hqTokenAccount(deps.installId));
    if (token === null) return null;
    return createHqClient({ endpoint, token: () => token, timeoutMs: deps.timeoutMs ?? MEMBER_DATA_TIMEOUT_MS });
  };
}

export type MemberDataAsk =
  | { kind: 'export'; purpose: ExportPurpose; language: Language }
  | { kind: 'contacts'; reasonCode: (typeof REVEAL_REASONS)[number] };

/** What came of asking: HQ's answer, or why HQ could not be heard (a code for the log, never a body). */
export type MemberDataOutcome = { heard: true; answer: MemberDataResponse } | { heard: false; code: string };

/**
 * Seals the manager's PIN for HQ (bound to this device, request id, manager, member and kind) and
 * asks. Unreachable, timed out, busy, refusing the device or answering off-schema all come back as
 * not heard; a certificate other than the pinned one is thrown (hq_certificate_changed), as sync
 * reports it, and so is a till refused as restored from an old copy (device_rolled_back). The PIN leaves this function only inside the sealed box.
 */
export async function askHqForMemberData(
  deps: { proofs: StaffProofSealer; hq: HqClientSource },
  ask: MemberDataAsk,
  who: { requestId: string; memberId: string; staffId: string; pin: string },
): Promise<MemberDataOutcome> {
  const client = await deps.hq();
  if (client === null) return { heard: false, code: 'not_paired' };
  let staffProof;
  try {
    staffProof = deps.proofs.seal(
      {
        purpose: 'member_data',
        requestId: who.requestId,
        requestedBy: who.staffId,
        memberId: who.memberId,
        kind: ask.kind,
      },
      { pin: who.pin },
    );
  } catch (error) {
    // The till has not heard HQ's staff-proof key yet: HQ could not check a PIN from it.
    if (error instanceof AppError && error.code === 'hq_unreachable') return { heard: false, code: 'no_proof_key' };
    throw error;
  }
  if (staffProof === null) return { heard: false, code: 'not_paired' };
  const body: MemberDataRequest = {
    ...ask,
    requestId: who.requestId,
    memberId: who.memberId,
    requestedBy: who.staffId,
    staffProof,
  };
  try {
    return { heard: true, answer: await client.post(HQ_ROUTES.memberData, body, MemberDataResponse) };
  } catch (error) {
    if (!(error instanceof HqRequestError)) throw error;
    if (error.kind === 'pin_mismatch') {
      throw new AppError('hq_certificate_changed', 'HQ presented another certificate than the pinned one.');
    }
    // HQ heard and refused this till as restored from an old copy: said as that, and no export of
    // the till's own (possibly older) data is given in HQ's place.
    if (error.code === 'device_rolled_back') {
      throw new AppError('device_rolled_back', 'HQ refused this till as restored from an old copy.');
    }
    return { heard: false, code: error.code ?? error.kind };
  }
}

/** HQ's refusal of a member-data request as the till's error (none of them says which part of a proof failed). */
export function refusalError(reason: Extract<MemberDataResponse, { kind: 'refused' }>['reason']): AppError {
  switch (reason) {
    case 'member_not_found':
    case 'member_erased':
      return new AppError('member_not_found', 'HQ holds no such member (or has erased them).');
    case 'proof_missing':
    case 'proof_invalid':
      return new AppError('proof_invalid', "HQ did not accept the manager's PIN.");
    case 'request_id_reused':
    case 'export_expired':
      return new AppError('request_id_reused', 'HQ already answered this request id for another request.');
  }
}
