import { withCheckDigit } from '../../shared/members/card-number';
import type { Tier } from '../../shared/points/rules';
import type { SnapshotMember } from '../members/ingest-snapshot';
import { storedContact } from '../members/lookup-hash';
import { CURRENT_NOTICE_VERSION } from '../privacy/notices';

/**
 * Synthetic members for the benchmark and for large demo snapshots: deterministic by index, with
 * Latin and Cyrillic names, phone numbers in the UK mobile test range and example.com e-mails.
 */
export const GIVEN = [
  'Olivia',
  'Amelia',
  'Isla',
  'Ava',
  'Oliver',
  'George',
  'Harry',
  'Noah',
  'Jack',
  'Leo',
  'Zoë',
  'Ewa',
  'Анна',
  'Мария',
  'Алёна',
  'Дмитрий',
  'Сергей',
  'Иван',
  'Ольга',
  'Никита',
];
export const FAMILY_STEMS = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Wright',
  'Ångström',
  'Łukasz',
  'Иванов',
  'Смирнов',
  'Кузнецов',
  'Попов',
  'Васильев',
  'Петров',
  'Соколов',
  'Михайлов',
];
const SUFFIXES = [
  '',
  'son',
  'ford',
  'ley',
  'ton',
  'wood',
  'field',
  'man',
  'er',
  'ski',
  'ова',
  'ин',
  'ский',
  'енко',
  'ич',
];

/** Most members are standard, some silver, a few gold, as in a real programme. */
const tierAt = (i: number): Tier => (i % 20 === 0 ? 'gold' : i % 5 === 0 ? 'silver' : 'standard');

export function memberAt(i: number, lookupKey: string, at: string): SnapshotMember {
  const e164 = `+4474${String(i).padStart(8, '0')}`;
  const email = `member${i}@example.com`;
  const phone = storedContact(lookupKey, 'phone', e164);
  const mail = storedContact(lookupKey, 'email', email);
  const stem = FAMILY_STEMS[i % FAMILY_STEMS.length] ?? '';
  return {
    id: memberIdAt(i),
    cardNumber: cardAt(i),
    givenName: GIVEN[(i * 7) % GIVEN.length] ?? '',
    familyName: `${stem}${SUFFIXES[Math.floor(i / FAMILY_STEMS.length) % SUFFIXES.length] ?? ''}${i % 97 === 0 ? '-Hale' : ''}`,
    phoneHash: phone.hash,
    emailHash: mail.hash,
    phoneMasked: phone.masked,
    emailMasked: mail.masked,
    tier: tierAt(i),
    // 0 to 9,999 points, spread so neighbouring ids differ.
    pointsConfirmed: (i * 7919) % 10_000,
    termsVersion: CURRENT_NOTICE_VERSION,
    marketingEmail: i % 3 === 0,
    marketingSms: i % 7 === 0,
    enrolledAt: at,
    updatedAt: at,
  };
}
export const memberIdAt = (i: number) => `m-${String(i).padStart(9, '0')}`; // time-ordered like HQ's UUIDv7 ids
export const CARD_PREFIX = '6005';
export const CARD_WIDTH = 8;
export const cardAt = (i: number) => withCheckDigit(`${CARD_PREFIX}${String(i).padStart(CARD_WIDTH, '0')}`);
