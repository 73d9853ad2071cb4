import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { z } from 'zod';
import { nameTokens } from '../../shared/members/normalize';
import type { OP_PAYLOADS } from '../../shared/sync/ops';
import { storedContact } from './lookup-hash';

/** A profile edit as the outbox carries it: only the fields that changed, contacts already normalized. */
export type ProfileChanges = z.output<(typeof OP_PAYLOADS)['member.updated']>['changes'];

/**
 * The one place a profile change becomes member columns: the counter's edit (update-profile.ts) and
 * the replay of a pending edit onto HQ's state (sync/engine/rebase.ts) must store a contact, its
 * lookup hash and its mask alike, and keep the name tokens in step with the name. One fixed
 * statement: a field absent from `changes` keeps its column. Runs inside the caller's transaction.
 */
export function createProfileWriter(db: Database, lookupKey: string) {
  const update = db.prepare(
    `UPDATE members SET
       given_name   = CASE WHEN @hasGivenName  THEN @givenName   ELSE given_name   END,
       family_name  = CASE WHEN @hasFamilyName THEN @familyName  ELSE family_name  END,
       birth_date   = CASE WHEN @hasBirthDate  THEN @birthDate   ELSE birth_date   END,
       phone_e164   = CASE WHEN @hasPhone      THEN @phone       ELSE phone_e164   END,
       phone_hash   = CASE WHEN @hasPhone      THEN @phoneHash   ELSE phone_hash   END,
       phone_masked = CASE WHEN @hasPhone      THEN @phoneMasked ELSE phone_masked END,
       email        = CASE WHEN @hasEmail      THEN @email       ELSE email        END,
       email_hash   = CASE WHEN @hasEmail      THEN @emailHash   ELSE email_hash   END,
       email_masked = CASE WHEN @hasEmail      THEN @emailMasked ELSE email_masked END,
       updated_at   = coalesce(@updatedAt, updated_at)
     WHERE id = @id`,
  );
  const names = db.prepare<[string], { given_name: string; family_name: string }>(
    'SELECT given_name, family_name FROM members WHERE id = ?',
  );
  const clearTokens = db.prepare<[string]>('DELETE FROM member_name_tokens WHERE member_id = ?');
  const insertToken = db.prepare<[string, string]>(
    'INSERT OR IGNORE INTO member_name_tokens (token, member_id) VALUES (?, ?)',
  );
  // SQLite has no booleans and better-sqlite3 refuses to bind them.
  const flag = (value: unknown) => (value === undefined ? 0 : 1);

  /** Applies `changes` to one member; `updatedAt` stamps a local edit (a replay keeps HQ's stamp). */
  return function writeProfileChanges(memberId: string, changes: ProfileChanges, updatedAt: string | null = null) {
    if (!db.inTransaction) throw new Error('profile changes are written inside the transaction of their op');
    const phone = changes.phone === undefined ? null : storedContact(lookupKey, 'phone', changes.phone);
    const email = changes.email === undefined ? null : storedContact(lookupKey, 'email', changes.email);
    update.run({
      id: memberId,
      hasGivenName: flag(changes.givenName),
      givenName: changes.givenName ?? null,
      hasFamilyName: flag(changes.familyName),
      familyName: changes.familyName ?? null,
      hasBirthDate: flag(changes.birthDate),
      birthDate: changes.birthDate ?? null,
      hasPhone: flag(changes.phone),
      phone: changes.phone ?? null,
      phoneHash: phone?.hash ?? null,
      phoneMasked: phone?.masked ?? null,
      hasEmail: flag(changes.email),
      email: changes.email ?? null,
      emailHash: email?.hash ?? null,
      emailMasked: email?.masked ?? null,
      updatedAt,
    });
    if (changes.givenName === undefined && changes.familyName === undefined) return;
    const row = names.get(memberId);
    clearTokens.run(memberId);
    if (row) for (const token of nameTokens(row.given_name, row.family_name)) insertToken.run(token, memberId);
  };
}

export type ProfileWriter = ReturnType<typeof createProfileWriter>;
