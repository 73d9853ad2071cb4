import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';
import { migrate } from '../../src/main/db/migrations';
import { createProfileWriter } from '../../src/main/members/write-profile-changes';

const KEY = 'ab'.repeat(32);
const ID = '0190f0a0-0000-7000-8000-000000000001';

describe('createProfileWriter (the one member profile UPDATE: counter edit and sync rebase)', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    migrate(db);
    db.prepare(
      `INSERT INTO members (id, card_number, given_name, family_name, phone_e164, phone_hash, phone_masked,
                            email, email_hash, email_masked, birth_date, enrolled_at, updated_at)
       VALUES (?, '6004990000016', 'Olivia', 'Smith', NULL, NULL, NULL, 'old@example.com', ?, 'o•••@e•••.com',
               '1990-01-01', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    ).run(ID, contactLookupHash(KEY, 'email', 'old@example.com'));
    db.prepare("INSERT INTO member_name_tokens (token, member_id) VALUES ('olivia', ?), ('smith', ?)").run(ID, ID);
  });
  afterEach(() => db.close());

  const row = () => db.prepare('SELECT * FROM members WHERE id = ?').get(ID) as Record<string, string | Buffer | null>;
  const tokens = () =>
    (
      db.prepare('SELECT token FROM member_name_tokens WHERE member_id = ? ORDER BY token').all(ID) as {
        token: string;
      }[]
    ).map((t) => t.token);
  const write = (...args: Parameters<ReturnType<typeof createProfileWriter>>) =>
    db.transaction(() => createProfileWriter(db, KEY)(...args)).immediate();

  it('stores a new phone with its lookup hash and mask, and leaves every absent field as it was', () => {
    write(ID, { phone: '+447700900123' }, '2026-02-02T00:00:00.000Z');
    const after = row();
    expect(after.phone_e164).toBe('+447700900123');
    expect(after.phone_masked).toBe('+44•••123');
    expect(after.phone_hash).toEqual(contactLookupHash(KEY, 'phone', '+447700900123'));
    expect(after.email).toBe('old@example.com');
    expect(after.email_masked).toBe('o•••@e•••.com');
    expect(after.given_name).toBe('Olivia');
    expect(after.birth_date).toBe('1990-01-01');
    expect(after.updated_at).toBe('2026-02-02T00:00:00.000Z');
    expect(tokens()).toEqual(['olivia', 'smith']);
  });

  it('clears a removed contact (value, hash and mask) and keeps updated_at when none is given (a replay)', () => {
    write(ID, { email: null, birthDate: null });
    const after = row();
    expect(after.email).toBeNull();
    expect(after.email_hash).toBeNull();
    expect(after.email_masked).toBeNull();
    expect(after.birth_date).toBeNull();
    expect(after.updated_at).toBe('2026-01-01T00:00:00.000Z');
  });

  it('renames and rebuilds the name tokens from the stored name', () => {
    write(ID, { givenName: 'Ann-Marie', familyName: 'Lee' }, '2026-02-02T00:00:00.000Z');
    expect(row().given_name).toBe('Ann-Marie');
    expect(row().family_name).toBe('Lee');
    expect(tokens()).toEqual(['ann', 'lee', 'marie']);
    write(ID, { familyName: 'Smith' });
    expect(tokens()).toEqual(['ann', 'marie', 'smith']);
  });

  it('refuses to run outside a transaction (its op and audit entry must commit with it)', () => {
    expect(() => createProfileWriter(db, KEY)(ID, { givenName: 'X' })).toThrow(/inside the transaction/);
  });
});
