import type { HqDatabase } from '../db/database';
import { createFirstAdmin, type NewOperatorInput } from '../operators/operator-accounts';
import type { OperatorAuditLog } from '../operators/operator-audit';
import { setOperatorRoles } from '../operators/roles';

/**
 * The first chain admin (`npm run hq -- create-admin`): only while HQ has no operator at all. The
 * account, its chain_admin role and the audit entry commit together; the answer is the one-time
 * enrolment link (24 h) where they set a password and a second factor.
 */
export async function createChainAdmin(
  deps: {
    db: HqDatabase;
    now: () => Date;
    random: (size: number) => Buffer;
    audit: OperatorAuditLog;
    publicOrigin: () => string;
  },
  input: NewOperatorInput,
): Promise<{ operatorId: string; enrolmentUrl: string; expiresAt: Date }> {
  const made = await createFirstAdmin(deps, input, async (tx, operatorId) => {
    await setOperatorRoles(tx, operatorId, ['chain_admin']);
    await deps.audit.append(tx, {
      operatorId: null,
      action: 'operators.manage',
      subjectType: 'operator',
      subjectId: operatorId,
      details: { change: 'created', roles: 'chain_admin', via: 'command_line' },
    });
  });
  return {
    operatorId: made.operatorId,
    enrolmentUrl: `${deps.publicOrigin()}/console/#/enrol/${made.enrolmentToken}`,
    expiresAt: made.expiresAt,
  };
}
