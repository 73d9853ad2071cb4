import { RekeyRequest, type PullResponse } from '../../../shared/sync/protocol';
import type { RekeyReason } from '../../db/key-info';
import type { SyncState } from './sync-state';

/**
 * Rekeys the till owes (issue 15; HQ's side is packages/hq/src/devices/rekey.ts): an operator's
 * request a pull answer carried, kept here by the sync worker, and the one a pairing owes (written
 * in the pairing's transaction). The main process, which holds the only other connection to the
 * database, stops the worker and rekeys (db/rekey-database.ts); the debt is settled in the rekey's
 * audit transaction (from there the rekey is certain: any open finishes it), so a kill never makes
 * it rekey twice or forget. The worker's next pulls report a request done (PullRequest.rekeyed)
 * until an answer shows that HQ recorded it; its id is remembered, so an answer that still carries
 * it (sent before HQ heard) is not carried out again.
 */

/** After each pull page the worker applied. */
export function noteRekeyAnswer(state: SyncState, response: PullResponse): void {
  const reported = state.get('rekey_done');
  // HQ records a reported rekey before it answers, and every answer carries an open request: an
  // answer without the reported one shows HQ has it.
  if (reported !== null && response.rekey?.rekeyId !== reported) state.set('rekey_done', null);
  const asked = response.rekey;
  if (asked === undefined || asked.rekeyId === state.get('rekey_last_done')) return;
  if (state.get('rekey_request') === null) state.set('rekey_request', JSON.stringify(asked));
}

/** The rekey this till carried out and HQ has not yet recorded, for the next pull request. */
export function rekeyToReport(state: SyncState): string | undefined {
  return state.get('rekey_done') ?? undefined;
}

/** The request the main process has still to carry out, if any. */
function pendingRekeyRequest(state: SyncState): RekeyRequest | null {
  const kept = state.get('rekey_request');
  if (kept === null) return null;
  const parsed = RekeyRequest.safeParse(JSON.parse(kept));
  if (!parsed.success || parsed.data.rekeyId === state.get('rekey_last_done')) return null;
  return parsed.data;
}

/** A rekey this till owes: HQ's request (with its id), or pairing's. */
export interface OwedRekey {
  reason: RekeyReason;
  rekeyId?: string;
}

export function owedRekey(state: SyncState): OwedRekey | null {
  const asked = pendingRekeyRequest(state);
  if (asked !== null) return { reason: asked.reason, rekeyId: asked.rekeyId };
  return state.get('rekey_owed') === 'reprovisioned' ? { reason: 'reprovisioned' } : null;
}

/** Called inside the rekey's audit transaction: the debt is settled with the entry. */
export function settleOwedRekey(state: SyncState, owed: OwedRekey): void {
  if (owed.rekeyId === undefined) {
    state.set('rekey_owed', null);
    return;
  }
  state.set('rekey_last_done', owed.rekeyId);
  state.set('rekey_done', owed.rekeyId);
  state.set('rekey_request', null);
}

/** Written in the pairing's transaction: the paired till owes a rekey of its own (reprovisioned). */
export function oweRekeyForPairing(state: SyncState): void {
  state.set('rekey_owed', 'reprovisioned');
}
