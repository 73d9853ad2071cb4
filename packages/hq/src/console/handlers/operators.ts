import { randomUUID } from 'node:crypto';
import { toFieldIssues } from '../../../../../src/shared/ipc/validation';
import { createApiToken, listApiTokens, revokeApiToken } from '../../operators/api-tokens';
import { issueEnrolment } from '../../operators/enrolment';
import { accountKey, clearAccountFailures } from '../../operators/login-throttle';
import { NewOperatorInput } from '../../operators/operator-accounts';
import { approveRequest } from '../../operators/second-operator';
import {
  OPERATOR_ROLES,
  Operation,
  OperatorRole,
  may,
  readOperatorRoles,
  setOperatorRoles,
} from '../../operators/roles';
import { ConsoleHttpError } from '../console-error';
import type { ConsoleContext, ConsoleHandler } from '../console-context';
import { endOperatorSessions } from '../sessions';
import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1000;

const enrolmentUrl = (ctx: ConsoleContext, token: string): string =>
  `${ctx.deps.publicOrigin()}/console/#/enrol/${token}`;

const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

async function operatorExists(ctx: ConsoleContext, operatorId: string): Promise<{ email: string }> {
  const found = await ctx.tx.query<{ email: string }>('SELECT email FROM operators WHERE id = $1 FOR UPDATE', [
    operatorId,
  ]);
  const row = found.rows[0];
  if (!row) throw new ConsoleHttpError('operator_not_found', `No operator ${operatorId}.`);
  return row;
}

export const listOperators: ConsoleHandler<'listOperators'> = async (ctx) => {
  const found = await ctx.tx.query<{
    id: string;
    email: string;
    display_name: string;
    status: 'active' | 'disabled';
    password_hash: string | null;
    locked_at: Date | null;
    created_at: Date;
    roles: unknown;
  }>(
    `SELECT o.id, o.email, o.display_name, o.status, o.password_hash, o.locked_at, o.created_at,
            COALESCE((SELECT json_agg(r.role ORDER BY r.role) FROM operator_roles r WHERE r.operator_id = o.id), '[]') AS roles
       FROM operators o ORDER BY o.display_name, o.id`,
  );
  return {
    operators: found.rows.map((row) => {
      const held = z.array(OperatorRole).parse(json(row.roles));
      return {
        operatorId: row.id,
        email: row.email,
        displayName: row.display_name,
        status: row.status,
        roles: OPERATOR_ROLES.filter((role) => held.includes(role)),
        enrolled: row.password_hash !== null,
        locked: row.locked_at !== null,
        createdAt: new Date(row.created_at).toISOString(),
      };
    }),
  };
};

/** A new operator with their roles and a one-time enrolment link (24 h) to set a password and TOTP. */
export const createOperator: ConsoleHandler<'createOperator'> = async (ctx, input) => {
  const parsed = NewOperatorInput.safeParse({ email: input.email, displayName: input.displayName });
  if (!parsed.success) {
    throw new ConsoleHttpError('invalid_argument', 'The operator is not valid.', {
      issues: toFieldIssues(parsed.error, 'detailed'),
    });
  }
  const taken = await ctx.tx.query('SELECT 1 FROM operators WHERE email = $1', [parsed.data.email]);
  if (taken.rows.length > 0) {
    throw new ConsoleHttpError('invalid_argument', 'An operator already has this e-mail address.', {
      issues: [{ path: 'email', code: 'taken' }],
    });
  }
  const operatorId = randomUUID();
  await ctx.tx.query(
    `INSERT INTO operators (id, email, display_name, status, created_at, created_by) VALUES ($1, $2, $3, 'active', $4, $5)`,
    [operatorId, parsed.data.email, parsed.data.displayName, ctx.now, ctx.actor.operatorId],
  );
  await setOperatorRoles(ctx.tx, operatorId, input.roles);
  const { token, expiresAt } = await issueEnrolment(ctx.tx, operatorId, { now: ctx.now, random: ctx.deps.random });
  await ctx.audit({
    action: 'operators.manage',
    subjectType: 'operator',
    subjectId: operatorId,
    details: { change: 'created', roles: OPERATOR_ROLES.filter((r) => input.roles.includes(r)).join('.') },
  });
  return { operatorId, enrolmentUrl: enrolmentUrl(ctx, token), expiresAt: expiresAt.toISOString() };
};

/**
 * Roles of another operator (a second operator approved the exact new set); their sessions end.
 * One's own roles are refused by console-api.ts before an approval is even asked for.
 */
export const setOperatorRolesHandler: ConsoleHandler<'setOperatorRoles'> = async (ctx, input) => {
  await operatorExists(ctx, input.operatorId);
  const before = await readOperatorRoles(ctx.tx, input.operatorId);
  await setOperatorRoles(ctx.tx, input.operatorId, input.roles);
  await endOperatorSessions(ctx.tx, input.operatorId, ctx.now);
  const roles = OPERATOR_ROLES.filter((role) => input.roles.includes(role));
  await ctx.audit({
    action: 'roles.change',
    subjectType: 'operator',
    subjectId: input.operatorId,
    details: { before: before.join('.') || null, after: roles.join('.') || null },
  });
  return { roles };
};

export const setOperatorStatus: ConsoleHandler<'setOperatorStatus'> = async (ctx, input) => {
  if (input.operatorId === ctx.actor.operatorId)
    throw new ConsoleHttpError('self_change', 'An operator cannot disable themselves.');
  await operatorExists(ctx, input.operatorId);
  await ctx.tx.query('UPDATE operators SET status = $2 WHERE id = $1', [input.operatorId, input.status]);
  if (input.status === 'disabled') {
    await endOperatorSessions(ctx.tx, input.operatorId, ctx.now);
    await ctx.tx.query('UPDATE operator_api_tokens SET revoked_at = $2 WHERE operator_id = $1 AND revoked_at IS NULL', [
      input.operatorId,
      ctx.now,
    ]);
  }
  await ctx.audit({
    action: 'operators.manage',
    subjectType: 'operator',
    subjectId: input.operatorId,
    details: { change: input.status },
  });
  return { ok: true };
};

export const unlockOperator: ConsoleHandler<'unlockOperator'> = async (ctx, input) => {
  const { email } = await operatorExists(ctx, input.operatorId);
  await ctx.tx.query('UPDATE operators SET locked_at = NULL WHERE id = $1', [input.operatorId]);
  await clearAccountFailures(ctx.tx, accountKey(email));
  await ctx.audit({
    action: 'operators.manage',
    subjectType: 'operator',
    subjectId: input.operatorId,
    details: { change: 'unlocked' },
  });
  return { ok: true };
};

/**
 * A new enrolment link (a lost authenticator): the old password and TOTP stop working at once,
 * every session ends, and the operator enrols again.
 */
export const reissueEnrolment: ConsoleHandler<'reissueEnrolment'> = async (ctx, input) => {
  if (input.operatorId === ctx.actor.operatorId)
    throw new ConsoleHttpError('self_change', 'Another operator resets your second factor.');
  await operatorExists(ctx, input.operatorId);
  await ctx.tx.query(
    'UPDATE operators SET password_hash = NULL, totp_secret = NULL, totp_last_step = NULL WHERE id = $1',
    [input.operatorId],
  );
  await ctx.tx.query('DELETE FROM operator_recovery_codes WHERE operator_id = $1', [input.operatorId]);
  await ctx.tx.query('UPDATE operator_enrolments SET used_at = $2 WHERE operator_id = $1 AND used_at IS NULL', [
    input.operatorId,
    ctx.now,
  ]);
  await endOperatorSessions(ctx.tx, input.operatorId, ctx.now);
  const { token, expiresAt } = await issueEnrolment(ctx.tx, input.operatorId, {
    now: ctx.now,
    random: ctx.deps.random,
  });
  await ctx.audit({
    action: 'operator.second_factor_changed',
    subjectType: 'operator',
    subjectId: input.operatorId,
    details: { change: 'enrolment_reissued' },
  });
  return { operatorId: input.operatorId, enrolmentUrl: enrolmentUrl(ctx, token), expiresAt: expiresAt.toISOString() };
};

/**
 * What waits for a second operator, and what the signed-in operator asked for that is approved and
 * not yet run (so they can run it).
 */
export const listApprovals: ConsoleHandler<'listApprovals'> = async (ctx) => {
  const found = await ctx.tx.query<{
    id: string;
    operation: string;
    requested_by: string;
    requested_by_name: string;
    payload: unknown;
    requested_at: Date;
    expires_at: Date;
    approved_by: string | null;
    approved_at: Date | null;
    used_at: Date | null;
  }>(
    `SELECT a.id, a.operation, a.requested_by, o.display_name AS requested_by_name, a.payload, a.requested_at,
            a.expires_at, a.approved_by, a.approved_at, a.used_at
       FROM operator_approvals a JOIN operators o ON o.id = a.requested_by
      WHERE a.expires_at > $1 AND a.used_at IS NULL AND (a.approved_at IS NULL OR a.requested_by = $2)
      ORDER BY a.requested_at, a.id`,
    [ctx.now, ctx.actor.operatorId],
  );
  const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());
  return {
    approvals: found.rows
      .filter((row) => row.requested_by === ctx.actor.operatorId || may(ctx.actor.roles, row.operation))
      .map((row) => ({
        approvalId: row.id,
        operation: Operation.parse(row.operation),
        requestedBy: row.requested_by,
        requestedByName: row.requested_by_name,
        payload: json(row.payload) as Record<string, unknown>,
        requestedAt: new Date(row.requested_at).toISOString(),
        expiresAt: new Date(row.expires_at).toISOString(),
        approvedBy: row.approved_by,
        approvedAt: iso(row.approved_at),
        usedAt: iso(row.used_at),
      })),
  };
};

export const approve: ConsoleHandler<'approve'> = async (ctx, input) => {
  const exists = await ctx.tx.query('SELECT 1 FROM operator_approvals WHERE id = $1', [input.approvalId]);
  if (exists.rows.length === 0) throw new ConsoleHttpError('approval_not_found', `No approval ${input.approvalId}.`);
  await approveRequest(
    ctx.tx,
    { audit: ctx.deps.audit, payloadKey: ctx.deps.approvalKey, now: () => ctx.now },
    input.approvalId,
    ctx.actor.operatorId,
  );
  return { approvedAt: ctx.now.toISOString() };
};

export const listApiTokensHandler: ConsoleHandler<'listApiTokens'> = async (ctx) => ({
  tokens: (await listApiTokens(ctx.tx, ctx.actor.operatorId)).map((token) => ({
    tokenId: token.tokenId,
    label: token.label,
    roles: token.roles,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    revokedAt: token.revokedAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  })),
});

export const createApiTokenHandler: ConsoleHandler<'createApiToken'> = async (ctx, input) => {
  const created = await createApiToken(ctx.tx, { audit: ctx.deps.audit, now: () => ctx.now }, ctx.actor.operatorId, {
    operatorId: ctx.actor.operatorId,
    roles: input.roles,
    expiresAt: new Date(ctx.now.getTime() + input.expiresInDays * DAY_MS),
    ...(input.label !== undefined ? { label: input.label } : {}),
  });
  return { tokenId: created.tokenId, token: created.token, expiresAt: created.expiresAt.toISOString() };
};

/** An operator revokes their own tokens; a chain admin (operators.manage) anyone's. */
export const revokeApiTokenHandler: ConsoleHandler<'revokeApiToken'> = async (ctx, input) => {
  const owner = await ctx.tx.query<{ operator_id: string }>(
    'SELECT operator_id FROM operator_api_tokens WHERE id = $1',
    [input.tokenId],
  );
  const row = owner.rows[0];
  if (!row || (row.operator_id !== ctx.actor.operatorId && !may(ctx.actor.roles, 'operators.manage'))) {
    throw new ConsoleHttpError('not_found', `No token ${input.tokenId}.`);
  }
  await revokeApiToken(ctx.tx, { audit: ctx.deps.audit, now: () => ctx.now }, ctx.actor.operatorId, input.tokenId);
  return { ok: true };
};
