import type { DataKeys } from './data-keys';
import { isSealedText } from './sealed-value';

/**
 * The chain row's secrets (HQ migrations 3 and 4) as HQ uses them: sealed under the chain-secrets
 * data key by the pass at HQ's start (sealed-columns.ts), bound to their column of row 1. The row is
 * made by ensureChain during the migrations, before any data key is open, so a value not sealed yet
 * (a database between migrating and HQ's first start, or one only migrated, as some tests do) is
 * read as it is; a sealed one opens or throws DataKeyError.
 */
export type ChainSecretColumn = 'pin_pepper' | 'lookup_key' | 'staff_proof_private_key';

export function chainSecret(keys: DataKeys | undefined, column: ChainSecretColumn, stored: string): string {
  if (!isSealedText(stored)) return stored;
  if (keys === undefined) throw new Error(`chain.${column} is sealed: HQ needs its data keys to read it`);
  return keys.open('chain-secrets', stored, { table: 'chain', column, rowId: '1' });
}
