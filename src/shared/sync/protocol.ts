import { z } from 'zod';
import { OP_PAYLOADS, OP_TYPES, type OpType } from './ops';

/**
 * The HQ wire protocol, version 1 (DESIGN §4, §5). Every body that crosses the wire in either
 * direction is parsed with one of these strict schemas: unknown fields and wrong types are refused,
 * never ignored. A breaking change gets a new prefix (/v2) rather than an edit here.
 */
export const PROTOCOL_VERSION = 'v1';

export const HQ_ROUTES = {
  pair: '/v1/pair',
  push: '/v1/push',
} as const;

/** Most ops one push may carry; the outbox sends bigger queues as several batches. */
export const MAX_PUSH_OPS = 500;
/** Largest request body HQ reads. 500 ops of the largest payload fit with room to spare. */
export const MAX_BODY_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Pairing

/**
 * Pairing codes are 12 characters of Crockford base32 (no I, L, O, U), shown as XXXX-XXXX-XXXX.
 * Typing is forgiving: case, spaces and dashes do not matter, and O/I/L read as 0/1/1.
 */
export const PAIRING_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PAIRING_CODE_LENGTH = 12;

export function normalizePairingCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export function formatPairingCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

export const PairRequest = z.strictObject({
  pairingCode: z.string().min(1).max(32),
  deviceName: z
    .string()
    .max(60)
    .transform((value) => value.trim())
    .pipe(z.string().min(1)),
});
export type PairRequest = z.input<typeof PairRequest>;

/** A device token: 32 random bytes, base64url without padding. */
export const DEVICE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const PairResponse = z.strictObject({
  deviceId: z.string().min(1).max(64),
  storeId: z.string().min(1).max(64),
  /** Shown once: HQ keeps only its SHA-256. The device keeps it in the OS secret store. */
  deviceToken: z.string().regex(DEVICE_TOKEN_PATTERN),
});
export type PairResponse = z.infer<typeof PairResponse>;

// ---------------------------------------------------------------------------------------------
// Push

const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

function opSchema<T extends OpType>(type: T) {
  return z.strictObject({
    seq,
    opId: z.uuid(),
    type: z.literal(type),
    staffId: z.string().min(1).max(64).nullable(),
    deviceTime: z.iso.datetime({ offset: true }),
    payload: OP_PAYLOADS[type],
  });
}

export const PushOp = z.discriminatedUnion('type', [
  opSchema('member.enrolled'),
  opSchema('member.updated'),
  opSchema('consent.changed'),
  opSchema('points.earned'),
  opSchema('points.redeemed'),
  opSchema('points.adjusted'),
  opSchema('points.reversed'),
]);
export type PushOp = z.infer<typeof PushOp>;

// Every op type has its branch above; this fails to compile if OP_TYPES grows without one.
const _allTypesCovered: readonly PushOp['type'][] = OP_TYPES;

/**
 * An op as it travels: the envelope is strict (a malformed envelope refuses the whole request), but
 * the payload is only required to be a JSON object here. Its type's schema is checked per op at HQ,
 * and a payload that fails it is recorded as rejected ('invalid_payload') and advances the queue:
 * a till on another version must never be stuck behind one op HQ cannot read (DESIGN §5).
 */
export const WirePushOp = z.strictObject({
  seq,
  opId: z.uuid(),
  type: z.enum(OP_TYPES),
  staffId: z.string().min(1).max(64).nullable(),
  deviceTime: z.iso.datetime({ offset: true }),
  payload: z.record(z.string(), z.json()),
});
export type WirePushOp = z.infer<typeof WirePushOp>;

export const PushRequest = z.strictObject({
  ops: z.array(WirePushOp).min(1).max(MAX_PUSH_OPS),
});
export type PushRequest = z.input<typeof PushRequest>;

export const PUSH_OUTCOMES = ['applied', 'duplicate', 'rejected'] as const;
export type PushOutcome = (typeof PUSH_OUTCOMES)[number];

/**
 * Why HQ refused to apply an op. A rejected op still advances the device's last seq (one bad op
 * never blocks the queue) and is shown to the manager; the reason is a stable code, never text.
 */
export const REJECT_REASONS = [
  /** The op id is already stored under another (device, seq). */
  'duplicate_op',
  'unknown_member',
  /** An enrolment for a member id HQ already holds (HQ never lets a till overwrite a member). */
  'member_exists',
  'card_in_use',
  /** Another till of the store already earned points for this receipt. */
  'reference_used',
  /** The payload does not match its op type's schema (another app version, or a bug). */
  'invalid_payload',
  /** The payload's ledger kind or sign does not fit the op type. */
  'kind_mismatch',
  'unknown_reversed_op',
  /** The database refused the op twice (a constraint or data error); kept for review. */
  'unprocessable',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why a seq ≤ last was skipped: set only when HQ holds a different op id at that seq. */
export const DUPLICATE_REASONS = ['op_id_mismatch'] as const;

export const PushOpOutcome = z.strictObject({
  seq,
  opId: z.uuid(),
  outcome: z.enum(PUSH_OUTCOMES),
  reason: z.enum([...REJECT_REASONS, ...DUPLICATE_REASONS]).optional(),
});
export type PushOpOutcome = z.infer<typeof PushOpOutcome>;

export const PushResponse = z.strictObject({
  /** The device's last seq HQ has settled (applied or rejected). The next push starts after it. */
  lastSeq: z.number().int().min(0),
  /** One entry per op HQ looked at, in request order, up to (not including) a gap. */
  outcomes: z.array(PushOpOutcome).max(MAX_PUSH_OPS),
  /** The first seq that did not follow `lastSeq`; HQ stopped the batch there. */
  gapAt: seq.optional(),
});
export type PushResponse = z.infer<typeof PushResponse>;

// ---------------------------------------------------------------------------------------------
// Errors

/** Stable codes of HQ's error bodies. Messages are developer English with ids only, never PII. */
export const HQ_ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'device_revoked',
  'pairing_code_invalid',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'internal_error',
] as const;
export type HqErrorCode = (typeof HQ_ERROR_CODES)[number];

export const HqError = z.strictObject({
  code: z.enum(HQ_ERROR_CODES),
  message: z.string().max(200),
  issues: z
    .array(z.strictObject({ path: z.string().max(200), code: z.string().max(40) }))
    .max(20)
    .optional(),
});
export type HqError = z.infer<typeof HqError>;
