import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { WriteChannel } from '../../shared/ipc/contract';

/** What an answer about an erased member becomes (JSON null: no answer to give again). */
export const ERASED_ANSWER = 'null';

type Shape = { id?: unknown; member?: { id?: unknown }; targetMemberId?: unknown };
const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * The member a write's stored answer names. Member answers carry names and masked contacts, and
 * queue entries a member's name: erasing the member must drop them with everything else (DESIGN §6).
 * Points answers hold ids, points and balances only, so they need no tag.
 */
export function memberOfAnswer(channel: WriteChannel, answer: unknown): string | null {
  const shape = (answer ?? {}) as Shape;
  switch (channel) {
    case 'members.enroll':
    case 'members.update':
      return text(shape.id);
    case 'members.setConsent':
      return text(shape.member?.id);
    case 'approvals.decide':
      return text(shape.targetMemberId);
    default:
      return null;
  }
}

/**
 * For the erasure of a member: their stored answers lose every byte about them, but the requests
 * stay claimed, so a late retry is refused (member_not_found) instead of writing a second time.
 */
export function createAnswerErasure(db: Database) {
  const forget = db.prepare<[string]>(
    `UPDATE requests SET answer = '${ERASED_ANSWER}', member_id = NULL WHERE member_id = ?`,
  );
  return (memberId: string): number => forget.run(memberId).changes;
}
