// Operators' identity at HQ (issue 12, foundation): the first admin, one-time enrolment links,
// password + TOTP or recovery code logins, and throttling/lockout counted in the database, on
// PGlite and on a real PostgreSQL.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import { openPostgresDatabase } from '../../packages/hq/src/db/postgres';
import {
  EnrolmentError,
  completeEnrolment,
  openEnrolment,
  operatorSecretAt,
  type TotpDeps,
} from '../../packages/hq/src/operators/enrolment';
import type { DataKeys } from '../../packages/hq/src/keys/data-keys';
import {
  OperatorAccountError,
  createFirstAdmin,
  unlockOperator,
  verifyLogin,
  type LoginAttempt,
} from '../../packages/hq/src/operators/operator-accounts';
import { BACKENDS, openTestDataKeys, openTestDatabase, skipBackend } from './support/hq';

const START = '2026-03-02T09:00:00.000Z';
const PASSWORD = 'violet kettle 42 marsh';
const ADMIN = { email: 'Anna.Smirnova@Example.com', displayName: 'Anna Smirnova' };
const FAILED = { ok: false, code: 'login_failed' } as const;

/** RFC 6238 with SHA-1, 6 digits, 30 s, written here apart from HQ's code (which uses otpauth). */
function totpCode(secretBase32: string, at: Date): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of secretBase32) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[19] ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

test('the test-side TOTP matches RFC 6238 Appendix B (SHA-1, T = 59 s: 94287082, last 6 digits)', () => {
  expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', new Date(59_000))).toBe('287082');
  expect(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', new Date(1_111_111_109_000))).toBe('081804');
});

describe.each(BACKENDS)('operator identity on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let db: HqDatabase;
    let url: string | undefined;
    let stop: () => Promise<void>;
    const clock = { now: new Date(START) };
    let keys: DataKeys;
    const deps = (): TotpDeps => ({ db, now: () => clock.now, random: randomBytes, keys });
    const later = (ms: number) => {
      clock.now = new Date(clock.now.getTime() + ms);
    };

    beforeAll(async () => {
      ({ db, url, stop } = await openTestDatabase(backend));
      keys = await openTestDataKeys(db);
    });
    afterAll(async () => {
      await stop?.();
    });
    beforeEach(async () => {
      clock.now = new Date(START);
      await db.query(
        'TRUNCATE operator_enrolments, operator_recovery_codes, operator_login_failures, operators CASCADE',
      );
    });

    /** The first admin, enrolled: what a login needs. */
    async function enrolledAdmin() {
      const { enrolmentToken } = await createFirstAdmin(deps(), ADMIN);
      const opened = await openEnrolment(deps(), enrolmentToken);
      const { operatorId, recoveryCodes } = await completeEnrolment(
        deps(),
        enrolmentToken,
        PASSWORD,
        totpCode(opened.totpSecret, clock.now),
      );
      return { operatorId, recoveryCodes, secret: opened.totpSecret };
    }

    /** The next 30-s step's code (the enrolment, or the last login, spent the current one). */
    function nextCode(secret: string): string {
      later(30_000);
      return totpCode(secret, clock.now);
    }

    const attempt = (over: Partial<LoginAttempt>): LoginAttempt => ({
      email: ADMIN.email,
      password: PASSWORD,
      secondFactor: '000000',
      clientAddress: '203.0.113.7',
      ...over,
    });

    describe('the first admin', () => {
      test('is made once, with a one-time enrolment token valid 24 h of which only the SHA-256 is stored', async () => {
        const made = await createFirstAdmin(deps(), ADMIN);
        expect(made.enrolmentToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(made.expiresAt.toISOString()).toBe('2026-03-03T09:00:00.000Z');
        const operators = await db.query(
          'SELECT id, email, display_name, status, password_hash, totp_secret, created_by FROM operators',
        );
        expect(operators.rows).toEqual([
          {
            id: made.operatorId,
            email: 'anna.smirnova@example.com',
            display_name: 'Anna Smirnova',
            status: 'active',
            password_hash: null,
            totp_secret: null,
            created_by: null,
          },
        ]);
        expect(made.operatorId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const enrolments = await db.query<{ token_hash: string }>('SELECT token_hash FROM operator_enrolments');
        expect(enrolments.rows).toEqual([
          { token_hash: createHash('sha256').update(made.enrolmentToken).digest('hex') },
        ]);
        expect(JSON.stringify(enrolments.rows)).not.toContain(made.enrolmentToken);
      });

      test('is refused once any operator exists', async () => {
        await createFirstAdmin(deps(), ADMIN);
        const second = createFirstAdmin(deps(), { email: 'boris@example.com', displayName: 'Boris' });
        await expect(second).rejects.toBeInstanceOf(OperatorAccountError);
        await expect(second).rejects.toMatchObject({ code: 'operators_exist' });
        expect((await db.query('SELECT email FROM operators')).rows).toEqual([{ email: 'anna.smirnova@example.com' }]);
      });

      test('two racing calls make one admin', async () => {
        const results = await Promise.allSettled([
          createFirstAdmin(deps(), ADMIN),
          createFirstAdmin(deps(), { email: 'boris@example.com', displayName: 'Boris' }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect((await db.query('SELECT count(*)::int AS n FROM operators')).rows).toEqual([{ n: 1 }]);
      });

      test('what the caller adds in the same transaction (its roles) rolls back with it', async () => {
        const made = createFirstAdmin(deps(), ADMIN, async (tx, operatorId) => {
          await tx.query('SELECT 1 FROM operators WHERE id = $1', [operatorId]);
          throw new Error('role assignment failed');
        });
        await expect(made).rejects.toThrow('role assignment failed');
        expect((await db.query('SELECT count(*)::int AS n FROM operators')).rows).toEqual([{ n: 0 }]);
        expect((await db.query('SELECT count(*)::int AS n FROM operator_enrolments')).rows).toEqual([{ n: 0 }]);
      });

      test('needs an e-mail and a name (zod): invalid_argument names the fields, not the values', async () => {
        const made = createFirstAdmin(deps(), { email: 'not an e-mail', displayName: '  ' });
        await expect(made).rejects.toMatchObject({
          code: 'invalid_argument',
          issues: [{ path: 'email' }, { path: 'displayName' }],
        });
        await expect(made).rejects.not.toThrow(/not an e-mail/);
      });
    });

    describe('enrolment', () => {
      test('offers one TOTP secret (the same at every opening) and an otpauth:// URI for it', async () => {
        const { enrolmentToken } = await createFirstAdmin(deps(), ADMIN);
        const first = await openEnrolment(deps(), enrolmentToken);
        const again = await openEnrolment(deps(), enrolmentToken);
        expect(first.totpSecret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes in base32
        expect(again.totpSecret).toBe(first.totpSecret);
        expect(first.email).toBe('anna.smirnova@example.com');
        expect(first.totpUri).toBe(
          `otpauth://totp/Loyalty%20Desk%20HQ:anna.smirnova%40example.com?issuer=Loyalty%20Desk%20HQ&secret=${first.totpSecret}&algorithm=SHA1&digits=6&period=30`,
        );
      });

      test('sets the password after the policy, confirms TOTP, and returns 10 recovery codes once', async () => {
        const { enrolmentToken, operatorId } = await createFirstAdmin(deps(), ADMIN);
        const { totpSecret } = await openEnrolment(deps(), enrolmentToken);
        const done = await completeEnrolment(deps(), enrolmentToken, PASSWORD, totpCode(totpSecret, clock.now));
        expect(done.operatorId).toBe(operatorId);
        expect(done.recoveryCodes).toHaveLength(10);
        expect(new Set(done.recoveryCodes).size).toBe(10);
        for (const code of done.recoveryCodes)
          expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/);
        const row = await db.query<{ password_hash: string; totp_secret: string }>(
          'SELECT password_hash, totp_secret FROM operators WHERE id = $1',
          [operatorId],
        );
        expect(row.rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
        // Sealed at rest (issue 15): not in clear, and it opens to the secret the authenticator took.
        expect(row.rows[0]?.totp_secret).not.toContain(totpSecret);
        expect(keys.open('operator-totp', row.rows[0]?.totp_secret ?? '', operatorSecretAt(operatorId))).toBe(
          totpSecret,
        );
        const stored = JSON.stringify((await db.query('SELECT * FROM operator_recovery_codes')).rows);
        for (const code of done.recoveryCodes) {
          expect(stored).not.toContain(code);
          expect(stored).not.toContain(code.replaceAll('-', ''));
        }
        expect(JSON.stringify((await db.query('SELECT * FROM operators')).rows)).not.toContain(PASSWORD);
      });

      test('refuses a weak password with its reasons and a wrong code, and stays usable', async () => {
        const { enrolmentToken } = await createFirstAdmin(deps(), ADMIN);
        const { totpSecret } = await openEnrolment(deps(), enrolmentToken);
        const weak = completeEnrolment(
          deps(),
          enrolmentToken,
          'kettle-smirnova-orbit',
          totpCode(totpSecret, clock.now),
        );
        await expect(weak).rejects.toBeInstanceOf(EnrolmentError);
        await expect(weak).rejects.toMatchObject({ code: 'password_refused', reasons: ['contains_context'] });
        const wrongCode = String((Number(totpCode(totpSecret, clock.now)) + 1) % 1_000_000).padStart(6, '0');
        await expect(completeEnrolment(deps(), enrolmentToken, PASSWORD, wrongCode)).rejects.toMatchObject({
          code: 'totp_invalid',
        });
        const done = await completeEnrolment(deps(), enrolmentToken, PASSWORD, totpCode(totpSecret, clock.now));
        expect(done.recoveryCodes).toHaveLength(10);
      });

      test('a link works once, and not after 24 h', async () => {
        const { enrolmentToken } = await createFirstAdmin(deps(), ADMIN);
        const { totpSecret } = await openEnrolment(deps(), enrolmentToken);
        await completeEnrolment(deps(), enrolmentToken, PASSWORD, totpCode(totpSecret, clock.now));
        await expect(openEnrolment(deps(), enrolmentToken)).rejects.toMatchObject({ code: 'enrolment_invalid' });
        later(30_000);
        await expect(
          completeEnrolment(deps(), enrolmentToken, PASSWORD, totpCode(totpSecret, clock.now)),
        ).rejects.toMatchObject({ code: 'enrolment_invalid' });
        await expect(openEnrolment(deps(), 'no-such-token')).rejects.toMatchObject({ code: 'enrolment_invalid' });
      });

      test('an expired link is refused like an unknown one', async () => {
        const { enrolmentToken } = await createFirstAdmin(deps(), ADMIN);
        const { totpSecret } = await openEnrolment(deps(), enrolmentToken);
        later(24 * 60 * 60 * 1000);
        await expect(
          completeEnrolment(deps(), enrolmentToken, PASSWORD, totpCode(totpSecret, clock.now)),
        ).rejects.toMatchObject({ code: 'enrolment_invalid' });
      });
    });

    describe('login', () => {
      test('password and a TOTP code computed here log in; the same code never twice', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        const code = nextCode(secret);
        expect(await verifyLogin(deps(), attempt({ secondFactor: code }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: false,
        });
        later(1_000); // same 30-s step, still within ±1
        expect(await verifyLogin(deps(), attempt({ secondFactor: code }))).toEqual(FAILED);
      });

      test('the code that confirmed enrolment is spent', async () => {
        const { enrolmentToken } = await createFirstAdmin(deps(), ADMIN);
        const { totpSecret } = await openEnrolment(deps(), enrolmentToken);
        const code = totpCode(totpSecret, clock.now);
        await completeEnrolment(deps(), enrolmentToken, PASSWORD, code);
        expect(await verifyLogin(deps(), attempt({ secondFactor: code }))).toEqual(FAILED);
      });

      test('e-mail case and surrounding spaces do not matter', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        const result = await verifyLogin(
          deps(),
          attempt({ email: '  ANNA.smirnova@example.COM ', secondFactor: nextCode(secret) }),
        );
        expect(result).toEqual({ ok: true, operatorId, usedRecoveryCode: false });
      });

      test('a wrong password, a wrong code, an unknown e-mail and a disabled account all answer login_failed', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        const answers = [
          await verifyLogin(deps(), attempt({ password: 'violet kettle 42 marsH', secondFactor: nextCode(secret) })),
          await verifyLogin(deps(), attempt({ secondFactor: '123456' })),
          await verifyLogin(deps(), attempt({ email: 'nobody@example.com', secondFactor: nextCode(secret) })),
          await verifyLogin(deps(), attempt({ secondFactor: 'not a code' })),
        ];
        await db.query(`UPDATE operators SET status = 'disabled' WHERE id = $1`, [operatorId]);
        // from another address: this one's 5th failure would add a wait (tested below)
        answers.push(
          await verifyLogin(deps(), attempt({ clientAddress: '198.51.100.9', secondFactor: nextCode(secret) })),
        );
        expect(answers).toEqual([FAILED, FAILED, FAILED, FAILED, FAILED]);
      });

      test('a wrong password does not spend the TOTP step', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        const code = nextCode(secret);
        expect(await verifyLogin(deps(), attempt({ password: 'wrong wrong wrong', secondFactor: code }))).toEqual(
          FAILED,
        );
        expect(await verifyLogin(deps(), attempt({ secondFactor: code }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: false,
        });
      });

      test('a recovery code works once, typed in any case with spaces', async () => {
        const { operatorId, recoveryCodes } = await enrolledAdmin();
        const [first = '', second = ''] = recoveryCodes;
        expect(await verifyLogin(deps(), attempt({ secondFactor: first }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: true,
        });
        expect(await verifyLogin(deps(), attempt({ secondFactor: first }))).toEqual(FAILED);
        const typed = ` ${second.toLowerCase().replaceAll('-', ' ')} `;
        expect(await verifyLogin(deps(), attempt({ secondFactor: typed }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: true,
        });
        const unused = await db.query('SELECT count(*)::int AS n FROM operator_recovery_codes WHERE used_at IS NULL');
        expect(unused.rows).toEqual([{ n: 8 }]);
      });

      test('a recovery code with a wrong password is not spent', async () => {
        const { operatorId, recoveryCodes } = await enrolledAdmin();
        const code = recoveryCodes[0] ?? '';
        expect(await verifyLogin(deps(), attempt({ password: 'wrong wrong wrong', secondFactor: code }))).toEqual(
          FAILED,
        );
        expect(await verifyLogin(deps(), attempt({ secondFactor: code }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: true,
        });
      });
    });

    describe('throttling and lockout', () => {
      /** Ten wrong passwords, each sent as soon as the previous answer allows. */
      async function tenFailures(email: string, clientAddress: string) {
        const answers = [];
        for (let i = 0; i < 10; i++) {
          const answer = await verifyLogin(
            deps(),
            attempt({ email, clientAddress, password: 'wrong wrong wrong', secondFactor: '123456' }),
          );
          answers.push(answer);
          if (!answer.ok && answer.retryAfterSeconds !== undefined) later(answer.retryAfterSeconds * 1000);
        }
        return answers;
      }

      const TEN_FAILURES = [
        FAILED,
        FAILED,
        FAILED,
        FAILED,
        { ...FAILED, retryAfterSeconds: 2 },
        { ...FAILED, retryAfterSeconds: 4 },
        { ...FAILED, retryAfterSeconds: 8 },
        { ...FAILED, retryAfterSeconds: 16 },
        { ...FAILED, retryAfterSeconds: 32 },
        { ...FAILED, retryAfterSeconds: 64 },
      ];

      test('from the 5th failure each try waits longer; after 10 the account is locked until an admin unlocks it', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        expect(await tenFailures(ADMIN.email, '203.0.113.7')).toEqual(TEN_FAILURES);
        const locked = await db.query('SELECT locked_at FROM operators WHERE id = $1', [operatorId]);
        expect(locked.rows).toEqual([{ locked_at: new Date('2026-03-02T09:01:02.000Z') }]); // 2+4+8+16+32 s

        later(2 * 60 * 60 * 1000); // long past every wait
        expect(await verifyLogin(deps(), attempt({ secondFactor: nextCode(secret) }))).toEqual(FAILED);

        await unlockOperator(deps(), operatorId);
        expect(await verifyLogin(deps(), attempt({ secondFactor: nextCode(secret) }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: false,
        });
      });

      test('unlocking an operator that does not exist is operator_not_found', async () => {
        await expect(unlockOperator(deps(), 'no-such-operator')).rejects.toMatchObject({
          code: 'operator_not_found',
        });
      });

      test('an unknown e-mail gets exactly the answers an existing account gets', async () => {
        await enrolledAdmin();
        const known = await tenFailures(ADMIN.email, '203.0.113.7');
        const unknown = await tenFailures('nobody@example.com', '198.51.100.9');
        expect(unknown).toEqual(known);
        expect(unknown).toEqual(TEN_FAILURES);
      });

      test('a try sooner than the wait is refused unchecked, right credentials too, and not counted', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        for (let i = 0; i < 5; i++) await verifyLogin(deps(), attempt({ password: 'wrong wrong wrong' }));
        later(1_000);
        expect(
          await verifyLogin(
            deps(),
            attempt({ secondFactor: totpCode(secret, new Date(clock.now.getTime() + 30_000)) }),
          ),
        ).toEqual({
          ...FAILED,
          retryAfterSeconds: 1,
        });
        const failures = await db.query('SELECT count(*)::int AS n FROM operator_login_failures');
        expect(failures.rows).toEqual([{ n: 5 }]);
        later(1_000);
        expect(await verifyLogin(deps(), attempt({ secondFactor: nextCode(secret) }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: false,
        });
      });

      test('a burst of parallel tries is throttled like sequential ones: of 8 at once, 5 are checked', async () => {
        await enrolledAdmin();
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => verifyLogin(deps(), attempt({ password: 'wrong wrong wrong' }))),
        );
        expect(answers.filter((answer) => answer.ok)).toEqual([]);
        const failures = await db.query('SELECT count(*)::int AS n FROM operator_login_failures');
        expect(failures.rows).toEqual([{ n: 5 }]);
      });

      test('failures survive a restart: a new module instance on the same database still makes the 6th try wait', async () => {
        const { secret } = await enrolledAdmin();
        for (let i = 0; i < 5; i++) await verifyLogin(deps(), attempt({ password: 'wrong wrong wrong' }));
        vi.resetModules();
        const restarted = await import('../../packages/hq/src/operators/operator-accounts');
        expect(restarted.verifyLogin).not.toBe(verifyLogin);
        // On PostgreSQL also a new connection pool, as a restarted HQ process would open.
        const reopened = url === undefined ? db : await openPostgresDatabase(url);
        try {
          const answer = await restarted.verifyLogin(
            { db: reopened, now: () => clock.now, random: randomBytes, keys },
            attempt({ secondFactor: totpCode(secret, new Date(clock.now.getTime() + 30_000)) }),
          );
          expect(answer).toEqual({ ...FAILED, retryAfterSeconds: 2 });
        } finally {
          if (reopened !== db) await reopened.close();
        }
      });

      test('a successful login clears the failures of its account', async () => {
        const { operatorId, secret } = await enrolledAdmin();
        for (let i = 0; i < 3; i++) await verifyLogin(deps(), attempt({ password: 'wrong wrong wrong' }));
        expect(await verifyLogin(deps(), attempt({ secondFactor: nextCode(secret) }))).toEqual({
          ok: true,
          operatorId,
          usedRecoveryCode: false,
        });
        const answers = [];
        for (let i = 0; i < 4; i++) {
          answers.push(
            await verifyLogin(deps(), attempt({ clientAddress: '198.51.100.9', password: 'wrong wrong wrong' })),
          );
        }
        expect(answers).toEqual([FAILED, FAILED, FAILED, FAILED]);
      });

      test('one address trying many e-mails waits from its 5th failure; another address does not', async () => {
        const emails = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com'];
        const answers = [];
        for (const email of emails)
          answers.push(await verifyLogin(deps(), attempt({ email, clientAddress: '2001:db8:1:2::10' })));
        expect(answers).toEqual([FAILED, FAILED, FAILED, FAILED, { ...FAILED, retryAfterSeconds: 2 }]);
        // the same /64
        expect(
          await verifyLogin(deps(), attempt({ email: 'f@example.com', clientAddress: '2001:db8:1:2::99' })),
        ).toEqual({
          ...FAILED,
          retryAfterSeconds: 2,
        });
        expect(
          await verifyLogin(deps(), attempt({ email: 'f@example.com', clientAddress: '2001:db8:1:3::10' })),
        ).toEqual(FAILED);
      });

      test('the failure log holds no e-mail and no password', async () => {
        await verifyLogin(deps(), attempt({ email: 'nobody@example.com', password: 'secret guess 1234' }));
        const rows = JSON.stringify((await db.query('SELECT * FROM operator_login_failures')).rows);
        expect(rows).not.toContain('nobody');
        expect(rows).not.toContain('secret guess');
      });
    });
  });
});
