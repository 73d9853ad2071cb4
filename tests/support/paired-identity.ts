import { generateKeyPairSync } from 'node:crypto';
import type { Database } from 'better-sqlite3-multiple-ciphers';

/**
 * Makes a test till look paired with HQ without an HQ: a store id and an HQ staff-proof key (a
 * fresh X25519 public key nobody holds the private half of, so proofs are sealed but never opened).
 * The rules that differ between a paired till and a standalone one (what may be spent offline,
 * sealed approver proofs) are then those of a paired till. Services read the identity on every
 * write, so it takes effect at once.
 */
export function markPaired(db: Database, storeId = 'store-test'): void {
  const key = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x;
  if (typeof key !== 'string') throw new Error('X25519 key export failed');
  db.transaction(() => {
    db.prepare("UPDATE sync_state SET value = ? WHERE key = 'store_id'").run(storeId);
    db.prepare(
      `INSERT INTO sync_state (key, value) VALUES ('hq_staff_proof_key', ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(key);
  }).immediate();
}
