import { contactLookupHash } from '../../../../src/node-shared/contact-lookup-hash';
import { normalizeEmail } from '../../../../src/shared/members/normalize';
import type { HqDatabase, Queryable } from '../db/database';
import type { DataKeys } from '../keys/data-keys';
import { openMemberContacts } from '../keys/sealed-columns';
import { chainSecret } from '../keys/chain-secrets';

const BATCH = 2000;

async function lookupKey(q: Queryable, keys: DataKeys): Promise<string> {
  const chain = await q.query<{ lookup_key: string }>('SELECT lookup_key FROM chain WHERE id = 1');
  const key = chain.rows[0]?.lookup_key;
  if (!key) throw new Error('the chain row is missing (run the migrations)');
  return chainSecret(keys, 'lookup_key', key);
}

/**
 * Hashes one batch of members whose contacts changed since they were last hashed (a trigger marks
 * them: migration 10's members_contacts_changed): the same keyed hashes the tills use
 * (contact-lookup-hash.ts), so HQ finds a member by contact through an index of hashes, never of
 * plaintext. A row whose contacts changed again meanwhile is left marked for the next batch.
 * Returns how many rows it read.
 */
async function refreshBatch(q: Queryable, key: string, keys: DataKeys): Promise<number> {
  const stale = await q.query<{ id: string; phone: string | null; email: string | null }>(
    `SELECT id, phone, email FROM members WHERE lookups_stale ORDER BY id LIMIT ${BATCH}`,
  );
  if (stale.rows.length === 0) return 0;
  const ids = stale.rows.map((row) => row.id);
  // The stored (sealed) values are what the update compares against; the opened ones are hashed.
  const phones = stale.rows.map((row) => row.phone);
  const emails = stale.rows.map((row) => row.email);
  const contacts = stale.rows.map((row) => openMemberContacts(keys, row.id, row));
  const phoneHashes = contacts.map((c) =>
    c.phone === null ? null : contactLookupHash(key, 'phone', c.phone).toString('hex'),
  );
  const emailHashes = contacts.map((c) =>
    c.email === null ? null : contactLookupHash(key, 'email', normalizeEmail(c.email)).toString('hex'),
  );
  await q.query(
    `UPDATE members m SET phone_lookup = u.phone_lookup, email_lookup = u.email_lookup, lookups_stale = false
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
            AS u(id, phone, email, phone_lookup, email_lookup)
      WHERE m.id = u.id AND m.phone IS NOT DISTINCT FROM u.phone AND m.email IS NOT DISTINCT FROM u.email`,
    [ids, phones, emails, phoneHashes, emailHashes],
  );
  return stale.rows.length;
}

/** Catches up inside the caller's transaction (a search: usually nothing or a few rows). */
export async function refreshContactLookups(q: Queryable, keys: DataKeys): Promise<number> {
  const key = await lookupKey(q, keys);
  let done = 0;
  for (;;) {
    const read = await refreshBatch(q, key, keys);
    done += read;
    if (read < BATCH) return done;
  }
}

/**
 * Catches up in batches of their own transactions (HQ's start, after members arrived in bulk), so
 * the first operator search does not wait for a million rows to be hashed. Returns the rows hashed.
 */
export async function backfillContactLookups(db: HqDatabase, keys: DataKeys): Promise<number> {
  const key = await lookupKey(db, keys);
  let done = 0;
  for (;;) {
    const read = await db.transaction((tx) => refreshBatch(tx, key, keys));
    done += read;
    if (read < BATCH) return done;
  }
}

/** The keyed hash of a normalized contact, for a lookup. */
export async function contactLookup(
  q: Queryable,
  keys: DataKeys,
  kind: 'phone' | 'email',
  normalized: string,
): Promise<string> {
  return contactLookupHash(await lookupKey(q, keys), kind, normalized).toString('hex');
}
