import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { AuditLog } from '../audit/audit-log';
import type { CounterServices } from '../app/create-counter-services';
import type { Logger } from '../logging/logger';
import { createSnapshotIngest } from '../members/ingest-snapshot';
import { CURRENT_NOTICE_VERSION } from '../privacy/notices';
import type { PinHasher } from '../staff/pin-hasher';
import { seedDemoCounter } from './seed-demo-counter';
import { demoSnapshot } from './seed-demo-members';
import { seedDemoStaff } from './seed-demo-staff';

export interface DemoSeedDeps {
  /** true: staff, counter data and members; 'staff': the demo staff only. */
  mode: true | 'staff';
  db: Database;
  hasher: PinHasher;
  audit: AuditLog;
  counter: CounterServices;
  lookupKey: string;
  storeRegion: () => string;
  now: () => Date;
  logger: Logger;
}

/**
 * npm start's and the harness's demo data for a standalone till: demo staff, earn rules, rewards,
 * a card block and synthetic members (as an HQ snapshot), each only where the till has none yet.
 */
export async function seedDemo(deps: DemoSeedDeps): Promise<void> {
  const { db, counter, logger } = deps;
  const added = await seedDemoStaff(deps);
  if (added > 0) logger.info('demo.seeded', { code: 'staff', count: added });
  if (deps.mode !== true) return;
  const { rules, rewards, cardBlock } = counter;
  db.transaction(() =>
    seedDemoCounter({ rules, rewards, cardBlock, hasCardBlock: () => cardBlock.current() !== null }),
  ).immediate();
  const ingest = createSnapshotIngest(db);
  if (!ingest.isEmpty()) return;
  const members = demoSnapshot({
    lookupKey: deps.lookupKey,
    region: deps.storeRegion(),
    termsVersion: CURRENT_NOTICE_VERSION,
    now: deps.now(),
  });
  ingest.writeBatch(members, { fresh: true });
  logger.info('demo.seeded', { code: 'members', count: members.length });
}
