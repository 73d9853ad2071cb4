// Operators' API tokens for the command line (issue 12 item 4): shown once, only a SHA-256 hash
// kept, a subset of the operator's roles, an expiry, revocation, last use. PGlite and PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import {
  authenticateApiToken,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  type ApiTokenDeps,
  type CreateApiTokenInput,
} from '../../packages/hq/src/operators/api-tokens';
import { createOperatorAuditLog } from '../../packages/hq/src/operators/operator-audit';
import {
  OperatorAccessError,
  setOperatorRoles,
  type OperatorAccessErrorCode,
  type OperatorRole,
} from '../../packages/hq/src/operators/roles';
import { BACKENDS, openTestDatabase, skipBackend, snapshotTables } from './support/hq';

const DAY = 24 * 60 * 60 * 1000;

async function refusal(promise: Promise<unknown>): Promise<OperatorAccessErrorCode> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OperatorAccessError);
  return (error as OperatorAccessError).code;
}

describe.each(BACKENDS)('operator API tokens on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let db: HqDatabase;
    let stop: () => Promise<void>;
    const clock = { now: new Date('2026-12-06T08:00:00.000Z') };
    const now = () => clock.now;
    let deps: ApiTokenDeps;

    async function addOperator(id: string, roles: readonly OperatorRole[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO operators (id, email, display_name, created_at) VALUES ($1, $2, $3, now())`, [
          id,
          `${id}@hq.test`,
          id,
        ]);
        await setOperatorRoles(tx, id, roles);
      });
    }

    const create = (input: CreateApiTokenInput, createdBy = input.operatorId) =>
      db.transaction((tx) => createApiToken(tx, deps, createdBy, input));
    const inDays = (days: number) => new Date(clock.now.getTime() + days * DAY);

    beforeAll(async () => {
      ({ db, stop } = await openTestDatabase(backend));
      deps = { audit: createOperatorAuditLog({ db, key: randomBytes(32), now }), now };
      await addOperator('op-ops', ['store_operations', 'auditor']);
      await addOperator('op-audit', ['auditor']);
    });
    afterAll(async () => {
      await stop?.();
    });

    test('a token is shown once as ldhq_ + 43 base64url characters; HQ keeps only its SHA-256', async () => {
      const created = await create({ operatorId: 'op-ops', roles: ['auditor'], expiresAt: inDays(30) });
      expect(created.token).toMatch(/^ldhq_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(created.token.slice(5), 'base64url')).toHaveLength(32);
      const stored = await db.query<{ token_hash: string }>(
        'SELECT token_hash FROM operator_api_tokens WHERE id = $1',
        [created.tokenId],
      );
      expect(stored.rows[0]?.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
      // Nowhere in any table, the operator audit included.
      expect(await snapshotTables(db)).not.toContain(created.token);
      expect(await snapshotTables(db)).not.toContain(created.token.slice(5));
      const audited = await db.query<{ operator_id: string; action: string; details: unknown }>(
        `SELECT operator_id, action, details FROM operator_audit WHERE subject_id = $1`,
        [created.tokenId],
      );
      expect(audited.rows).toEqual([
        {
          operator_id: 'op-ops',
          action: 'api_token.created',
          details: { owner: 'op-ops', roles: 'auditor', expiresAt: '2027-01-05T08:00:00.000Z' },
        },
      ]);
    });

    test('it acts for its operator with the roles it was given, and its use is recorded', async () => {
      const created = await create({
        operatorId: 'op-ops',
        roles: ['auditor'],
        expiresAt: inDays(7),
        label: 'nightly reports',
      });
      const usedAt = new Date(clock.now.getTime() + 60_000);
      expect(await authenticateApiToken(db, () => usedAt, created.token)).toEqual({
        tokenId: created.tokenId,
        operatorId: 'op-ops',
        roles: ['auditor'],
      });
      const listed = (await listApiTokens(db, 'op-ops')).find((token) => token.tokenId === created.tokenId);
      expect(listed).toEqual({
        tokenId: created.tokenId,
        roles: ['auditor'],
        label: 'nightly reports',
        createdAt: new Date('2026-12-06T08:00:00.000Z'),
        expiresAt: new Date('2026-12-13T08:00:00.000Z'),
        revokedAt: null,
        lastUsedAt: new Date('2026-12-06T08:01:00.000Z'),
      });
    });

    test('only roles the operator holds, for at most 366 days from now', async () => {
      expect(await refusal(create({ operatorId: 'op-audit', roles: ['chain_admin'], expiresAt: inDays(1) }))).toBe(
        'forbidden',
      );
      expect(
        await refusal(create({ operatorId: 'op-audit', roles: ['auditor', 'store_operations'], expiresAt: inDays(1) })),
      ).toBe('forbidden');
      expect(await refusal(create({ operatorId: 'op-audit', roles: ['auditor'], expiresAt: inDays(367) }))).toBe(
        'invalid_argument',
      );
      expect(await refusal(create({ operatorId: 'op-audit', roles: ['auditor'], expiresAt: clock.now }))).toBe(
        'invalid_argument',
      );
      expect(await refusal(create({ operatorId: 'op-audit', roles: [], expiresAt: inDays(1) }))).toBe(
        'invalid_argument',
      );
      expect(await refusal(create({ operatorId: 'op-nobody', roles: ['auditor'], expiresAt: inDays(1) }))).toBe(
        'operator_not_found',
      );
    });

    test('a revoked token stops at once; revoking is audited once and idempotent', async () => {
      const created = await create({ operatorId: 'op-audit', roles: ['auditor'], expiresAt: inDays(30) });
      expect(await authenticateApiToken(db, now, created.token)).not.toBeNull();
      expect(await db.transaction((tx) => revokeApiToken(tx, deps, 'op-audit', created.tokenId))).toBe(true);
      expect(await db.transaction((tx) => revokeApiToken(tx, deps, 'op-audit', created.tokenId))).toBe(true);
      expect(await authenticateApiToken(db, now, created.token)).toBeNull();
      expect(await db.transaction((tx) => revokeApiToken(tx, deps, 'op-audit', 'no-such-token'))).toBe(false);
      const audited = await db.query<{ action: string }>(
        `SELECT action FROM operator_audit WHERE subject_id = $1 ORDER BY seq`,
        [created.tokenId],
      );
      expect(audited.rows.map((row) => row.action)).toEqual(['api_token.created', 'api_token.revoked']);
    });

    test('an expired token is refused from its expiry on', async () => {
      const created = await create({ operatorId: 'op-audit', roles: ['auditor'], expiresAt: inDays(2) });
      const justBefore = new Date(clock.now.getTime() + 2 * DAY - 1);
      expect(await authenticateApiToken(db, () => justBefore, created.token)).not.toBeNull();
      expect(await authenticateApiToken(db, () => inDays(2), created.token)).toBeNull();
    });

    test('a role the operator lost is lost to their tokens; a disabled operator’s tokens stop', async () => {
      await addOperator('op-shrinks', ['store_operations', 'auditor']);
      const created = await create({
        operatorId: 'op-shrinks',
        roles: ['store_operations', 'auditor'],
        expiresAt: inDays(30),
      });
      await db.transaction((tx) => setOperatorRoles(tx, 'op-shrinks', ['auditor', 'privacy_officer']));
      expect((await authenticateApiToken(db, now, created.token))?.roles).toEqual(['auditor']);
      await db.transaction((tx) => setOperatorRoles(tx, 'op-shrinks', ['privacy_officer']));
      expect(await authenticateApiToken(db, now, created.token)).toBeNull();
      await db.transaction((tx) => setOperatorRoles(tx, 'op-shrinks', ['auditor']));
      await db.query(`UPDATE operators SET status = 'disabled' WHERE id = 'op-shrinks'`);
      expect(await authenticateApiToken(db, now, created.token)).toBeNull();
    });

    test('malformed, unknown and near-miss tokens are refused without changing anything', async () => {
      const created = await create({ operatorId: 'op-audit', roles: ['auditor'], expiresAt: inDays(30) });
      const last = created.token.at(-1) === 'A' ? 'B' : 'A';
      const before = await snapshotTables(db);
      for (const sent of [
        '',
        'ldhq_',
        created.token.slice(0, -1),
        created.token.slice(0, -1) + last,
        `${created.token}A`,
        created.token.replace('ldhq_', 'LDHQ_'),
        created.token.slice(5),
        `ldhq_${randomBytes(32).toString('base64url')}`,
        'x'.repeat(10_000),
      ]) {
        expect(await authenticateApiToken(db, now, sent)).toBeNull();
      }
      expect(await snapshotTables(db)).toBe(before);
    });
  });
});
