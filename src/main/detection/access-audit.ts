import type { Database } from 'better-sqlite3-multiple-ciphers';
import { MAX_LISTED_MEMBERS } from '../../shared/detection/activity';
import type { FindResponse } from '../../shared/members/schemas';
import type { AuditLog } from '../audit/audit-log';

/**
 * A refresh of the member already open (the screen re-reads it after an earn or a consent change)
 * is the same look, not a new one: without this, every sale would end in a "view" that no sale
 * follows, and the lookups-without-sale rule would count honest work.
 */
export const REVIEW_WINDOW_MS = 5 * 60 * 1000;

export interface AccessAudit {
  /**
   * members.find: how the query was read, how many it found and which members it listed (ids, in
   * list order); never the text typed. The list shows each member's name, card, balance and masked
   * phone, so reading it is a look at them (issue 14's review): HQ and the rules need the ids.
   */
  searched(staffId: string, found: FindResponse): void;
  /** members.get: the member's record shown to this staff member. */
  viewed(staffId: string, memberId: string): void;
}

/** The listed members' ids joined by ',', in list order, at most MAX_LISTED_MEMBERS. */
export function listedMemberIds(found: Pick<FindResponse, 'members'>): string {
  return found.members
    .slice(0, MAX_LISTED_MEMBERS)
    .map((member) => member.id)
    .join(',');
}

/** Audit entries for looking at members (issue 14: access is audited, not just changes). */
export function createAccessAudit(deps: { db: Database; audit: AuditLog; now: () => Date }): AccessAudit {
  const { db, audit } = deps;
  /** Per staff member, the member they last opened and when: the refresh check above. */
  const lastViewed = new Map<string, { memberId: string; atMs: number }>();

  return {
    searched(staffId, found) {
      db.transaction(() =>
        audit.append({
          staffId,
          action: 'member.searched',
          // The first reading the query matched as (a 10-digit number may be both card and phone).
          // Audit details are flat scalars, so the listed ids are one string joined by ',' ('' when none);
          // HQ's upload schema allows this one value its length (src/shared/sync/protocol.ts).
          details: {
            by: found.matchedAs[0] ?? 'none',
            results: found.members.length,
            memberIds: listedMemberIds(found),
          },
        }),
      ).immediate();
    },

    viewed(staffId, memberId) {
      const atMs = deps.now().getTime();
      const last = lastViewed.get(staffId);
      if (last && last.memberId === memberId && atMs - last.atMs >= 0 && atMs - last.atMs < REVIEW_WINDOW_MS) {
        // Still the same member on screen: the window runs from the latest refresh.
        lastViewed.set(staffId, { memberId, atMs });
        return;
      }
      db.transaction(() =>
        audit.append({ staffId, action: 'member.viewed', subjectType: 'member', subjectId: memberId }),
      ).immediate();
      lastViewed.set(staffId, { memberId, atMs });
    },
  };
}
