import { createHash } from 'node:crypto';

/**
 * The day-end manifest's digest of op ids (DESIGN §5): SHA-256 over each op id, lower case, in seq
 * order, each followed by a newline. The till computes it over its outbox, HQ over what it holds;
 * they must agree byte for byte, so both use this one copy.
 */
export function createOpIdsDigest(): { add(opId: string): void; hex(): string } {
  const hash = createHash('sha256');
  return {
    add(opId) {
      hash.update(`${opId.toLowerCase()}\n`);
    },
    hex: () => hash.digest('hex'),
  };
}

export function opIdsDigest(opIds: Iterable<string>): string {
  const digest = createOpIdsDigest();
  for (const id of opIds) digest.add(id);
  return digest.hex();
}
