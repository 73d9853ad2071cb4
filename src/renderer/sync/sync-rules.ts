/** Pure rules of the pairing form and the sync screen (no DOM, no React), so they are unit-tested. */
import { OP_TYPES, type OpType } from '../../shared/sync/ops';
import {
  DAY_END_PROBLEMS,
  DUPLICATE_REASONS,
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  REJECT_REASONS,
  formatPairingCode,
  normalizePairingCode,
} from '../../shared/sync/protocol';
import { ProbeHqRequest } from '../../shared/sync/status';
import { formatNumber } from '../app/format-number';

// ---------------------------------------------------------------------------------------------
// Pairing form

/** The longest HQ address, pairing code (as typed) and device name the main process accepts. */
export const HQ_URL_MAX = 200;
export const PAIRING_CODE_MAX = 32;
export const DEVICE_NAME_MAX = 60;

export type HqUrlProblem = 'required' | 'too_long' | 'hq_url_invalid';

/**
 * The address as it will be checked: trimmed, and given `https://` when typed without a scheme
 * ("hq.example.com:8443"). An `http://` address is kept as typed, so the form can say why not.
 */
export function tidyHqUrl(typed: string): string {
  const trimmed = typed.trim();
  if (trimmed === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return trimmed;
  return `https://${trimmed}`;
}

/** What is wrong with an HQ address, by the same schema the main process applies. */
export function hqUrlProblem(url: string): HqUrlProblem | null {
  const parsed = ProbeHqRequest.shape.hqUrl.safeParse(url);
  if (parsed.success) return null;
  const message = parsed.error.issues[0]?.message;
  return message === 'required' || message === 'too_long' ? message : 'hq_url_invalid';
}

/**
 * A pairing code as staff see it while typing: case, spaces and dashes do not matter and O/I/L
 * read as 0/1/1 (as HQ reads them), shown in groups of four: "7k3m 9qxd-2hfa" -> "7K3M-9QXD-2HFA".
 */
export function tidyPairingCode(typed: string): string {
  return formatPairingCode(normalizePairingCode(typed));
}

const CODE_CHARS = new Set(PAIRING_CODE_ALPHABET);

export function pairingCodeProblem(typed: string): 'required' | 'pairing_code_format' | null {
  const code = normalizePairingCode(typed);
  if (code === '') return 'required';
  if (code.length !== PAIRING_CODE_LENGTH || [...code].some((c) => !CODE_CHARS.has(c))) return 'pairing_code_format';
  return null;
}

export function deviceNameProblem(name: string): 'required' | 'too_long' | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'required';
  return trimmed.length > DEVICE_NAME_MAX ? 'too_long' : null;
}

/**
 * A SHA-256 fingerprint ("AB:CD:…", 32 bytes) in eight groups of four bytes, for comparing it
 * group by group with the one HQ printed. Anything else comes back as one group.
 */
export function fingerprintGroups(fingerprint: string): string[] {
  const bytes = fingerprint.trim().toUpperCase().split(':');
  if (bytes.length !== 32 || bytes.some((byte) => !/^[0-9A-F]{2}$/.test(byte))) return [fingerprint];
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) groups.push(bytes.slice(i, i + 4).join(':'));
  return groups;
}

// ---------------------------------------------------------------------------------------------
// Sync screen

export function isOpType(value: string): value is OpType {
  return (OP_TYPES as readonly string[]).includes(value);
}

export type RejectionReason = (typeof REJECT_REASONS)[number] | (typeof DUPLICATE_REASONS)[number];
const REASONS: readonly string[] = [...REJECT_REASONS, ...DUPLICATE_REASONS];

export function isRejectionReason(value: string): value is RejectionReason {
  return REASONS.includes(value);
}

export type DayEndProblem = (typeof DAY_END_PROBLEMS)[number];

/**
 * Why the last background sync failed, as the sync screen explains it. The till stores HQ's error
 * code when HQ answered with one, else how the request failed (see main/sync/hq-client.ts).
 */
export const SYNC_ERRORS = [
  'network',
  'timeout',
  'http',
  'pin_mismatch',
  'bad_response',
  'cursor_expired',
  'push_first',
  'unauthorized',
  'device_revoked',
  'too_many_requests',
  'payload_too_large',
  'bad_request',
  'internal_error',
] as const;
export type SyncErrorCode = (typeof SYNC_ERRORS)[number];

export function syncErrorKey(code: string): SyncErrorCode | 'other' {
  return (SYNC_ERRORS as readonly string[]).includes(code) ? (code as SyncErrorCode) : 'other';
}

/**
 * A member id shortened for a table: its last 8 characters (ids are UUIDv7, whose first ones are
 * a timestamp that members enrolled the same day share).
 */
export function shortId(id: string): string {
  return id.length > 10 ? `…${id.slice(-8)}` : id;
}

/** Pending ops per type, the most first, for the bar chart; `share` is 0–100 of the largest. */
export function pendingBars(byType: Partial<Record<OpType, number>>): { type: OpType; count: number; share: number }[] {
  const rows = OP_TYPES.map((type) => ({ type, count: byType[type] ?? 0 })).filter((row) => row.count > 0);
  const most = Math.max(1, ...rows.map((row) => row.count));
  return rows
    .sort((a, b) => b.count - a.count || OP_TYPES.indexOf(a.type) - OP_TYPES.indexOf(b.type))
    .map((row) => ({ ...row, share: Math.max(2, Math.round((row.count / most) * 100)) }));
}

/** The percentage a progress bar shows, or null when the total is not known (indeterminate). */
export function progressPercent(done: number, total: number | null): number | null {
  if (total === null || total <= 0) return null;
  return Math.min(100, Math.max(0, Math.round((done / total) * 100)));
}

/** How often the sync screen asks for the status: quickly while a run shows progress. */
export const SYNC_POLL_MS = 2_000;
export const SYNC_POLL_RUNNING_MS = 500;
/** How often the header indicator asks when the sync screen is not open. */
export const SYNC_POLL_BACKGROUND_MS = 5_000;
/** How often the till asks for HQ's staff list right after pairing. */
export const ROSTER_POLL_MS = 2_000;

/**
 * Seconds until the next background try. `retryInMs` is counted from the failed attempt, which
 * the screen first heard of at `seenAt`; never below 0.
 */
export function secondsUntilRetry(retryInMs: number, seenAt: number, now: number): number {
  const left = Math.ceil((seenAt + retryInMs - now) / 1000);
  return Math.min(Math.ceil(retryInMs / 1000), Math.max(0, left));
}

/** A count as staff read numbers in the till's locale ("1,234" / "1 234"). */
export function formatCount(n: number, locale: string): string {
  return formatNumber(n, locale);
}

/** What the header indicator and the sync screen say about the link to HQ. */
export type LinkState = 'unpaired' | 'running' | 'online' | 'offline' | 'never';

export function linkState(status: {
  paired: boolean;
  online: boolean | null;
  running: unknown;
  lastSuccessAt: string | null;
  lastError: string | null;
}): LinkState {
  if (!status.paired) return 'unpaired';
  if (status.running) return 'running';
  if (status.online === true) return 'online';
  if (status.online === false) return 'offline';
  // No attempt since the app started: the last run recorded says how it went.
  if (status.lastError !== null) return 'offline';
  return status.lastSuccessAt ? 'online' : 'never';
}
