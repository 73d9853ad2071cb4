import { z } from 'zod';
import { EarnRules } from '../points/rules';
import { OP_PAYLOADS, OP_TYPES, type OpType } from './ops';
import { StaffProof, StaffProofPublicKey } from './staff-proof';
import { MAX_ADJUST_POINTS } from '../points/rules';
import { LANGUAGES } from '../i18n/languages';
import { REVEAL_REASONS } from '../members/schemas';
import { MemberExport } from '../privacy/member-export';
import { EXPORT_PURPOSES } from '../privacy/requests';
import { DETECTION_RULES, DetectionPolicy } from '../detection/policy';
import { MAX_FINDING_MEMBERS } from '../detection/activity';

/**
 * The HQ wire protocol, version 1 (DESIGN §4, §5). Every body that crosses the wire in either
 * direction is parsed with one of these strict schemas: unknown fields and wrong types are refused,
 * never ignored. A breaking change gets a new prefix (/v2) rather than an edit here.
 */
export const PROTOCOL_VERSION = 'v1';

export const HQ_ROUTES = {
  pair: '/v1/pair',
  push: '/v1/push',
  pull: '/v1/pull',
  dayEnd: '/v1/day-end',
  memberData: '/v1/member-data',
  audit: '/v1/audit',
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

const hex256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A till's PIN peppers (issue 15): its store's and the chain-wide staff's, hex. */
export const TillPinPeppers = z.strictObject({ store: hex256, chainStaff: hex256 });
export type TillPinPeppers = z.infer<typeof TillPinPeppers>;

/** Card numbers a till may hand out: prefix + zero-padded counter (width digits) + Luhn digit. */
export const CardBlock = z.strictObject({
  prefix: z.string().regex(/^[0-9]{1,12}$/),
  width: z.number().int().min(1).max(9),
  next: z.number().int().min(0),
  last: z.number().int().min(0),
});
export type CardBlock = z.infer<typeof CardBlock>;

export const PairResponse = z.strictObject({
  deviceId: z.string().min(1).max(64),
  storeId: z.string().min(1).max(64),
  storeName: z.string().min(1).max(80),
  /** Shown once: HQ keeps only its SHA-256. The device keeps it in the OS secret store. */
  deviceToken: z.string().regex(DEVICE_TOKEN_PATTERN),
  /**
   * The chain-wide secrets (DESIGN §4): the argon2id pepper of staff PINs, so a PIN set at one
   * store works at every store, and the key of the contact lookup hashes. Kept in the secret store.
   */
  pinPepper: hex256.optional(),
  lookupKey: hex256,
  /**
   * Per-store PIN peppers (issue 15): the pepper of this till's store and of chain-wide staff, the
   * peppers of v2 roster hashes (their argon2 keyid says which). pinPepper above, the chain pepper
   * of v1 hashes, comes only while an active staff member this till may sign in still has a v1 hash.
   * Absent from older HQs.
   */
  pinPeppers: TillPinPeppers.optional(),
  cardBlock: CardBlock,
  /** HQ's X25519 key: PINs typed for HQ to believe are sealed to it (shared/sync/staff-proof.ts). */
  staffProofKey: StaffProofPublicKey,
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
  opSchema('staff.pin_changed'),
  opSchema('member.erasure_requested'),
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

/**
 * What a till believes HQ holds of it (issue 15, rollback caught at HQ): sent with every push, pull,
 * audit upload and day end, and compared with HQ's own figures in the same transaction
 * (packages/hq/src/devices/rollback.ts; the rule is in docs/SECURITY.md). Seqs and a hash only.
 * Optional so that a till older than this HQ still syncs; such a till is not checked.
 */
export const DeviceHead = z.strictObject({
  /** The last seq whose push outcome the till recorded (sync_state acked_seq). */
  ackedSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The highest seq the till's outbox ever wrote (sync_state outbox_last_seq). */
  lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** The head of the till's own audit chain; seq 0 and hash null while it is empty. */
  audit: z.strictObject({
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
  }),
});
export type DeviceHead = z.infer<typeof DeviceHead>;

export const PushRequest = z.strictObject({
  ops: z.array(WirePushOp).min(1).max(MAX_PUSH_OPS),
  head: DeviceHead.optional(),
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
  'unknown_staff',
  /** A PIN change, reset or manager approval that carries no staff proof. */
  'proof_missing',
  /**
   * The staff proof did not convince HQ: it does not open for this op, or the PIN in it is wrong,
   * or the one proving is not allowed. Deliberately one reason: it never says which part failed.
   */
  'proof_invalid',
  /** The new PIN a proven change or reset sets does not meet the PIN policy. */
  'pin_rejected',
  /** An earn without the purchase amount: HQ computes the points from it, never takes a till's figure. */
  'amount_missing',
  /** HQ has given this store no earn rules, so it cannot compute the points of an earn there. */
  'earn_rules_missing',
  /** A redemption of a reward HQ's catalogue does not hold. */
  'unknown_reward',
  /** A redemption of a reward withdrawn longer ago than the store's grace window. */
  'reward_withdrawn',
  /** A correction's approver is not an active manager of this store (or chain-wide) in HQ's roster. */
  'approver_not_manager',
  /** A correction approved by the staff member who asked for it (or naming no one who asked). */
  'approver_is_requester',
  /** An adjustment larger than the store's policy allows. */
  'adjustment_over_limit',
  /** The database refused the op twice (a constraint or data error); kept for review. */
  'unprocessable',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why a seq ≤ last was skipped: set only when HQ holds a different op id at that seq. */
export const DUPLICATE_REASONS = ['op_id_mismatch'] as const;

/**
 * A member as HQ held it right after an op was applied: the device confirms the op's ledger entry
 * and takes this balance in one transaction, if `version` is newer than the one it holds.
 */
export const MemberAfterOp = z.strictObject({
  id: z.string().min(1).max(64),
  version: z.number().int().min(1),
  points: z.number().int(),
});
export type MemberAfterOp = z.infer<typeof MemberAfterOp>;

export const PushOpOutcome = z.strictObject({
  seq,
  opId: z.uuid(),
  outcome: z.enum(PUSH_OUTCOMES),
  reason: z.enum([...REJECT_REASONS, ...DUPLICATE_REASONS]).optional(),
  /** For a duplicate: how HQ settled the op the first time (a lost response is heard again). */
  firstOutcome: z.enum(['applied', 'rejected']).optional(),
  member: MemberAfterOp.optional(),
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
// Pull

/** Most changes in one pull page (a snapshot page holds members only). */
export const MAX_PULL_CHANGES = 2000;

/**
 * Opaque to the device: it stores the cursor of the last page it applied (in the same transaction
 * as the page) and sends it back. null asks for a snapshot.
 */
export const PullCursor = z.string().regex(/^[cs]\.[0-9]{1,20}\.[0-9A-Za-z_-]{0,100}$/);

export const PullRequest = z.strictObject({
  cursor: PullCursor.nullable(),
  /**
   * The last seq whose push outcome the device has recorded. If HQ settled more (a push response
   * was lost), the page would count those ops twice on the device: HQ answers push_first instead.
   */
  ackedSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.number().int().min(1).max(MAX_PULL_CHANGES).optional(),
  head: DeviceHead.optional(),
  /** The rekey request (PullResponse.rekey) this till carried out, sent until HQ has answered a pull with it. */
  rekeyed: z.uuid().optional(),
});
export type PullRequest = z.input<typeof PullRequest>;

/** Why an operator asks a till to re-encrypt its database under a new key (packages/hq/src/devices/rekey.ts). */
export const HQ_REKEY_REASONS = [
  /** The till's database key may have been read (its secret store or memory copied, malware found). */
  'suspected_compromise',
] as const;
export type HqRekeyReason = (typeof HQ_REKEY_REASONS)[number];

/** An operator's open request that this till rekey its database (issue 15: rekeys happen on events). */
export const RekeyRequest = z.strictObject({ rekeyId: z.uuid(), reason: z.enum(HQ_REKEY_REASONS) });
export type RekeyRequest = z.infer<typeof RekeyRequest>;

const name60 = z.string().max(60);

/** A member as devices cache it (DESIGN §3): masked contacts and keyed lookup hashes, never contacts. */
export const PulledMember = z.strictObject({
  id: z.string().min(1).max(64),
  version: z.number().int().min(1),
  cardNumber: z.string().max(19),
  givenName: name60,
  familyName: name60,
  phoneHash: hex256.nullable(),
  emailHash: hex256.nullable(),
  phoneMasked: z.string().max(40).nullable(),
  emailMasked: z.string().max(260).nullable(),
  tier: z.enum(['standard', 'silver', 'gold']),
  points: z.number().int(),
  termsVersion: z.string().max(40).nullable(),
  marketingEmail: z.boolean(),
  marketingSms: z.boolean(),
  birthDate: z.string().max(10).nullable(),
  enrolledAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type PulledMember = z.infer<typeof PulledMember>;

export const PulledStaff = z.strictObject({
  id: z.string().min(1).max(64),
  version: z.number().int().min(1),
  displayName: name60,
  role: z.enum(['cashier', 'manager']),
  status: z.enum(['active', 'inactive']),
  pinHash: z.string().min(1).max(200),
  mustChangePin: z.boolean(),
});
export type PulledStaff = z.infer<typeof PulledStaff>;

export const PulledReward = z.strictObject({
  id: z.string().min(1).max(64),
  name: z.strictObject({ en: z.string().max(80), ru: z.string().max(80) }),
  costPoints: z.number().int().positive(),
  active: z.boolean(),
  sort: z.number().int(),
});
export type PulledReward = z.infer<typeof PulledReward>;

export const PulledStoreSettings = z.strictObject({
  storeName: z.string().min(1).max(80),
  language: z.enum(['en', 'ru']),
  storeRegion: z.string().regex(/^[A-Z]{2}$/),
  idleLockSeconds: z.number().int().min(30).max(3600),
  earnRules: EarnRules.nullable(),
  /**
   * The largest adjustment HQ applies from this store (store policy): the till refuses a larger one
   * before a manager approves it. HQ enforces it whatever a till does. Absent from older HQs.
   */
  maxAdjustPoints: z.number().int().min(1).max(MAX_ADJUST_POINTS).optional(),
  /**
   * A correction moving more points than this needs a manager other than the one who asked
   * (shared/approvals/second-approver.ts). HQ enforces it too. Absent from older HQs.
   */
  secondApproverAbovePoints: z.number().int().min(0).max(MAX_ADJUST_POINTS).optional(),
  /** The chain's privacy policy: years a till keeps its audit entries. Absent from older HQs. */
  auditRetentionYears: z.number().int().min(1).max(50).optional(),
  /** The store's insider-detection policy (shared/detection/policy.ts). Absent from older HQs: the default. */
  detection: DetectionPolicy.optional(),
});
export type PulledStoreSettings = z.infer<typeof PulledStoreSettings>;

/**
 * An alert HQ raised about a staff member of this store (across its tills, or against their own
 * baseline), so the store manager sees it at the till too. Ids and counts only. A till's own
 * alerts never come back this way: HQ got them from the till's audit chain.
 */
export const PulledAlert = z.strictObject({
  id: z.uuid(),
  rule: z.enum(DETECTION_RULES),
  staffId: z.string().min(1).max(64),
  mode: z.enum(['notify', 'enforce']),
  raisedAt: z.iso.datetime({ offset: true }),
  windowStart: z.iso.datetime({ offset: true }),
  windowEnd: z.iso.datetime({ offset: true }),
  count: z.number().int().min(0),
  threshold: z.number().int().min(0),
  memberIds: z.array(z.string().min(1).max(64)).max(MAX_FINDING_MEMBERS),
  /** Resolved at HQ (acknowledged, dismissed or escalated): the till shows it as dealt with. */
  resolved: z.boolean(),
});
export type PulledAlert = z.infer<typeof PulledAlert>;

export const PullChange = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('member'), member: PulledMember }),
  /** Erased at HQ (DESIGN §6): the device deletes the personal data it holds of this member. */
  z.strictObject({ kind: z.literal('member_erased'), id: z.string().min(1).max(64) }),
  z.strictObject({ kind: z.literal('staff'), staff: PulledStaff }),
  z.strictObject({ kind: z.literal('reward'), reward: PulledReward }),
  z.strictObject({ kind: z.literal('store_settings'), settings: PulledStoreSettings }),
  z.strictObject({ kind: z.literal('alert'), alert: PulledAlert }),
]);
export type PullChange = z.infer<typeof PullChange>;

export const PullResponse = z.strictObject({
  changes: z.array(PullChange).max(MAX_PULL_CHANGES * 2),
  /** Store with the page, in the same transaction. */
  cursor: PullCursor,
  /** More is waiting: pull again now. */
  more: z.boolean(),
  /**
   * Set on every page of a snapshot. `snapshotStart` on its first page: the device marks what it
   * holds; `snapshotEnd` on its last: members the snapshot did not carry (erased meanwhile) and
   * with no pending local ops are erased on the device too.
   */
  snapshot: z.boolean(),
  snapshotStart: z.boolean(),
  snapshotEnd: z.boolean(),
  /**
   * Snapshot pages (issue 15 item 5): where the device may stop inside the page. `after` counts the
   * changes applied (only members follow it); `cursor` is the page's cursor had it ended there. The
   * device commits the page in parts, each with its resume cursor, so a counter write waits for one
   * part, not the page, and a kill still leaves the members and the cursor together. Absent from
   * older HQs: the page is applied whole.
   */
  resumePoints: z
    .array(z.strictObject({ after: z.number().int().min(1), cursor: PullCursor }))
    .max(MAX_PULL_CHANGES)
    .optional(),
  /**
   * HQ's staff-proof key, on every page: a till paired before tills were given it at pairing
   * learns it at its next pull. Optional only so a page from an older HQ still parses.
   */
  staffProofKey: StaffProofPublicKey.optional(),
  /**
   * The till's PIN peppers (as PairResponse.pinPeppers), on every page: a till paired before
   * per-store peppers learns them before the first v2 hash it must check. Absent from older HQs.
   */
  pinPeppers: TillPinPeppers.optional(),
  /** An operator asks this till to rekey its database; on every page until the till says it did. */
  rekey: RekeyRequest.optional(),
});
export type PullResponse = z.infer<typeof PullResponse>;

// ---------------------------------------------------------------------------------------------
// Day end

export const DayEndManifest = z.strictObject({
  /** The ops this manifest covers: seq in (fromSeq, toSeq]. */
  fromSeq: z.number().int().min(0),
  toSeq: z.number().int().min(0),
  counts: z.partialRecord(z.enum(OP_TYPES), z.number().int().min(0)),
  /** SHA-256 (hex) of the covered op ids, lower case, in seq order, each followed by "\n". */
  opIdsSha256: hex256,
  /** The device's audit chain head (DESIGN §4): HQ notices a chain that went backwards. */
  auditHead: z.strictObject({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{1,128}$/) }),
  deviceTime: z.iso.datetime({ offset: true }),
});
export type DayEndManifest = z.infer<typeof DayEndManifest>;

export const DayEndRequest = z.strictObject({
  dayEndId: z.uuid(),
  manifest: DayEndManifest,
  head: DeviceHead.optional(),
});
export type DayEndRequest = z.input<typeof DayEndRequest>;

export const DAY_END_PROBLEMS = ['count_mismatch', 'op_ids_mismatch', 'audit_went_back', 'range_mismatch'] as const;

export const DayEndReport = z.strictObject({
  dayEndId: z.uuid(),
  status: z.enum(['reconciled', 'mismatch']),
  problems: z.array(z.enum(DAY_END_PROBLEMS)),
  fromSeq: z.number().int().min(0),
  toSeq: z.number().int().min(0),
  /** What HQ holds for the range, per op type: applied and rejected. */
  hq: z.partialRecord(
    z.enum(OP_TYPES),
    z.strictObject({ applied: z.number().int().min(0), rejected: z.number().int().min(0) }),
  ),
  /** Redemptions from this device HQ accepted though the balance did not cover them. */
  overdrafts: z.number().int().min(0),
  pointsEarned: z.number().int(),
  pointsSpent: z.number().int(),
  acknowledgedAt: z.iso.datetime({ offset: true }),
});
export type DayEndReport = z.infer<typeof DayEndReport>;

// ---------------------------------------------------------------------------------------------
// Member data on demand (issue 13): a manager at a till asks HQ for what only HQ holds about a
// member, with the member at the counter: the data-subject export (GDPR Art. 15/20) or the full
// contacts to reveal. Never pulled into the cache, never stored on the till.

const memberDataRequest = {
  /** The till's id for this request: HQ records it once, so a retry is answered again, not recorded twice. */
  requestId: z.uuid(),
  memberId: z.string().min(1).max(64),
  /** The manager asking; their PIN, typed again, is in the staff proof (binding purpose 'member_data'). */
  requestedBy: z.string().min(1).max(64),
  /** Optional so that a request without one is answered proof_missing, as a push op is. */
  staffProof: StaffProof.optional(),
};

export const MemberDataRequest = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('export'),
    ...memberDataRequest,
    purpose: z.enum(EXPORT_PURPOSES),
    /** The document's language; HQ's default is that of the notice the member last consented under. */
    language: z.enum(LANGUAGES).optional(),
  }),
  z.strictObject({ kind: z.literal('contacts'), ...memberDataRequest, reasonCode: z.enum(REVEAL_REASONS) }),
]);
export type MemberDataRequest = z.infer<typeof MemberDataRequest>;

/**
 * Why HQ did not answer a member-data request. Answered as an outcome (HTTP 200), like a push op's
 * rejection: the HTTP error codes above are about the device and the transport, these are about the
 * request. One proof_invalid for every way a proof fails, as at push.
 */
export const MEMBER_DATA_REFUSALS = [
  'member_not_found',
  'member_erased',
  'proof_missing',
  'proof_invalid',
  /** The request id was used for another request (another member, kind, purpose, reason or staff). */
  'request_id_reused',
  /** A retry of an export whose document HQ has since deleted (past its retention). */
  'export_expired',
] as const;
export type MemberDataRefusal = (typeof MEMBER_DATA_REFUSALS)[number];

export const MemberDataResponse = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('export'), document: MemberExport }),
  /** Contacts as HQ holds them (E.164 phone, normalized e-mail); HQ does not keep a copy of this answer. */
  z.strictObject({
    kind: z.literal('contacts'),
    phone: z.string().max(32).nullable(),
    email: z.string().max(254).nullable(),
  }),
  z.strictObject({ kind: z.literal('refused'), reason: z.enum(MEMBER_DATA_REFUSALS) }),
]);
export type MemberDataResponse = z.infer<typeof MemberDataResponse>;

// ---------------------------------------------------------------------------------------------
// Audit upload (issue 14): a till's audit chain, in order, for HQ to read across tills (detection,
// a lost till's reveals). HQ stores an entry only when it links to the last one it holds.

/**
 * Most audit entries one upload may carry; the till sends a longer chain as several batches. 400,
 * not 500: a batch of searches that each list 50 members (about 2.2 kB an entry with their ids) must
 * stay under MAX_BODY_BYTES, or a till that searched broadly 500 times in a row (a snoop, on purpose)
 * could never upload again (tests/hq/audit-upload.test.ts sends such a batch).
 */
export const MAX_AUDIT_UPLOAD_ENTRIES = 400;

/** Most detail keys an uploaded entry may have (the till writes at most 8 today). */
export const MAX_AUDIT_DETAIL_KEYS = 20;
/** A detail value's length, but for the keys below. */
export const MAX_AUDIT_DETAIL_CHARS = 200;
/**
 * Details that hold a list of ids joined by ',' (audit details are flat scalars): member.searched's
 * memberIds lists up to 50 members (50 × 36 characters and the commas: 1,849).
 */
export const LONG_AUDIT_DETAILS: Readonly<Record<string, number>> = { memberIds: 2_000 };

const auditHash = z.string().regex(/^[0-9a-f]{64}$/);

const AuditUploadDetails = z
  .record(z.string().max(64), z.union([z.string().max(2_000), z.number(), z.boolean(), z.null()]))
  .superRefine((details, context) => {
    const keys = Object.keys(details);
    if (keys.length > MAX_AUDIT_DETAIL_KEYS) {
      context.addIssue({ code: 'too_big', origin: 'object', maximum: MAX_AUDIT_DETAIL_KEYS, input: details });
    }
    for (const key of keys) {
      const value = details[key];
      const most = LONG_AUDIT_DETAILS[key] ?? MAX_AUDIT_DETAIL_CHARS;
      if (typeof value === 'string' && value.length > most) {
        context.addIssue({ code: 'too_big', origin: 'string', maximum: most, input: value, path: [key] });
      }
    }
  });

/** One entry as the till's audit log holds it (ids and codes only), with its chain links. */
export const AuditUploadEntry = z.strictObject({
  seq,
  at: z.iso.datetime({ offset: true }),
  staffId: z.string().min(1).max(64).nullable(),
  // A bounded string, deliberately not z.enum(AUDIT_ACTIONS): a till newer than this HQ writes
  // actions HQ does not know yet, and refusing them would stall its whole upload behind one entry
  // (the chain is taken in order). HQ stores them; the rules read only the actions they know.
  action: z.string().min(1).max(64),
  subjectType: z.string().min(1).max(32).nullable(),
  subjectId: z.string().min(1).max(128).nullable(),
  details: AuditUploadDetails,
  prevHash: auditHash,
  hash: auditHash,
});
export type AuditUploadEntry = z.infer<typeof AuditUploadEntry>;

export const AuditUploadRequest = z.strictObject({
  entries: z.array(AuditUploadEntry).min(1).max(MAX_AUDIT_UPLOAD_ENTRIES),
  head: DeviceHead.optional(),
});
export type AuditUploadRequest = z.input<typeof AuditUploadRequest>;

/**
 * Why HQ stored nothing of a batch: `gap` — the batch starts after HQ's next seq (HQ holds less
 * than the till thought: resend from `ackedSeq`); `fork` — the next entry's prevHash is not the
 * hash HQ holds; `rewritten` — an entry HQ already holds came back different. A fork or a rewrite
 * is flagged for operators (till_audit_refusals).
 */
export const AUDIT_UPLOAD_REFUSALS = ['gap', 'fork', 'rewritten'] as const;
export type AuditUploadRefusal = (typeof AUDIT_UPLOAD_REFUSALS)[number];

export const AuditUploadResponse = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('accepted'),
    /** The last seq HQ holds of this device's chain (the next upload starts after it) and its hash. */
    ackedSeq: z.number().int().min(0),
    ackedHash: auditHash.nullable(),
    stored: z.number().int().min(0),
    /** Entries HQ already held, byte for byte (a retried batch). */
    duplicates: z.number().int().min(0),
  }),
  z.strictObject({
    status: z.literal('refused'),
    reason: z.enum(AUDIT_UPLOAD_REFUSALS),
    /** The seq HQ refused at. */
    atSeq: seq,
    ackedSeq: z.number().int().min(0),
    ackedHash: auditHash.nullable(),
  }),
]);
export type AuditUploadResponse = z.infer<typeof AuditUploadResponse>;

// ---------------------------------------------------------------------------------------------
// Errors

/** Stable codes of HQ's error bodies. Messages are developer English with ids only, never PII. */
export const HQ_ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'device_revoked',
  'pairing_code_invalid',
  'too_many_requests',
  /** The pull cursor is older than HQ's change log keeps: pull again with cursor null (snapshot). */
  'cursor_expired',
  /** HQ settled ops the device has not heard about: push (it comes back as duplicates), then pull. */
  'push_first',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'internal_error',
  /**
   * The till came back behind what HQ holds of it (restored from an old copy of its files): refused
   * until an operator clears the flag or the till is paired anew. The body's `rollback` says why.
   */
  'device_rolled_back',
] as const;
export type HqErrorCode = (typeof HQ_ERROR_CODES)[number];

/** Why a till was refused as rolled back (packages/hq/src/devices/rollback.ts). */
export const ROLLBACK_REASONS = [
  /** The till's outbox ends before the last seq HQ settled from it. */
  'seq_behind',
  /** The till's audit chain ends before the last entry HQ holds of it. */
  'audit_behind',
  /** The till's audit head has HQ's last seq but another hash. */
  'audit_forked',
  /** The till sent a seq HQ holds under another op id. */
  'op_id_mismatch',
] as const;
export type RollbackReason = (typeof ROLLBACK_REASONS)[number];

/** HQ's figures beside the refusal: seqs and a hash, never personal data. */
export const RollbackInfo = z.strictObject({
  reason: z.enum(ROLLBACK_REASONS),
  detectedAt: z.iso.datetime({ offset: true }),
  hqLastSeq: z.number().int().min(0),
  hqAuditSeq: z.number().int().min(0),
});
export type RollbackInfo = z.infer<typeof RollbackInfo>;

export const HqError = z.strictObject({
  code: z.enum(HQ_ERROR_CODES),
  message: z.string().max(200),
  issues: z
    .array(z.strictObject({ path: z.string().max(200), code: z.string().max(40) }))
    .max(20)
    .optional(),
  /** With device_rolled_back only. */
  rollback: RollbackInfo.optional(),
});
export type HqError = z.infer<typeof HqError>;
