import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditLog } from '../audit/audit-log';
import type { CounterWriteGate } from '../db/write-gate';
import type { Outbox } from '../sync/outbox';
import type { DeviceIdentity } from '../sync/device-identity';
import type { EarnRulesStore } from './earn-rules-store';
import type { Ledger } from './ledger';

/** What every points write needs: each one commits ledger entry, audit entry and outbox row together. */
export interface PointsDeps {
  db: Database;
  audit: AuditLog;
  outbox: Outbox;
  ledger: Ledger;
  rules: EarnRulesStore;
  identity: () => DeviceIdentity;
  now: () => Date;
  /** The store's adjustment limit as HQ last said it (null: none known, the schema's bound applies). */
  adjustLimit: () => number | null;
  /** Counter writes go before the sync worker's next part (db/write-gate.ts); none without a worker. */
  writeGate?: CounterWriteGate;
}
