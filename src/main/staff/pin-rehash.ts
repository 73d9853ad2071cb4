import type { Database } from 'better-sqlite3-multiple-ciphers';
import { isChainPepperHash } from '../../node-shared/pin-hash-key-id';
import { AppError } from '../../shared/errors';
import type { TillPinPeppers } from '../../shared/sync/protocol';
import type { StaffProof } from '../../shared/sync/staff-proof';
import type { StaffRow } from '../auth/authenticator';
import { uuidv7 } from '../ids/uuidv7';
import type { StaffProofSealer } from '../sync/staff-proof-seal';

/** The op a rehash puts in the outbox: a staff.pin_changed of kind rehash (shared/sync/ops.ts). */
export interface PinRehashOp {
  opId: string;
  payload: {
    staffId: string;
    kind: 'rehash';
    approvedBy: null;
    approvalId: null;
    at: string;
    staffProof: StaffProof;
  };
  actor: string;
}

/**
 * The transition from the chain pepper to per-store peppers (issue 15; docs/SECURITY.md "Staff PIN
 * peppers"). HQ cannot re-hash a v1 hash without the PIN, and only a sign-in brings the PIN: after
 * a successful PIN sign-in on a paired till that has its store's peppers, a staff member whose hash
 * is still v1 gets one staff.pin_changed op of kind rehash with the PIN just typed sealed for HQ
 * (bound to the op id and the staff member). HQ checks it against its v1 hash, re-hashes it under
 * the store's pepper and the next pull brings the v2 hash. One pending op per staff member; the op
 * id makes it exactly-once at HQ. Called inside the sign-in's transaction.
 */
export function createPinRehash(deps: {
  db: Database;
  proofs: StaffProofSealer;
  peppers: () => TillPinPeppers | null;
  now: () => Date;
  append: (op: PinRehashOp) => void;
}) {
  const pending = deps.db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND type = 'staff.pin_changed'
        AND json_extract(payload, '$.staffId') = ? AND json_extract(payload, '$.kind') = 'rehash'`,
  );
  return {
    afterSignIn(staff: StaffRow, pin: string): void {
      if (!deps.proofs.paired() || deps.peppers() === null || !isChainPepperHash(staff.pin_hash)) return;
      if ((pending.get(staff.id)?.n ?? 0) > 0) return;
      const opId = uuidv7(deps.now().getTime());
      let staffProof: StaffProof | null;
      try {
        staffProof = deps.proofs.seal({ purpose: 'pin_rehash', opId, staffId: staff.id }, { pin });
      } catch (error) {
        // HQ's proof key not heard yet: the sign-in stands, the next one tries again.
        if (error instanceof AppError && error.code === 'hq_unreachable') return;
        throw error;
      }
      if (staffProof === null) return;
      deps.append({
        opId,
        payload: {
          staffId: staff.id,
          kind: 'rehash',
          approvedBy: null,
          approvalId: null,
          at: deps.now().toISOString(),
          staffProof,
        },
        actor: staff.id,
      });
    },
  };
}

export type PinRehash = ReturnType<typeof createPinRehash>;
