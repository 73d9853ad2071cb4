import { randomUUID } from 'node:crypto';
import catalog from '../../../../resources/demo/hq-catalog.json';
import demoMembers from '../../../../resources/demo/members.json';
import demoStaff from '../../../../resources/demo/staff.json';
import { withCheckDigit } from '../../../../src/shared/members/card-number';
import { normalizeEmail } from '../../../../src/shared/members/normalize';
import { normalizePhone } from '../../../../src/shared/members/phone';
import { loadCatalog } from '../admin/catalog';
import { createStore } from '../admin/stores';
import { logChange } from '../change-log';
import type { HqDatabase } from '../db/database';
import { hashStaffPin } from '../staff/pin-hash';
import type { DataKeys } from '../keys/data-keys';
import { sealMemberContacts } from '../keys/sealed-columns';
import { chainSecret } from '../keys/chain-secrets';

export const DEMO_STORE_NAME = 'Demo High Street';
/** The privacy notice demo members accepted (resources/privacy-notice/). */
const DEMO_NOTICE = '2026-11';

const GIVEN = ['Amelia', 'Oliver', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Leo', 'Freya', 'Arthur', 'Анна', 'Иван'];
const FAMILY = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Иванова', 'Петров'];
const TIERS = ['standard', 'standard', 'standard', 'silver', 'gold'] as const;

/**
 * Synthetic members straight into HQ's table (demo and benchmarks), `batch` rows per statement
 * through unnest: cards from `6006` + 8 digits + Luhn, contacts from reserved ranges.
 */
export async function insertSyntheticMembers(
  db: HqDatabase,
  options: { storeId: string; from: number; count: number; now: Date; batch?: number; keys: DataKeys },
): Promise<void> {
  const batch = options.batch ?? 5_000;
  for (let start = options.from; start < options.from + options.count; start += batch) {
    const end = Math.min(options.from + options.count, start + batch);
    const ids: string[] = [];
    const cards: string[] = [];
    const given: string[] = [];
    const family: string[] = [];
    const phones: (string | null)[] = [];
    const emails: (string | null)[] = [];
    const tiers: string[] = [];
    const points: number[] = [];
    const marketing: boolean[] = [];
    for (let i = start; i < end; i++) {
      const id = `hq-${String(i).padStart(9, '0')}`;
      ids.push(id);
      cards.push(withCheckDigit(`6006${String(i).padStart(8, '0')}`));
      given.push(GIVEN[(i * 7) % GIVEN.length] ?? '');
      family.push(FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length] ?? '');
      // Stored sealed, like every member's (keys/sealed-columns.ts).
      const contacts = sealMemberContacts(options.keys, id, {
        phone: i % 3 === 2 ? null : `+4473${String(i).padStart(8, '0')}`,
        email: i % 3 === 1 ? null : `member${i}@example.org`,
      });
      phones.push(contacts.phone);
      emails.push(contacts.email);
      tiers.push(TIERS[i % TIERS.length] ?? 'standard');
      points.push((i * 37) % 3000);
      marketing.push(i % 4 === 0);
    }
    const cols = [ids, cards, given, family, phones, emails, tiers, points, marketing];
    await db.query(
      `INSERT INTO members (id, card_number, given_name, family_name, phone, email, home_store_id, enrolled_at,
         updated_at, tier, points, terms_version, marketing_email, marketing_sms, version)
       SELECT id, card, given, family, phone, email, $10, $11, $11, tier, points, $12, mkt AND email IS NOT NULL, false, 1
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::boolean[])
           AS t(id, card, given, family, phone, email, tier, points, mkt)
       ON CONFLICT (id) DO NOTHING`,
      [...cols, options.storeId, options.now, DEMO_NOTICE],
    );
  }
}

/**
 * The HQ side of `npm start` (issue 5): a demo store with the demo catalogue (rewards, earn rules),
 * the demo staff with their public PINs (chain-wide), the named demo members and `synthetic` more.
 * Idempotent: a second start finds the store and changes nothing.
 */
export async function seedDemoHq(
  deps: { db: HqDatabase; now: () => Date; keys: DataKeys },
  options: { syntheticMembers: number },
): Promise<{ storeId: string; created: boolean }> {
  const { db } = deps;
  const existing = await db.query<{ id: string }>('SELECT id FROM stores WHERE name = $1', [DEMO_STORE_NAME]);
  if (existing.rows[0]) return { storeId: existing.rows[0].id, created: false };
  const now = deps.now();
  const { storeId } = await createStore(deps, DEMO_STORE_NAME);
  await loadCatalog(deps, catalog);
  const stored = (await db.query<{ pin_pepper: string }>('SELECT pin_pepper FROM chain WHERE id = 1')).rows[0]
    ?.pin_pepper;
  if (!stored) throw new Error('the chain row is missing (run the migrations)');
  const pepper = chainSecret(deps.keys, 'pin_pepper', stored);
  const staff = await Promise.all(
    demoStaff.staff.map(async (s) => ({ ...s, pinHash: await hashStaffPin(pepper, s.pin) })),
  );
  await db.transaction(async (tx) => {
    for (const s of staff) {
      await tx.query(
        `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, version, updated_at)
         VALUES ($1, NULL, $2, $3, 'active', $4, $5, 1, $6)`,
        [s.id, s.displayName, s.role, s.pinHash, s.mustChangePin, now],
      );
      await logChange(tx, 'staff', s.id, null, now);
    }
    for (const [index, m] of demoMembers.members.entries()) {
      const id = randomUUID();
      const contacts = sealMemberContacts(deps.keys, id, {
        phone: 'phone' in m && m.phone ? normalizePhone(m.phone, 'GB') : null,
        email: 'email' in m && m.email ? normalizeEmail(m.email) : null,
      });
      await tx.query(
        `INSERT INTO members (id, card_number, given_name, family_name, phone, email, home_store_id, enrolled_at,
           updated_at, tier, points, terms_version, marketing_email, marketing_sms, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, 1)`,
        [
          id,
          m.cardNumber,
          m.givenName,
          m.familyName,
          contacts.phone,
          contacts.email,
          storeId,
          new Date(now.getTime() - (demoMembers.members.length - index) * 86_400_000),
          m.tier,
          m.pointsConfirmed,
          DEMO_NOTICE,
          m.marketingEmail && 'email' in m && Boolean(m.email),
          m.marketingSms && 'phone' in m && Boolean(m.phone),
        ],
      );
      await logChange(tx, 'member', id, null, now);
    }
  });
  await insertSyntheticMembers(db, { storeId, from: 0, count: options.syntheticMembers, now, keys: deps.keys });
  return { storeId, created: true };
}
