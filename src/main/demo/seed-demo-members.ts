import demo from '../../../resources/demo/members.json';
import { EnrollRequest } from '../../shared/members/schemas';
import type { EnrollData, MemberSummary } from '../../shared/members/schemas';

/**
 * Fills an empty device database with synthetic members so a newcomer running `npm start` (or the
 * harness with --demo) can search at once. Never runs on a database that already has members.
 */
export function seedDemoMembers(
  deps: { memberCount: () => number; enroll: (data: EnrollData, actor: string | null) => MemberSummary },
  members: unknown[] = demo.members,
): number {
  if (deps.memberCount() > 0) return 0;
  let added = 0;
  for (const raw of members) {
    deps.enroll(EnrollRequest.parse(raw), null);
    added += 1;
  }
  return added;
}
