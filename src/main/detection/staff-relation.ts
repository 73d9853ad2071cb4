import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { MemberRelation } from '../../shared/detection/activity';
import { nameTokens } from '../../shared/members/normalize';

/** Fewer tokens than this (a display name such as "Anna") would match too many members to mean anything. */
export const MIN_MATCHING_TOKENS = 2;

const keyOf = (tokens: readonly string[]) => [...tokens].sort().join(' ');

/**
 * Whether a member is the staff member themself or a colleague, from what this till holds: a
 * member whose folded name tokens (member_name_tokens, the search index) are exactly the folded
 * tokens of a roster display name is taken to be that staff member.
 *
 * Limits, by design of a heuristic over names only: a namesake customer counts as the colleague
 * (a false alert the manager acknowledges); a staff member enrolled under another spelling, a
 * nickname, a maiden name, or with a display name of one word is not recognised. The roster is
 * read per evaluation, so staff added or renamed count from their next action.
 */
export function createStaffRelation(db: Database) {
  const roster = db.prepare<[], { id: string; display_name: string }>('SELECT id, display_name FROM staff');
  const memberTokens = db.prepare<[string], { token: string }>(
    'SELECT token FROM member_name_tokens WHERE member_id = ?',
  );

  /** A relationOf for one evaluation: the roster's token sets are read once. */
  return function relationFor(): (memberId: string, staffId: string) => MemberRelation | undefined {
    const staffByName = new Map<string, string[]>();
    for (const row of roster.all()) {
      const tokens = nameTokens(row.display_name);
      if (tokens.length < MIN_MATCHING_TOKENS) continue;
      const key = keyOf(tokens);
      staffByName.set(key, [...(staffByName.get(key) ?? []), row.id]);
    }
    const seen = new Map<string, string[] | undefined>();
    return (memberId, staffId) => {
      if (staffByName.size === 0) return undefined;
      if (!seen.has(memberId)) {
        const tokens = memberTokens.all(memberId).map((row) => row.token);
        seen.set(memberId, tokens.length >= MIN_MATCHING_TOKENS ? staffByName.get(keyOf(tokens)) : undefined);
      }
      const matches = seen.get(memberId);
      if (!matches) return undefined;
      return matches.includes(staffId) ? 'self' : 'colleague';
    };
  };
}
