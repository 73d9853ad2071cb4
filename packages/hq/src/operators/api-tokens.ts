import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HqDatabase, Queryable } from '../db/database';
import type { OperatorAuditLog } from './operator-audit';
import { OPERATOR_ROLES, OperatorAccessError, OperatorRole, readOperatorRoles } from './roles';

/**
 * Operators' API tokens for the command line (issue 12 item 4): a token acts for one operator with
 * a subset of their roles until it expires or is revoked. It is shown once; HQ keeps only its
 * SHA-256 hash (32 random bytes need no slow hash: there is nothing to guess).
 */
export const API_TOKEN_PREFIX = 'ldhq_';
/** 'ldhq_' and 32 bytes as base64url (43 characters). */
export const API_TOKEN_PATTERN = /^ldhq_[A-Za-z0-9_-]{43}$/;
export const API_TOKEN_MAX_TTL_MS = 366 * 24 * 60 * 60 * 1000;

export const CreateApiTokenInput = z.strictObject({
  operatorId: z.string().min(1).max(128),
  roles: z.array(OperatorRole).min(1).max(OPERATOR_ROLES.length),
  expiresAt: z.date(),
  /** What the operator calls it ("nightly reports"); shown in their token list, never audited. */
  label: z.string().trim().min(1).max(80).optional(),
});
export type CreateApiTokenInput = z.input<typeof CreateApiTokenInput>;

export interface ApiTokenDeps {
  audit: OperatorAuditLog;
  now: () => Date;
}

const tokenHash = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Makes a token inside the caller's transaction `tx` and records it in the operator audit. Only
 * roles the operator holds now can be given to it, and only for at most API_TOKEN_MAX_TTL_MS.
 * `createdBy` is the operator doing it (the token's owner, or a chain admin).
 */
export async function createApiToken(
  tx: Queryable,
  deps: ApiTokenDeps,
  createdBy: string,
  input: CreateApiTokenInput,
): Promise<{ tokenId: string; token: string; expiresAt: Date }> {
  const parsed = CreateApiTokenInput.safeParse(input);
  if (!parsed.success)
    throw new OperatorAccessError('invalid_argument', 'The token request does not match the schema.');
  const { operatorId, expiresAt, label } = parsed.data;
  const roles = OPERATOR_ROLES.filter((role) => parsed.data.roles.includes(role));
  const now = deps.now();
  if (expiresAt.getTime() <= now.getTime() || expiresAt.getTime() - now.getTime() > API_TOKEN_MAX_TTL_MS) {
    throw new OperatorAccessError('invalid_argument', 'A token expires in the future, within 366 days.');
  }
  const held = await readOperatorRoles(tx, operatorId);
  if (held.length === 0) throw new OperatorAccessError('operator_not_found', `No operator ${operatorId} with a role.`);
  if (!roles.every((role) => held.includes(role))) {
    throw new OperatorAccessError('forbidden', `Operator ${operatorId} does not hold every role asked for.`);
  }
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const tokenId = randomUUID();
  await tx.query(
    `INSERT INTO operator_api_tokens (id, operator_id, token_hash, roles, label, created_at, expires_at)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
    [tokenId, operatorId, tokenHash(token).toString('hex'), JSON.stringify(roles), label ?? null, now, expiresAt],
  );
  await deps.audit.append(tx, {
    operatorId: createdBy,
    action: 'api_token.created',
    subjectType: 'api_token',
    subjectId: tokenId,
    details: { owner: operatorId, roles: roles.join('.'), expiresAt: expiresAt.toISOString() },
  });
  return { tokenId, token, expiresAt };
}

/**
 * Revokes a token at once; idempotent, audited the first time. False when there is no such token.
 * The caller decides who may (the token's owner, or a chain admin with operators.manage).
 */
export async function revokeApiToken(
  tx: Queryable,
  deps: ApiTokenDeps,
  revokedBy: string,
  tokenId: string,
): Promise<boolean> {
  const found = await tx.query<{ revoked_at: Date | null }>(
    'SELECT revoked_at FROM operator_api_tokens WHERE id = $1 FOR UPDATE',
    [tokenId],
  );
  const row = found.rows[0];
  if (!row) return false;
  if (row.revoked_at === null) {
    await tx.query('UPDATE operator_api_tokens SET revoked_at = $2 WHERE id = $1', [tokenId, deps.now()]);
    await deps.audit.append(tx, {
      operatorId: revokedBy,
      action: 'api_token.revoked',
      subjectType: 'api_token',
      subjectId: tokenId,
    });
  }
  return true;
}

// Compared against when no row matches, so a miss costs what a hit does.
const NO_MATCH = Buffer.alloc(32);

/**
 * Who a bearer token acts for: its operator and the roles it was given that the operator still
 * holds; null for anything else (malformed, unknown, expired, revoked, no role left). Records when
 * it was last used. Every token sent is hashed and looked up whatever its shape, and the stored
 * hash is compared in constant time, so timing tells nothing about how near a guess came.
 */
export async function authenticateApiToken(
  db: HqDatabase,
  now: () => Date,
  token: string,
): Promise<{ tokenId: string; operatorId: string; roles: OperatorRole[] } | null> {
  const well = typeof token === 'string' && API_TOKEN_PATTERN.test(token);
  const sent = tokenHash(typeof token === 'string' ? token.slice(0, 256) : '');
  const at = now();
  return db.transaction(async (tx) => {
    const found = await tx.query<{
      id: string;
      operator_id: string;
      token_hash: string;
      roles: unknown;
      expires_at: Date;
      revoked_at: Date | null;
    }>(
      `SELECT id, operator_id, token_hash, roles, expires_at, revoked_at
         FROM operator_api_tokens WHERE token_hash = $1`,
      [sent.toString('hex')],
    );
    const row = found.rows[0];
    const matches = timingSafeEqual(row ? Buffer.from(row.token_hash, 'hex') : NO_MATCH, sent);
    if (!row || !matches || !well) return null;
    if (row.revoked_at !== null || new Date(row.expires_at).getTime() <= at.getTime()) return null;
    const granted = z.array(OperatorRole).parse(typeof row.roles === 'string' ? JSON.parse(row.roles) : row.roles);
    const held = await readOperatorRoles(tx, row.operator_id);
    const roles = held.filter((role) => granted.includes(role));
    if (roles.length === 0) return null;
    await tx.query('UPDATE operator_api_tokens SET last_used_at = $2 WHERE id = $1', [row.id, at]);
    return { tokenId: row.id, operatorId: row.operator_id, roles };
  });
}

/** An operator's tokens for their list: never the token or its hash. */
export async function listApiTokens(
  q: Queryable,
  operatorId: string,
): Promise<
  {
    tokenId: string;
    roles: OperatorRole[];
    label: string | null;
    createdAt: Date;
    expiresAt: Date;
    revokedAt: Date | null;
    lastUsedAt: Date | null;
  }[]
> {
  const found = await q.query<{
    id: string;
    roles: unknown;
    label: string | null;
    created_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    last_used_at: Date | null;
  }>(
    `SELECT id, roles, label, created_at, expires_at, revoked_at, last_used_at
       FROM operator_api_tokens WHERE operator_id = $1 ORDER BY created_at, id`,
    [operatorId],
  );
  return found.rows.map((row) => ({
    tokenId: row.id,
    roles: z.array(OperatorRole).parse(typeof row.roles === 'string' ? JSON.parse(row.roles) : row.roles),
    label: row.label,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
  }));
}
