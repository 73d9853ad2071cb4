import { RekeyRequest, type PullResponse } from '../../../shared/sync/protocol';
import type { SyncState } from './sync-state';

/**
 * Rekey on request (issue 15; HQ's side is packages/hq/src/devices/rekey.ts). The sync worker keeps
 * the request a pull answer carried; the main process, which holds the only other connection to
 * the database, stops the worker, rekeys (db/rekey-database.ts), marks the request done and starts
 * the worker again, whose next pulls say so (PullRequest.rekeyed) until an answer shows that HQ
 * recorded it. The request's id is remembered once done, so an answer that still carries it (sent
 * before HQ heard) never rekeys twice.
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
export function pendingRekeyRequest(state: SyncState): RekeyRequest | null {
  const kept = state.get('rekey_request');
  if (kept === null) return null;
  const parsed = RekeyRequest.safeParse(JSON.parse(kept));
  return parsed.success ? parsed.data : null;
}

/** The main process rekeyed the database for `rekeyId`. */
export function markRekeyDone(state: SyncState, rekeyId: string): void {
  state.set('rekey_last_done', rekeyId);
  state.set('rekey_done', rekeyId);
  state.set('rekey_request', null);
}
