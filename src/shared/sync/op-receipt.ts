import type { Json } from './personal-data';
import type { OpPayload, OpType } from './ops';

// A ledger op is money, not a person: all of it stays (the reference is the shop's receipt number).
const LEDGER_RECEIPT_KEYS: readonly (keyof OpPayload<'points.earned'> & string)[] = [
  'memberId',
  'kind',
  'points',
  'at',
  'reference',
  'amountMinor',
  'currency',
  'rewardId',
  'reasonCode',
  'approvedBy',
  'approvalId',
  'reversesOpId',
  'rulesVersion',
];

/**
 * What an outbox row keeps once HQ has answered for it (DESIGN §6: "an acknowledged outbox row
 * keeps ids, types, amounts and hashes, never personal data"). An allowlist, not a list of what to
 * remove: a field added to an op later (a contact, a PIN proof) is dropped from receipts until
 * someone decides here that it is not personal. Nothing in it is needed to answer a member or to
 * reconcile a day end; HQ holds the full op.
 */
export const RECEIPT_KEYS: { readonly [T in OpType]: readonly (keyof OpPayload<T> & string)[] } = {
  // Names, contacts, birth date and card number went to HQ; the member row keeps what the counter shows.
  'member.enrolled': ['memberId', 'enrolledAt'],
  'member.updated': ['memberId', 'updatedAt'],
  'consent.changed': ['memberId', 'purpose', 'granted', 'noticeVersion', 'noticeLanguage', 'channel', 'at'],
  'points.earned': LEDGER_RECEIPT_KEYS,
  'points.redeemed': LEDGER_RECEIPT_KEYS,
  'points.adjusted': LEDGER_RECEIPT_KEYS,
  'points.reversed': LEDGER_RECEIPT_KEYS,
  // The sealed staff proof (PINs for HQ) is never kept once HQ has answered.
  'staff.pin_changed': ['staffId', 'kind', 'approvedBy', 'approvalId', 'at'],
  'member.erasure_requested': ['memberId', 'reasonCode', 'requestedBy', 'at'],
};

function isOpType(type: string): type is OpType {
  return Object.hasOwn(RECEIPT_KEYS, type);
}

/**
 * The receipt form of an op's payload: only its type's allowlisted keys, and only with scalar
 * values (an allowed key that later holds an object would otherwise carry whatever is inside).
 * An unknown type keeps nothing. Idempotent: a receipt's receipt is itself.
 */
export function opReceipt(type: string, payload: unknown): { [key: string]: Json } {
  const receipt: { [key: string]: Json } = {};
  if (!isOpType(type) || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return receipt;
  const source = payload as { [key: string]: unknown };
  for (const key of RECEIPT_KEYS[type] as readonly string[]) {
    if (!Object.hasOwn(source, key)) continue;
    const value = source[key];
    if (value === null || typeof value === 'boolean' || typeof value === 'string') receipt[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) receipt[key] = value;
  }
  return receipt;
}
