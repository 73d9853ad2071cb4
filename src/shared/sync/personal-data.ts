/** Payload keys of member ops that hold personal data (./ops.ts); ids are kept. HQ scrubs
 * stored ops with it at erasure, a till its pending outbox payloads when a tombstone arrives. */
export const PERSONAL_PAYLOAD_KEYS = ['givenName', 'familyName', 'phone', 'email', 'birthDate', 'cardNumber'] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The payload with every personal key's value replaced by null, at the top level and in a
 * member.updated op's `changes`. Keys are kept (the op's shape stays readable); nothing is added.
 */
export function scrubPayload(payload: { [key: string]: Json }): { [key: string]: Json } {
  const scrub = (object: { [key: string]: Json }): { [key: string]: Json } => {
    const out: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(object)) {
      if ((PERSONAL_PAYLOAD_KEYS as readonly string[]).includes(key)) out[key] = null;
      else if (key === 'changes' && value !== null && typeof value === 'object' && !Array.isArray(value))
        out[key] = scrub(value);
      else out[key] = value;
    }
    return out;
  };
  return scrub(payload);
}
