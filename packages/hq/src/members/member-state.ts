import { maskEmail, maskPhone } from '../../../../src/shared/members/mask';
import type { MemberAfterOp, PulledMember } from '../../../../src/shared/sync/protocol';
import { logChange } from '../change-log';
import { toInt, type Queryable } from '../db/database';
import { contactLookupHash } from '../../../../src/node-shared/contact-lookup-hash';
import type { DataKeys } from '../keys/data-keys';
import { openMemberContacts } from '../keys/sealed-columns';

/** Columns an op may set on a member, besides the balance. */
export interface MemberChanges {
  givenName?: string;
  familyName?: string;
  phone?: string | null;
  email?: string | null;
  birthDate?: string | null;
  termsVersion?: string | null;
  marketingEmail?: boolean;
  marketingSms?: boolean;
}

const COLUMNS: Record<keyof MemberChanges, string> = {
  givenName: 'given_name',
  familyName: 'family_name',
  phone: 'phone',
  email: 'email',
  birthDate: 'birth_date',
  termsVersion: 'terms_version',
  marketingEmail: 'marketing_email',
  marketingSms: 'marketing_sms',
};

/**
 * Locks a member that is not erased, for the rest of the transaction. Every change to a member
 * takes this lock first, so versions grow in the order the changes commit.
 */
export async function lockMember(tx: Queryable, memberId: string): Promise<boolean> {
  const found = await tx.query('SELECT 1 FROM members WHERE id = $1 AND erased_at IS NULL FOR UPDATE', [memberId]);
  return found.rows.length > 0;
}

/**
 * Applies changes and a points delta to a locked member, bumps its version and logs the change, all
 * in the caller's transaction. Returns the member as it is now: what the device confirms against.
 */
export async function changeMember(
  tx: Queryable,
  memberId: string,
  at: Date,
  changes: MemberChanges,
  pointsDelta = 0,
): Promise<MemberAfterOp> {
  const params: unknown[] = [memberId, at, pointsDelta];
  // last_activity_at: the inactivity retention rule counts from the last op a till sent (privacy/retention.ts).
  const sets = ['version = version + 1', 'updated_at = $2', 'last_activity_at = $2', 'points = points + $3'];
  for (const [key, column] of Object.entries(COLUMNS)) {
    const value = changes[key as keyof MemberChanges];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  const result = await tx.query<{ version: unknown; points: unknown }>(
    `UPDATE members SET ${sets.join(', ')} WHERE id = $1 RETURNING version, points`,
    params,
  );
  const row = result.rows[0];
  if (!row) throw new Error('changeMember: the member row is gone (lock it first)');
  await logChange(tx, 'member', memberId, null, at);
  return { id: memberId, version: toInt(row.version), points: toInt(row.points) };
}

interface MemberRow {
  id: string;
  version: unknown;
  card_number: string | null;
  given_name: string | null;
  family_name: string | null;
  phone: string | null;
  email: string | null;
  birth_date: string | null;
  tier: PulledMember['tier'];
  points: unknown;
  terms_version: string | null;
  marketing_email: boolean;
  marketing_sms: boolean;
  enrolled_at: Date;
  updated_at: Date;
  erased_at: Date | null;
}

const SELECT_MEMBERS = `SELECT id, version, card_number, given_name, family_name, phone, email, birth_date, tier,
  points, terms_version, marketing_email, marketing_sms, enrolled_at, updated_at, erased_at FROM members`;

/** A member as devices cache it: contacts leave HQ only as masks and keyed hashes. */
function toPulled(row: MemberRow, lookupKey: string, keys: DataKeys): PulledMember {
  // Opened here only to hash and mask them (keys/sealed-columns.ts); the values never leave.
  const { phone, email } = openMemberContacts(keys, row.id, row);
  return {
    id: row.id,
    version: toInt(row.version),
    cardNumber: row.card_number ?? '',
    givenName: row.given_name ?? '',
    familyName: row.family_name ?? '',
    phoneHash: phone === null ? null : contactLookupHash(lookupKey, 'phone', phone).toString('hex'),
    emailHash: email === null ? null : contactLookupHash(lookupKey, 'email', email).toString('hex'),
    phoneMasked: phone === null ? null : maskPhone(phone),
    emailMasked: email === null ? null : maskEmail(email),
    tier: row.tier,
    points: toInt(row.points),
    termsVersion: row.terms_version,
    marketingEmail: row.marketing_email,
    marketingSms: row.marketing_sms,
    birthDate: row.birth_date,
    enrolledAt: row.enrolled_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export type MemberState = { kind: 'member'; member: PulledMember } | { kind: 'member_erased'; id: string };

/** The current state of these members, erased ones as tombstones; unknown ids are left out. */
export async function readMembers(
  q: Queryable,
  ids: readonly string[],
  lookupKey: string,
  keys: DataKeys,
): Promise<MemberState[]> {
  if (ids.length === 0) return [];
  const result = await q.query<MemberRow>(`${SELECT_MEMBERS} WHERE id = ANY($1::text[]) ORDER BY id`, [ids]);
  return result.rows.map((row) =>
    row.erased_at !== null
      ? { kind: 'member_erased', id: row.id }
      : { kind: 'member', member: toPulled(row, lookupKey, keys) },
  );
}

/** One snapshot page: the members that are not erased among the next `limit` rows in id order. */
export interface MemberPage {
  members: PulledMember[];
  /** The last id read, erased or not: the next page starts after it (null: nothing left). */
  lastId: string | null;
  /** Fewer than `limit` rows were left: the snapshot's last page. */
  last: boolean;
}

/**
 * One snapshot page: the next `limit` rows after `afterId` by primary key, erased ones skipped
 * here rather than in SQL. With `erased_at IS NULL` in the query, PostgreSQL could take the
 * partial index members_last_activity (WHERE erased_at IS NULL) when its statistics were stale
 * (a bulk import not yet analysed): every live member read and sorted for every page, 58 ms a
 * page at 100,000 members and growing with the table. A primary-key range stops after `limit`.
 */
export async function readMemberPage(
  q: Queryable,
  afterId: string,
  limit: number,
  lookupKey: string,
  keys: DataKeys,
): Promise<MemberPage> {
  const result = await q.query<MemberRow>(`${SELECT_MEMBERS} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
  const members: PulledMember[] = [];
  for (const row of result.rows) if (row.erased_at === null) members.push(toPulled(row, lookupKey, keys));
  return { members, lastId: result.rows.at(-1)?.id ?? null, last: result.rows.length < limit };
}
