import type { Database } from 'better-sqlite3-multiple-ciphers';
import type { DetectionPolicy } from '../../shared/detection/policy';
import type { AuditLog } from '../audit/audit-log';
import type { Authenticator } from '../auth/authenticator';
import type { SessionStore } from '../auth/session';
import { createAccessAudit } from './access-audit';
import { createAlertsStore } from './alerts';
import { createDetectionRun } from './run-detection';
import { createStaffHolds } from './staff-holds';
import { createStaffRelation } from './staff-relation';

/** The till's detection services over one database (the composition root wires them in). */
export function createDetection(deps: {
  db: Database;
  audit: AuditLog;
  now: () => Date;
  settings: { detectionPolicy(): DetectionPolicy };
  sessions: SessionStore;
  authenticator: Authenticator;
}) {
  const { db, audit, now } = deps;
  const holds = createStaffHolds({ db, audit, authenticator: deps.authenticator, sessions: deps.sessions, now });
  return {
    access: createAccessAudit({ db, audit, now }),
    holds,
    alerts: createAlertsStore({ db, audit, now }),
    run: createDetectionRun({
      db,
      audit,
      now,
      policy: () => deps.settings.detectionPolicy(),
      holds,
      relation: createStaffRelation(db),
    }),
  };
}

export type Detection = ReturnType<typeof createDetection>;
