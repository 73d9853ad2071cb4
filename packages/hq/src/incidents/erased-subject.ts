import { randomBytes } from 'node:crypto';

/**
 * A fresh erased-subject token ("es_" and 128 random bits): the one an erasure gives the member
 * (privacy/erasure.ts), and the one anything naming an erased member later gets. HQ keeps no link from a member to the token its erasure chose (by design: nothing
 * turns one into the other), so whatever names an erased member after the erasure (a late audit
 * upload, an incident's computation) names it by a new token: counted as someone, never the id.
 */
export function freshErasedSubject(): string {
  return `es_${randomBytes(16).toString('base64url')}`;
}
