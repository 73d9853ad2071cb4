// WebAuthn passkeys as the console's optional second factor beside TOTP, through the real HTTPS API,
// with a software authenticator written here: a P-256 key from node:crypto, client data, authenticator
// data and a 'none' attestation object encoded in CBOR, signatures made as an authenticator makes them.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONSOLE_API_PREFIX } from '../../packages/hq/src/console/contract';
import { accountKey } from '../../packages/hq/src/operators/login-throttle';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import {
  TEST_PASSWORD,
  clientFor,
  consoleRequest,
  firstAdmin,
  login,
  operatorWith,
  sessionCookieFrom,
  type ConsoleClient,
  type EnrolledOperator,
  type RawResponse,
} from './support/console';

const b64url = (bytes: Uint8Array | Buffer): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED = 0x40;

/** A FIDO2 authenticator in software: one discoverable ES256 credential and its signature counter. */
class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  counter = 0;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The credential's public key as a COSE_Key map (EC2, ES256, P-256). */
  private coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
      ]),
    );
  }

  private authenticatorData(rpId: string, counter: number, attested: boolean): Buffer {
    const flags = FLAG_USER_PRESENT | FLAG_USER_VERIFIED | (attested ? FLAG_ATTESTED : 0);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const parts = [sha256(rpId), Buffer.from([flags]), count];
    if (attested) {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), length, this.credentialId, Buffer.from(this.coseKey()));
    }
    return Buffer.concat(parts);
  }

  /** What navigator.credentials.create() gives for `options` at `origin` (attestation 'none'). */
  register(options: CreationOptions, origin: string): Record<string, unknown> {
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }),
    );
    const authData = this.authenticatorData(options.rp.id, this.counter, true);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as Parameters<typeof isoCBOR.encode>[0],
    );
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /**
   * What navigator.credentials.get() gives for `challenge` at `origin`; the counter goes up by one
   * unless `counter` says what to sign (a clone's stale counter).
   */
  assert(
    rpId: string,
    challenge: string,
    origin: string,
    options: { counter?: number; type?: string } = {},
  ): Record<string, unknown> {
    const counter = options.counter ?? (this.counter += 1);
    const clientDataJSON = Buffer.from(
      JSON.stringify({ type: options.type ?? 'webauthn.get', challenge, origin, crossOrigin: false }),
    );
    const authData = this.authenticatorData(rpId, counter, false);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: b64url(this.credentialId),
      rawId: b64url(this.credentialId),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }
}

interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: Record<string, unknown>;
  attestation?: string;
}

interface RequestOptions {
  challenge: string;
  rpId: string;
  allowCredentials?: unknown[];
  userVerification?: string;
  timeout?: number;
}

const LOGIN_FAILED = { code: 'login_failed', message: 'The e-mail, password or code is not right.' };

describe.each(BACKENDS)('console passkeys on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let origin: string;
    let admin: { client: ConsoleClient; enrolled: EnrolledOperator };
    const authenticator = new SoftAuthenticator();

    beforeAll(async () => {
      hq = await startTestHq(backend, { console: { publicHost: 'localhost' } });
      origin = hq.url.replace('127.0.0.1', 'localhost');
      admin = await firstAdmin(hq);
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    /** A fresh console session for the admin (the refusal tests move the clock past the idle timeout). */
    async function adminSession(): Promise<ConsoleClient> {
      admin.client = await login(hq, admin.enrolled);
      return admin.client;
    }

    async function loginOptions(email: string): Promise<RequestOptions> {
      const answer = await consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/login/passkey-options`, {
        body: { email },
        headers: { origin: hq.url },
      });
      expect(answer.status, answer.text).toBe(200);
      return (answer.body as { options: RequestOptions }).options;
    }

    function loginWithPasskey(email: string, password: string, assertion: unknown): Promise<RawResponse> {
      return consoleRequest(hq, 'POST', `${CONSOLE_API_PREFIX}/login/passkey`, {
        body: { email, password, assertion },
        headers: { origin: hq.url },
      });
    }

    async function failuresOf(email: string): Promise<number> {
      const rows = await hq.db.query<{ n: unknown }>(
        'SELECT count(*) AS n FROM operator_login_failures WHERE account_key = $1',
        [accountKey(email)],
      );
      return Number(rows.rows[0]?.n);
    }

    async function lastAudit(): Promise<{ action: string; operator_id: string | null; details: unknown }> {
      const rows = await hq.db.query<{ action: string; operator_id: string | null; details: unknown }>(
        'SELECT action, operator_id, details FROM operator_audit ORDER BY seq DESC LIMIT 1',
      );
      const row = rows.rows[0];
      if (!row) throw new Error('no audit entry');
      return { ...row, details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details };
    }

    /** Registers `device` for the client's operator through the API; returns the new passkey's id. */
    async function registerPasskey(client: ConsoleClient, device: SoftAuthenticator, label: string): Promise<string> {
      const options = await client.call('passkeyRegistrationOptions', {});
      expect(options.status, options.text).toBe(200);
      const created = (options.body as { options: CreationOptions }).options;
      const registered = await client.call('registerPasskey', {
        label,
        registration: device.register(created, origin),
      });
      expect(registered.status, registered.text).toBe(200);
      return (registered.body as { passkeyId: string }).passkeyId;
    }

    /** The next refusal starts with a clean throttle: 16 minutes later (past the 15-minute window). */
    function afterThrottleWindow(): void {
      hq.clock.now = new Date(hq.clock.now.getTime() + 16 * 60_000);
    }

    test('an operator adds a passkey: options for this host name, attestation none, stored and audited', async () => {
      const before = await admin.client.call('listPasskeys');
      expect(before.status).toBe(200);
      expect(before.body).toEqual({ available: true, passkeys: [] });

      const options = await admin.client.call('passkeyRegistrationOptions', {});
      expect(options.status, options.text).toBe(200);
      const created = (options.body as { options: CreationOptions }).options;
      expect(created.rp).toEqual({ id: 'localhost', name: 'Loyalty Desk HQ' });
      expect(created.attestation).toBe('none');
      expect(created.user.name).toBe('admin@chain.example');
      expect(created.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true });

      const registered = await admin.client.call('registerPasskey', {
        label: 'Office laptop',
        registration: authenticator.register(created, origin),
      });
      expect(registered.status, registered.text).toBe(200);
      const { passkeyId } = registered.body as { passkeyId: string };
      expect(await lastAudit()).toEqual({
        action: 'operator.second_factor_changed',
        operator_id: admin.enrolled.operatorId,
        details: { change: 'passkey_added', passkeyId },
      });

      const after = await admin.client.call('listPasskeys');
      expect(after.body).toEqual({
        available: true,
        passkeys: [{ passkeyId, label: 'Office laptop', createdAt: hq.clock.now.toISOString(), lastUsedAt: null }],
      });
      const stored = await hq.db.query<{ credential_id: string; sign_count: unknown; transports: string }>(
        'SELECT credential_id, sign_count, transports FROM operator_passkeys WHERE id = $1',
        [passkeyId],
      );
      expect(stored.rows.map((row) => ({ ...row, sign_count: Number(row.sign_count) }))).toEqual([
        { credential_id: b64url(authenticator.credentialId), sign_count: 0, transports: 'internal' },
      ]);
    });

    test('a registration answering a used challenge, another origin or a registered credential is refused', async () => {
      const options = (await admin.client.call('passkeyRegistrationOptions', {})).body as { options: CreationOptions };
      const other = new SoftAuthenticator();
      const wrongOrigin = await admin.client.call('registerPasskey', {
        label: 'Phishing',
        registration: other.register(options.options, 'https://localhost.evil.example'),
      });
      expect(wrongOrigin.status).toBe(422);
      expect(wrongOrigin.body).toMatchObject({ code: 'passkey_invalid' });

      const neverIssued = await admin.client.call('registerPasskey', {
        label: 'Made up',
        registration: other.register({ ...options.options, challenge: b64url(randomBytes(32)) }, origin),
      });
      expect(neverIssued.status).toBe(422);
      expect(neverIssued.body).toMatchObject({ code: 'passkey_invalid' });

      const fresh = (await admin.client.call('passkeyRegistrationOptions', {})).body as { options: CreationOptions };
      const again = await admin.client.call('registerPasskey', {
        label: 'Same key twice',
        registration: authenticator.register(fresh.options, origin),
      });
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ code: 'passkey_invalid' });
      expect(((await admin.client.call('listPasskeys')).body as { passkeys: unknown[] }).passkeys).toHaveLength(1);
    });

    test('login options look the same for an account with passkeys, one without and an unknown e-mail', async () => {
      const shapes = [];
      for (const email of ['admin@chain.example', 'nobody@chain.example']) {
        const options = await loginOptions(email);
        expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
        shapes.push({ ...options, challenge: 'x' });
      }
      expect(shapes[0]).toEqual({
        challenge: 'x',
        rpId: 'localhost',
        allowCredentials: [],
        userVerification: 'preferred',
        timeout: 300_000,
      });
      expect(shapes[1]).toEqual(shapes[0]);
    });

    test('password and passkey sign in: a new session, the same cookie and audit as a TOTP login', async () => {
      afterThrottleWindow();
      const options = await loginOptions(admin.enrolled.email);
      const answer = await loginWithPasskey(
        admin.enrolled.email,
        TEST_PASSWORD,
        authenticator.assert(options.rpId, options.challenge, origin),
      );
      expect(answer.status, answer.text).toBe(200);
      const cookieLine = ([] as string[]).concat(answer.headers['set-cookie'] ?? [])[0] ?? '';
      expect(cookieLine).toMatch(/^__Host-ldhq_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict;/);
      expect(answer.body).toMatchObject({
        operator: { id: admin.enrolled.operatorId, email: 'admin@chain.example' },
      });
      expect(await lastAudit()).toEqual({
        action: 'operator.login',
        operator_id: admin.enrolled.operatorId,
        details: { secondFactor: 'passkey' },
      });
      const session = clientFor(
        hq,
        admin.enrolled.operatorId,
        admin.enrolled.email,
        sessionCookieFrom(answer),
        (answer.body as { csrfToken: string }).csrfToken,
      );
      const listed = await session.call('listPasskeys');
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ passkeys: [{ lastUsedAt: hq.clock.now.toISOString() }] });
      const stored = await hq.db.query<{ sign_count: unknown }>('SELECT sign_count FROM operator_passkeys');
      expect(Number(stored.rows[0]?.sign_count)).toBe(authenticator.counter);
      admin.client = session;
    });

    describe('every refusal is the one login_failed and counts towards the throttle', () => {
      async function refused(assertion: (options: RequestOptions) => unknown, password = TEST_PASSWORD) {
        afterThrottleWindow();
        const email = admin.enrolled.email;
        const options = await loginOptions(email);
        const failures = await failuresOf(email);
        const answer = await loginWithPasskey(email, password, assertion(options));
        expect(answer.status, answer.text).toBe(401);
        expect(answer.body).toEqual(LOGIN_FAILED);
        expect(answer.headers['set-cookie']).toBeUndefined();
        expect(await failuresOf(email)).toBe(failures + 1);
        expect((await lastAudit()).action).toBe('operator.login_failed');
      }

      test('the wrong password with a good passkey', async () => {
        await refused((o) => authenticator.assert(o.rpId, o.challenge, origin), 'not the password at all');
      });

      test('a challenge HQ never handed out', async () => {
        await refused((o) => authenticator.assert(o.rpId, b64url(randomBytes(32)), origin));
      });

      test('a replayed assertion (its challenge is spent)', async () => {
        afterThrottleWindow();
        const options = await loginOptions(admin.enrolled.email);
        const assertion = authenticator.assert(options.rpId, options.challenge, origin);
        const first = await loginWithPasskey(admin.enrolled.email, TEST_PASSWORD, assertion);
        expect(first.status, first.text).toBe(200);
        await refused(() => assertion);
      });

      test("a cloned authenticator's lower or equal counter", async () => {
        await refused((o) => authenticator.assert(o.rpId, o.challenge, origin, { counter: authenticator.counter - 1 }));
        await refused((o) => authenticator.assert(o.rpId, o.challenge, origin, { counter: authenticator.counter }));
      });

      test('client data from another origin', async () => {
        await refused((o) => authenticator.assert(o.rpId, o.challenge, 'https://localhost.evil.example'));
      });

      test('an assertion signed for another RP ID', async () => {
        await refused((o) => authenticator.assert('evil.example', o.challenge, origin));
      });

      test('a credential HQ does not know', async () => {
        const stranger = new SoftAuthenticator();
        await refused((o) => stranger.assert(o.rpId, o.challenge, origin));
      });

      test('an unknown e-mail with a registered passkey answers the same', async () => {
        afterThrottleWindow();
        const options = await loginOptions('nobody@chain.example');
        const answer = await loginWithPasskey(
          'nobody@chain.example',
          TEST_PASSWORD,
          authenticator.assert(options.rpId, options.challenge, origin),
        );
        expect(answer.status).toBe(401);
        expect(answer.body).toEqual(LOGIN_FAILED);
      });
    });

    test('quick failures are throttled: from the 5th in a row the answer says wait, even for the right passkey', async () => {
      afterThrottleWindow();
      const made = await operatorWith(hq, await adminSession(), ['auditor']);
      const device = new SoftAuthenticator();
      await registerPasskey(made.client, device, 'Key');
      afterThrottleWindow();
      const email = made.enrolled.email;
      const attempt = async (password: string) => {
        const options = await loginOptions(email);
        return loginWithPasskey(email, password, device.assert(options.rpId, options.challenge, origin));
      };
      for (let i = 0; i < 4; i += 1)
        expect((await attempt('wrong password')).body, `try ${i + 1}`).toEqual(LOGIN_FAILED);
      const fifth = await attempt('wrong password');
      expect(fifth.status).toBe(429);
      expect(fifth.body).toEqual({ ...LOGIN_FAILED, code: 'too_many_requests', retryAfterSeconds: 2 });
      const sixth = await attempt(TEST_PASSWORD);
      expect(sixth.status).toBe(429);
      expect(sixth.body).toEqual({ ...LOGIN_FAILED, code: 'too_many_requests', retryAfterSeconds: 2 });
      expect(await failuresOf(email)).toBe(5);
      hq.clock.now = new Date(hq.clock.now.getTime() + 2_000);
      const waited = await attempt(TEST_PASSWORD);
      expect(waited.status, waited.text).toBe(200);
    });

    test('removing a passkey is audited, the passkey no longer signs in, and TOTP still does', async () => {
      afterThrottleWindow();
      const client = await adminSession();
      const listed = (await client.call('listPasskeys')).body as { passkeys: { passkeyId: string }[] };
      const passkeyId = listed.passkeys[0]?.passkeyId ?? '';
      const removed = await client.call('removePasskey', { passkeyId });
      expect(removed.status, removed.text).toBe(200);
      expect(await lastAudit()).toEqual({
        action: 'operator.second_factor_changed',
        operator_id: admin.enrolled.operatorId,
        details: { change: 'passkey_removed', passkeyId },
      });
      const again = await client.call('removePasskey', { passkeyId });
      expect(again.status).toBe(404);
      expect(again.body).toMatchObject({ code: 'not_found' });
      expect((await client.call('listPasskeys')).body).toEqual({ available: true, passkeys: [] });

      afterThrottleWindow();
      const options = await loginOptions(admin.enrolled.email);
      const answer = await loginWithPasskey(
        admin.enrolled.email,
        TEST_PASSWORD,
        authenticator.assert(options.rpId, options.challenge, origin),
      );
      expect(answer.body).toEqual(LOGIN_FAILED);
      afterThrottleWindow();
      await expect(login(hq, admin.enrolled)).resolves.toMatchObject({ operatorId: admin.enrolled.operatorId });
    });

    test("an operator cannot remove another operator's passkey", async () => {
      afterThrottleWindow();
      const client = await adminSession();
      const mine = await registerPasskey(client, new SoftAuthenticator(), 'Admin key');
      const other = await operatorWith(hq, client, ['store_operations']);
      const refused = await other.client.call('removePasskey', { passkeyId: mine });
      expect(refused.status).toBe(404);
      expect(refused.body).toMatchObject({ code: 'not_found' });
      const stillThere = await hq.db.query('SELECT 1 FROM operator_passkeys WHERE id = $1', [mine]);
      expect(stillThere.rows).toHaveLength(1);
    });

    test('opened by an IP address, the console says passkeys are unavailable and refuses them', async () => {
      if (!hq.masterKey) throw new Error('the test HQ has no master key');
      const byAddress = await startTestHq(backend, { sharedWith: hq, console: { masterKey: hq.masterKey } });
      try {
        afterThrottleWindow();
        const client = await login(byAddress, admin.enrolled);
        const listed = await client.call('listPasskeys');
        expect(listed.status).toBe(200);
        expect(listed.body).toMatchObject({ available: false });
        const options = await client.call('passkeyRegistrationOptions', {});
        expect(options.status).toBe(409);
        expect(options.body).toMatchObject({ code: 'passkey_unavailable' });
        const loginOptions = await consoleRequest(byAddress, 'POST', `${CONSOLE_API_PREFIX}/login/passkey-options`, {
          body: { email: admin.enrolled.email },
        });
        expect(loginOptions.status).toBe(409);
        expect(loginOptions.body).toMatchObject({ code: 'passkey_unavailable' });
      } finally {
        await byAddress.close();
      }
    });
  });
});
