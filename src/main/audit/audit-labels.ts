import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditEntry } from '../../shared/audit/schemas';
import type { AuditMemberLabel } from '../../shared/audit/describe';
import { maskedCardNumber, maskedMemberName } from '../../shared/audit/member-label';

/** Detail keys that may hold a member's id (an approval's target may be a staff member instead). */
const MEMBER_DETAIL_KEYS = ['target', 'memberId'] as const;

/**
 * The names a page of audit entries needs, resolved in main so the renderer gets masked labels
 * only: each member the entries name as "Anna K." and "••••1234", or as erased; each reward by its
 * names. Ids the till does not hold as members (staff ids in `target`) are left out.
 */
export function createAuditLabels(db: Database) {
  const memberById = db.prepare<
    [string],
    { given_name: string; family_name: string; card_number: string; erased_at: string | null }
  >('SELECT given_name, family_name, card_number, erased_at FROM members WHERE id = ?');
  const rewardById = db.prepare<[string], { name_en: string; name_ru: string }>(
    'SELECT name_en, name_ru FROM rewards WHERE id = ?',
  );

  return function labelsFor(entries: readonly AuditEntry[]) {
    const members: Record<string, AuditMemberLabel> = {};
    const rewards: Record<string, { en: string; ru: string }> = {};
    const addMember = (id: unknown) => {
      if (typeof id !== 'string' || id in members) return;
      const row = memberById.get(id);
      if (!row) return;
      members[id] =
        row.erased_at !== null
          ? { erased: true }
          : {
              maskedName: maskedMemberName(row.given_name, row.family_name),
              maskedCard: maskedCardNumber(row.card_number),
            };
    };
    for (const entry of entries) {
      if (entry.subjectType === 'member') addMember(entry.subjectId);
      for (const key of MEMBER_DETAIL_KEYS) addMember(entry.details[key]);
      const reward = entry.details.rewardId;
      if (typeof reward === 'string' && !(reward in rewards)) {
        const row = rewardById.get(reward);
        if (row) rewards[reward] = { en: row.name_en, ru: row.name_ru };
      }
    }
    return { members, rewards };
  };
}
export type AuditLabels = ReturnType<typeof createAuditLabels>;
