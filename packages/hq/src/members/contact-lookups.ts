import { contactLookupHash } from '../../../../src/node-shared/contact-lookup-hash';
import { normalizeEmail } from '../../../../src/shared/members/normalize';
import { toInt, type Queryable } from '../db/database';

const BATCH = 1000;

async function lookupKey(q: Queryable): Promise<string> {
  const chain = await q.query<{ lookup_key: string }>('SELECT lookup_key FROM chain WHERE id = 1');
  const key = chain.rows[0]?.lookup_key;
  if (!key) throw new Error('the chain row is missing (run the migrations)');
  return key;
}

/**
 * Brings members' phone_lookup and email_lookup up to date with their current version: the same
 * keyed hashes the tills use (contact-lookup-hash.ts), so HQ finds a member by contact through an
 * index of hashes, never of plaintext. Catches up on every member changed since it last ran (a
 * member's version grows with each change, erasure included); returns how many it hashed.
 */
export async function refreshContactLookups(q: Queryable): Promise<number> {
  const key = await lookupKey(q);
  let done = 0;
  for (;;) {
    const stale = await q.query<{ id: string; phone: string | null; email: string | null; version: unknown }>(
      `SELECT id, phone, email, version FROM members
        WHERE lookups_version IS NULL OR lookups_version <> version ORDER BY id LIMIT ${BATCH}`,
    );
    for (const row of stale.rows) {
      await q.query('UPDATE members SET phone_lookup = $2, email_lookup = $3, lookups_version = $4 WHERE id = $1', [
        row.id,
        row.phone === null ? null : contactLookupHash(key, 'phone', row.phone).toString('hex'),
        row.email === null ? null : contactLookupHash(key, 'email', normalizeEmail(row.email)).toString('hex'),
        toInt(row.version),
      ]);
    }
    done += stale.rows.length;
    if (stale.rows.length < BATCH) return done;
  }
}

/** The keyed hash of a normalized contact, for a lookup. */
export async function contactLookup(q: Queryable, kind: 'phone' | 'email', normalized: string): Promise<string> {
  return contactLookupHash(await lookupKey(q), kind, normalized).toString('hex');
}
