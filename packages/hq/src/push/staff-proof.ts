import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
} from 'node:crypto';
import type { RejectReason } from '../../../../src/shared/sync/protocol';
import {
  STAFF_PROOF_HKDF_INFO,
  StaffProof,
  StaffProofSecret,
  staffProofAad,
  type StaffProofBinding,
} from '../../../../src/shared/sync/staff-proof';
import { toInt, type Queryable } from '../db/database';
import { RATE_LIMIT_TABLE } from '../rate-limit';
import { pinPepperRingOf, verifyRosterPin, type PinPepperRing } from '../staff/pin-peppers';
import type { DataKeys } from '../keys/data-keys';
import { chainSecret } from '../keys/chain-secrets';

/**
 * HQ's half of staff proofs (shared/sync/staff-proof.ts): the key pair, opening a sealed box, and
 * deciding whether the PIN inside proves what the op claims. Every way a proof can fail — absent
 * from the op is proof_missing; does not open, does not parse, wrong PIN, unknown or unfit staff
 * member — is the one reason proof_invalid, so a rejection never tells a till which part to fix.
 */

export interface StaffProofKeyPair {
  /** X25519 public key, 32 raw bytes base64url: what tills seal to. */
  publicKey: string;
  /** The private scalar, base64url. Never leaves HQ. */
  privateKey: string;
}

export function newStaffProofKeyPair(): StaffProofKeyPair {
  const pair = generateKeyPairSync('x25519');
  const jwk = pair.privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('X25519 key export failed');
  return { publicKey: jwk.x, privateKey: jwk.d };
}

/**
 * The secret a proof seals, or null if it does not open for exactly this binding with this key
 * (another op, device, subject or key; a tampered byte; a malformed box). Never throws on input.
 */
export function openStaffProof(
  keys: StaffProofKeyPair,
  proof: unknown,
  binding: StaffProofBinding,
): StaffProofSecret | null {
  const box = StaffProof.safeParse(proof);
  if (!box.success) return null;
  try {
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'X25519', d: keys.privateKey, x: keys.publicKey },
      format: 'jwk',
    });
    const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: box.data.epk }, format: 'jwk' });
    const shared = diffieHellman({ privateKey, publicKey: ephemeral });
    // A small-order ephemeral key gives an all-zero secret that anyone can compute: refuse it.
    if (shared.every((byte) => byte === 0)) return null;
    const salt = Buffer.concat([Buffer.from(box.data.epk, 'base64url'), Buffer.from(keys.publicKey, 'base64url')]);
    const key = Buffer.from(hkdfSync('sha256', shared, salt, STAFF_PROOF_HKDF_INFO, 32));
    const sealed = Buffer.from(box.data.ct, 'base64url');
    if (sealed.length <= 16) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.data.iv, 'base64url'));
    decipher.setAAD(Buffer.from(staffProofAad(binding), 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    const secret = StaffProofSecret.safeParse(JSON.parse(plain.toString('utf8')));
    return secret.success ? secret.data : null;
  } catch {
    // A box that does not authenticate (or a key that does not import) proves nothing; which of
    // the two it was is nobody's business outside HQ.
    return null;
  }
}

/** The rate limiter's bucket for a device's failed member-data proofs (they leave no op behind). */
export const MEMBER_DATA_PROOF_FAILURES = 'member_data_proof_failed';
const HOUR_MS = 60 * 60 * 1000;

/** Staff proofs HQ could not confirm that a device may send per hour before HQ stops opening its proofs. */
export const PROOF_FAILURES_PER_HOUR = 10;

/** Thrown when a device's budget of failed proofs is spent: the push stops there (see push.ts). */
export class ProofBudgetSpent extends Error {
  constructor() {
    super('too many staff proofs HQ could not confirm from this device');
    this.name = 'ProofBudgetSpent';
  }
}

/**
 * Each proof costs HQ an argon2id check (about 50 ms, 64 MiB) under the device's lock, and each wrong
 * one is an online guess at a PIN. After PROOF_FAILURES_PER_HOUR of them in an hour HQ opens no more
 * proofs from that device: the push stops before the op (what came before it stands) and is
 * answered 429, so the op is neither applied nor refused and a till that merely got unlucky goes on
 * when the hour has passed.
 */
export async function assertProofBudget(tx: Queryable, deviceId: string, receivedAt: Date): Promise<void> {
  // One budget per device: its pushed ops refused proof_invalid and its failed member-data proofs
  // (counted in the rate limiter's table, as they leave no op behind).
  const since = receivedAt.getTime() - HOUR_MS;
  const failed = await tx.query<{ n: unknown }>(
    `SELECT (SELECT count(*) FROM ops WHERE device_id = $1 AND reason = 'proof_invalid' AND received_at > $2)
          + (SELECT count(*) FROM ${RATE_LIMIT_TABLE} WHERE bucket = $3 AND client_key = $1 AND at_ms > $4) AS n`,
    [deviceId, new Date(since), MEMBER_DATA_PROOF_FAILURES, since],
  );
  if (toInt(failed.rows[0]?.n) >= PROOF_FAILURES_PER_HOUR) throw new ProofBudgetSpent();
}

export interface ChainProofSecrets {
  pepper: string;
  keys: StaffProofKeyPair;
  /** The PIN peppers, v1 and v2 (staff/pin-peppers.ts): a roster hash is checked under the one it names. */
  peppers: PinPepperRing;
}

/** Where a proof arrived (the device and its store, when) and HQ's data keys (the pepper root is sealed). */
export interface ProofContext {
  deviceId: string;
  storeId: string;
  receivedAt: Date;
  keys?: DataKeys | undefined;
}

export async function readChainProofSecrets(tx: Queryable, keys?: DataKeys): Promise<ChainProofSecrets> {
  const chain = await tx.query<{
    pin_pepper: string;
    staff_proof_private_key: string | null;
    staff_proof_public_key: string | null;
    pin_pepper_root: string | null;
  }>('SELECT pin_pepper, staff_proof_private_key, staff_proof_public_key, pin_pepper_root FROM chain WHERE id = 1');
  const row = chain.rows[0];
  if (!row?.staff_proof_private_key || !row.staff_proof_public_key) {
    throw new Error('the chain row has no staff-proof key (run the migrations)');
  }
  const peppers = pinPepperRingOf(row, keys);
  return {
    pepper: peppers.chainPepper,
    keys: {
      privateKey: chainSecret(keys, 'staff_proof_private_key', row.staff_proof_private_key),
      publicKey: row.staff_proof_public_key,
    },
    peppers,
  };
}

export interface RosterStaff {
  id: string;
  storeId: string | null;
  role: 'cashier' | 'manager';
  status: 'active' | 'inactive';
  pinHash: string;
  mustChangePin: boolean;
}

/** A staff member a till of `storeId` may name: chain-wide, or of that store. */
export async function rosterStaff(
  tx: Queryable,
  staffId: string,
  storeId: string,
  lock = false,
): Promise<RosterStaff | null> {
  const found = await tx.query<{
    id: string;
    store_id: string | null;
    role: 'cashier' | 'manager';
    status: 'active' | 'inactive';
    pin_hash: string;
    must_change_pin: boolean;
  }>(
    `SELECT id, store_id, role, status, pin_hash, must_change_pin FROM staff
      WHERE id = $1 AND (store_id IS NULL OR store_id = $2)${lock ? ' FOR UPDATE' : ''}`,
    [staffId, storeId],
  );
  const row = found.rows[0];
  if (!row) return null;
  return {
    id: row.id,
    storeId: row.store_id,
    role: row.role,
    status: row.status,
    pinHash: row.pin_hash,
    mustChangePin: row.must_change_pin,
  };
}

/**
 * May `approver` approve at a till of `storeId`: an active manager of that store or chain-wide,
 * whose PIN is their own (a temporary PIN was chosen by someone else, so it proves nothing).
 */
export function mayApprove(approver: RosterStaff | null): approver is RosterStaff {
  return approver !== null && approver.role === 'manager' && approver.status === 'active' && !approver.mustChangePin;
}

/**
 * How every proof is opened: counted against the device's budget first (assertProofBudget throws
 * ProofBudgetSpent past it), then opened for exactly `binding` with the chain's key. The secret is
 * null when it does not open; the chain's secrets come back to check the PIN inside.
 */
export async function openProofWithinBudget(
  tx: Queryable,
  ctx: ProofContext,
  proof: StaffProof,
  binding: StaffProofBinding,
): Promise<{ chain: ChainProofSecrets; secret: StaffProofSecret | null }> {
  await assertProofBudget(tx, ctx.deviceId, ctx.receivedAt);
  const chain = await readChainProofSecrets(tx, ctx.keys);
  return { chain, secret: openStaffProof(chain.keys, proof, binding) };
}

/**
 * The rule for a proof that carries a PIN and no new PIN (a correction's approval, an erasure, a
 * member-data request, a rehash): it opens for `binding` within the budget, and its PIN verifies
 * against HQ's roster hash of the one who may sign it, `signer()` (null: not on the roster, or not
 * fit to sign this), looked up only once the proof opened. Returns the proven PIN and the chain's
 * secrets (a rehash hashes that PIN under them), or null when not proven.
 */
export async function checkPinProof(
  tx: Queryable,
  ctx: ProofContext,
  proof: StaffProof,
  binding: StaffProofBinding,
  signer: () => Promise<RosterStaff | null>,
): Promise<{ chain: ChainProofSecrets; pin: string } | null> {
  const { chain, secret } = await openProofWithinBudget(tx, ctx, proof, binding);
  if (secret === null || secret.newPin !== undefined) return null;
  const staff = await signer();
  if (staff === null || !(await verifyRosterPin(chain.peppers, staff, secret.pin))) return null;
  return { chain, pin: secret.pin };
}

/** The signer an approval or a manager's request needs: `staffId` on the roster, fit to approve (mayApprove). */
const approvingManager =
  (tx: Queryable, ctx: ProofContext, staffId: string) => async (): Promise<RosterStaff | null> => {
    const manager = await rosterStaff(tx, staffId, ctx.storeId);
    return mayApprove(manager) ? manager : null;
  };

/** Records that a device spent an approval; false if it already had (a replayed proof). */
export async function spendApproval(
  tx: Queryable,
  deviceId: string,
  approvalId: string,
  opId: string,
): Promise<boolean> {
  const spent = await tx.query('SELECT 1 FROM spent_approvals WHERE device_id = $1 AND approval_id = $2', [
    deviceId,
    approvalId,
  ]);
  if (spent.rows.length > 0) return false;
  await tx.query('INSERT INTO spent_approvals (device_id, approval_id, op_id) VALUES ($1, $2, $3)', [
    deviceId,
    approvalId,
    opId,
  ]);
  return true;
}

interface CorrectionOp {
  opId: string;
  type: 'points.adjusted' | 'points.reversed';
  payload: {
    memberId: string;
    points: number;
    approvedBy: string | null;
    approvalId: string | null;
    reversesOpId: string | null;
    staffProof?: StaffProof | undefined;
  };
}

/**
 * An adjustment or reversal is believed only with its approving manager's PIN, sealed for this
 * device, this approval and this subject, checked against HQ's roster; the approval is spent.
 * Returns the reason to refuse the op, or null.
 */
export async function checkCorrectionProof(
  tx: Queryable,
  ctx: ProofContext,
  op: CorrectionOp,
): Promise<RejectReason | null> {
  const p = op.payload;
  if (p.staffProof === undefined || p.approvedBy === null || p.approvalId === null) return 'proof_missing';
  const binding: StaffProofBinding =
    op.type === 'points.adjusted'
      ? {
          purpose: 'points_adjust',
          deviceId: ctx.deviceId,
          approvalId: p.approvalId,
          approvedBy: p.approvedBy,
          memberId: p.memberId,
          points: p.points,
        }
      : {
          purpose: 'points_reverse',
          deviceId: ctx.deviceId,
          approvalId: p.approvalId,
          approvedBy: p.approvedBy,
          reversesOpId: p.reversesOpId ?? '',
        };
  if (!(await checkPinProof(tx, ctx, p.staffProof, binding, approvingManager(tx, ctx, p.approvedBy)))) {
    return 'proof_invalid';
  }
  if (!(await spendApproval(tx, ctx.deviceId, p.approvalId, op.opId))) return 'proof_invalid';
  return null;
}

/**
 * An erasure requested at a till is believed only with the requesting manager's PIN, sealed for this
 * device, this op and this member, checked against HQ's roster. Returns the reason to refuse, or null.
 */
export async function checkErasureProof(
  tx: Queryable,
  ctx: ProofContext,
  op: { opId: string; payload: { memberId: string; requestedBy: string; staffProof?: StaffProof | undefined } },
): Promise<RejectReason | null> {
  const p = op.payload;
  if (p.staffProof === undefined) return 'proof_missing';
  const binding: StaffProofBinding = {
    purpose: 'member_erasure',
    deviceId: ctx.deviceId,
    opId: op.opId,
    requestedBy: p.requestedBy,
    memberId: p.memberId,
  };
  const proven = await checkPinProof(tx, ctx, p.staffProof, binding, approvingManager(tx, ctx, p.requestedBy));
  return proven ? null : 'proof_invalid';
}

/**
 * Where a failed member-data proof is counted: the rate limiter's sliding log (rate-limit.ts), one
 * row per failure keyed by the device, living exactly the budget's hour. Not an op and not a record
 * of the request (a refused request records nothing): only the count the budget needs.
 */

/**
 * A till's request for member data only HQ holds (an export, or full contacts) is believed only with
 * the requesting manager's own PIN, sealed for this device, request id, member and kind, checked
 * against HQ's roster: an active manager of the device's store or chain-wide (mayApprove). Returns the
 * reason to refuse, or null. A proof that fails is counted against the device's budget inside `tx`,
 * so the caller commits `tx` with the refusal (and writes nothing else in it).
 */
export async function checkMemberDataProof(
  tx: Queryable,
  ctx: ProofContext,
  request: {
    kind: 'export' | 'contacts';
    requestId: string;
    memberId: string;
    requestedBy: string;
    staffProof?: StaffProof | undefined;
  },
): Promise<'proof_missing' | 'proof_invalid' | null> {
  if (request.staffProof === undefined) return 'proof_missing';
  const binding: StaffProofBinding = {
    purpose: 'member_data',
    deviceId: ctx.deviceId,
    requestId: request.requestId,
    requestedBy: request.requestedBy,
    memberId: request.memberId,
    kind: request.kind,
  };
  const proven = await checkPinProof(
    tx,
    ctx,
    request.staffProof,
    binding,
    approvingManager(tx, ctx, request.requestedBy),
  );
  if (proven) return null;
  const at = ctx.receivedAt.getTime();
  await tx.query(`INSERT INTO ${RATE_LIMIT_TABLE} (bucket, client_key, at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)`, [
    MEMBER_DATA_PROOF_FAILURES,
    ctx.deviceId,
    at,
    at + HOUR_MS,
  ]);
  return 'proof_invalid';
}

/** What HQ keeps of an op's payload: never the sealed proof (HQ could open it: PINs at rest). */
export function withoutStaffProof<T extends Record<string, unknown>>(payload: T): Omit<T, 'staffProof'> {
  if (!('staffProof' in payload)) return payload;
  const { staffProof: _dropped, ...rest } = payload;
  return rest;
}
