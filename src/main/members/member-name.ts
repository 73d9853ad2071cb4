import type { Database } from 'better-sqlite3-multiple-ciphers';

/** A member's name as this till holds it (the approvals queue names whom a correction is about). */
export function createMemberName(db: Database): (memberId: string) => string | null {
  const byId = db.prepare<[string], { name: string }>(
    "SELECT given_name || ' ' || family_name AS name FROM members WHERE id = ?",
  );
  return (memberId) => byId.get(memberId)?.name ?? null;
}
