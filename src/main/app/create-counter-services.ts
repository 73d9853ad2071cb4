import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { Language } from '../../shared/i18n/languages';
import type { AuditLog } from '../audit/audit-log';
import { createConsentRecorder } from '../consents/record-consent';
import { NO_WRITE_GATE, type CounterWriteGate } from '../db/write-gate';
import { createSetConsent } from '../consents/set-consent';
import { createCardBlock } from '../members/card-block';
import { createEnrollMember } from '../members/enroll';
import { createFindMembers } from '../members/find';
import { createMemberName } from '../members/member-name';
import { createMemberView } from '../members/member-view';
import { createRevealContacts } from '../members/reveal-contacts';
import { createUpdateProfile } from '../members/update-profile';
import type { PointsDeps } from '../points/counter-deps';
import { createPointsCorrections } from '../points/corrections';
import { createEarnPoints, createQuoteEarn } from '../points/earn';
import { createEarnRulesStore } from '../points/earn-rules-store';
import { createLedger } from '../points/ledger';
import { createRedeemPoints } from '../points/redeem';
import { createRewardsCatalog } from '../rewards/catalog';
import { createDeviceIdentity, isStandalone } from '../sync/device-identity';
import { createOutbox } from '../sync/outbox';

export interface CounterDeps {
  db: Database;
  audit: AuditLog;
  lookupKey: string;
  storeRegion: () => string;
  language: () => Language;
  now: () => Date;
  adjustLimit: () => number | null;
  /** Counter writes go before the sync worker's next part (db/write-gate.ts); none without a worker. */
  writeGate?: CounterWriteGate;
}

/**
 * The counter's services over one device database: members, consents, points, rewards, outbox.
 * Shared by the app's composition root and the benchmark, so both measure the same code.
 */
export function createCounterServices(deps: CounterDeps) {
  const { db, audit, lookupKey, storeRegion, language, now, adjustLimit } = deps;
  const writeGate = deps.writeGate ?? NO_WRITE_GATE;
  const identity = createDeviceIdentity(db);
  const outbox = createOutbox({ db, now });
  const ledger = createLedger(db, { standalone: () => isStandalone(identity()) });
  const rules = createEarnRulesStore(db);
  const rewards = createRewardsCatalog(db);
  const cardBlock = createCardBlock(db);
  const recordConsent = createConsentRecorder({ db, audit, outbox, storeId: () => identity().storeId, now });
  const pointsDeps: PointsDeps = { db, audit, outbox, ledger, rules, identity, now, adjustLimit, writeGate };
  return {
    outbox,
    ledger,
    rules,
    rewards,
    cardBlock,
    enroll: createEnrollMember({ db, audit, outbox, recordConsent, cardBlock, lookupKey, storeRegion, now, writeGate }),
    find: createFindMembers({ db, lookupKey, storeRegion }),
    memberView: createMemberView({ db, ledger, rules }),
    memberName: createMemberName(db),
    updateProfile: createUpdateProfile({
      db,
      audit,
      outbox,
      recordConsent,
      lookupKey,
      storeRegion,
      language,
      now,
      writeGate,
    }),
    revealContacts: createRevealContacts({ db, audit }),
    setConsent: createSetConsent({ db, recordConsent, writeGate }),
    quoteEarn: createQuoteEarn(pointsDeps),
    earn: createEarnPoints(pointsDeps),
    redeem: createRedeemPoints({ ...pointsDeps, rewards }),
    corrections: createPointsCorrections(pointsDeps),
  };
}

export type CounterServices = ReturnType<typeof createCounterServices>;
