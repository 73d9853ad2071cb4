import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionStore } from '../../src/main/auth/session';
import { createRouter, type Handlers } from '../../src/main/ipc/router';
import { createMemoryLogger } from '../../src/main/logging/logger';
import { PERMISSIONS, ROLES, roleHasPermission, type Role } from '../../src/shared/auth/permissions';
import type { IpcResult } from '../../src/shared/errors';
import { CHANNELS, type Channel } from '../../src/shared/ipc/channels';
import { contract } from '../../src/shared/ipc/contract';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { OWN_FRAME, startTestApp, type TestApp } from '../support/app';
import { CONSENTS } from '../support/members';

/** A valid request for every channel, so each table row reaches the permission check. */
const SOME_UUID = '0190a8e2-7c4b-7d2a-9f00-123456789abc';
const VALID_REQUESTS: Record<Channel, unknown> = {
  'app.getInfo': {},
  'app.setLanguage': { language: 'ru' },
  'session.current': {},
  'session.login': { staffId: 'nobody', pin: '739164' },
  'session.lock': {},
  'session.touch': {},
  'staff.roster': {},
  'staff.bootstrap': { displayName: 'First Manager', pin: '739164' },
  'staff.changeOwnPin': { currentPin: '111111', newPin: '739164' },
  'staff.add': { displayName: 'New Cashier', role: 'cashier', temporaryPin: '739164' },
  'staff.resetPin': { staffId: 'someone', temporaryPin: '739164', approvalId: SOME_UUID },
  'staff.unlock': { staffId: 'someone', approvalId: SOME_UUID },
  'approvals.grant': {
    subject: { action: 'staff.unlock', payload: { staffId: 'someone' }, reasonCode: 'locked_out' },
    managerId: 'manager',
    pin: '739164',
  },
  'approvals.request': { action: 'staff.unlock', payload: { staffId: 'someone' }, reasonCode: 'locked_out' },
  'approvals.list': {},
  'approvals.decide': { approvalId: SOME_UUID, decision: 'deny', pin: '739164' },
  'audit.list': {},
  'audit.verify': {},
  'settings.setStoreRegion': { region: 'DE' },
  'settings.setIdleLock': { seconds: 300 },
  'members.enroll': {
    givenName: 'Ada',
    familyName: 'Lovelace',
    email: 'ada@example.org',
    cardNumber: withCheckDigit('600400000001'),
    consents: CONSENTS,
  },
  'members.find': { query: 'ada' },
  'members.get': { memberId: 'm-1' },
  'members.update': { memberId: 'm-1', givenName: 'Ada' },
  'members.setConsent': {
    memberId: 'm-1',
    purpose: 'marketing_email',
    granted: false,
    noticeVersion: CONSENTS.noticeVersion,
    noticeLanguage: 'en',
  },
  'members.revealContacts': { memberId: 'm-1', reasonCode: 'member_request' },
  'members.nextCardNumber': {},
  'privacy.notice': { language: 'en' },
  'points.rules': {},
  'points.quote': { memberId: 'm-1', amountMinor: 1250 },
  'points.earn': { memberId: 'm-1', amountMinor: 1250, reference: 'R-1' },
  'points.redeem': { memberId: 'm-1', rewardId: 'coffee' },
  'points.adjust': { memberId: 'm-1', points: 50, approvalId: SOME_UUID },
  'points.reverse': { opId: SOME_UUID, approvalId: SOME_UUID },
  'rewards.list': {},
  'sync.status': {},
  'sync.runNow': {},
  'sync.dayEnd': {},
  'sync.probeHq': { hqUrl: 'https://127.0.0.1:9' },
  'sync.pair': {
    hqUrl: 'https://127.0.0.1:9',
    pairingCode: 'ABCD-EFGH-JKMN',
    deviceName: 'Till 1',
    certSha256: Array.from({ length: 32 }, () => 'AB').join(':'),
  },
};

function memberCount(app: TestApp): number {
  return (app.services.database.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
}

function settingsRows(app: TestApp): unknown[] {
  return app.services.database.db.prepare('SELECT key, value FROM settings ORDER BY key').all();
}

/** Every row of every table: a refused call must leave all of it exactly as it was. */
function snapshotAll(app: TestApp): Record<string, unknown[]> {
  const { db } = app.services.database;
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
}

const GATE_CODES = ['not_authenticated', 'permission_denied', 'pin_change_required'];

describe('IPC router', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await startTestApp();
  });
  afterEach(async () => {
    await app.dispose();
  });

  it('has a valid request in this table for every channel of the contract', () => {
    expect(Object.keys(VALID_REQUESTS).sort()).toEqual([...CHANNELS].sort());
    for (const channel of CHANNELS)
      expect(contract[channel].request.safeParse(VALID_REQUESTS[channel]).success, channel).toBe(true);
  });

  describe('permissions: every channel for every role and for no session', () => {
    const cases: { channel: Channel; who: Role | 'none' }[] = [];
    for (const channel of CHANNELS) for (const who of [...ROLES, 'none' as const]) cases.push({ channel, who });

    it.each(cases)('$channel as $who', async ({ channel, who }) => {
      if (who === 'none') app.services.sessions.lock('manual');
      else
        app.services.sessions.open({
          staffId: `s-${who}`,
          displayName: who,
          role: who,
          startedAt: new Date().toISOString(),
        });
      const before = snapshotAll(app);
      const result = (await app.services.router.handle(
        channel,
        VALID_REQUESTS[channel],
        OWN_FRAME,
      )) as IpcResult<unknown>;
      const permission = contract[channel].permission;
      const allowed = permission === 'public' || (who !== 'none' && roleHasPermission(who, permission));
      if (allowed) {
        // Reaching the service is what this table proves; the service may still say no (e.g. no such approval).
        if (!result.ok) expect(GATE_CODES, `${channel}: ${result.error.code}`).not.toContain(result.error.code);
        if (!result.ok) expect(result.error.code, channel).not.toBe('internal_error');
      } else {
        expect(result.ok).toBe(false);
        expect(!result.ok && result.error.code).toBe(who === 'none' ? 'not_authenticated' : 'permission_denied');
        expect(snapshotAll(app)).toEqual(before);
      }
    });

    it.each(CHANNELS.filter((c) => contract[c].permission !== 'public' && !('duringPinChange' in contract[c])))(
      '%s is refused while the session must change its temporary PIN',
      async (channel) => {
        app.services.sessions.open({
          staffId: 's-temp',
          displayName: 'Temp',
          role: 'manager',
          startedAt: new Date().toISOString(),
          mustChangePin: true,
        });
        const before = snapshotAll(app);
        const result = await app.services.router.handle(channel, VALID_REQUESTS[channel], OWN_FRAME);
        expect(result).toMatchObject({ ok: false, error: { code: 'pin_change_required' } });
        expect(snapshotAll(app)).toEqual(before);
      },
    );
  });

  it('lets a session with a temporary PIN do nothing but change it (and report activity)', () => {
    const allowed = CHANNELS.filter((c) => contract[c].permission !== 'public' && 'duringPinChange' in contract[c]);
    expect(allowed.sort()).toEqual(['session.touch', 'staff.changeOwnPin']);
  });

  it('refuses a cashier changing a manager-only setting, with no side effect', async () => {
    const before = settingsRows(app);
    const result = await app.call<IpcResult<unknown>>('settings.setStoreRegion', { region: 'US' });
    expect(result).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
    expect(settingsRows(app)).toEqual(before);
  });

  it.each([
    ['no frame (navigated away or destroyed)', { senderUrl: null, isTopFrame: false }],
    ['an iframe of our own page', { senderUrl: 'app://loyalty/index.html', isTopFrame: false }],
    ['a foreign web page', { senderUrl: 'https://evil.example/', isTopFrame: true }],
    ['a look-alike origin', { senderUrl: 'app://loyalty.evil/index.html', isTopFrame: true }],
    ['a local file', { senderUrl: 'file:///tmp/index.html', isTopFrame: true }],
  ])('refuses a call from %s before anything runs', async (_label, context) => {
    const result = await app.services.router.handle('members.enroll', VALID_REQUESTS['members.enroll'], context);
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(memberCount(app)).toBe(0);
  });

  it.each([['members.delete'], ['__proto__'], ['constructor'], [''], [42], [null]])(
    'refuses unknown channel %s',
    async (channel) => {
      const result = await app.services.router.handle(channel, {}, OWN_FRAME);
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    },
  );

  it.each([
    ['undefined payload', undefined],
    ['an array', []],
    ['a string', 'givenName=Ada'],
    ['an unknown field', { ...(VALID_REQUESTS['members.enroll'] as object), isAdmin: true }],
    [
      'a __proto__ key',
      JSON.parse(
        '{"givenName":"Ada","familyName":"L","email":"a@b.co","cardNumber":"6004000000013","__proto__":{"polluted":1}}',
      ),
    ],
    ['a number for a name', { ...(VALID_REQUESTS['members.enroll'] as object), givenName: 7 }],
  ])('refuses %s with validation_failed and writes nothing', async (_label, payload) => {
    const result = await app.call<IpcResult<unknown>>('members.enroll', payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(memberCount(app)).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('turns a response that breaks the contract into internal_error', async () => {
    const sessions = createSessionStore();
    const logger = createMemoryLogger();
    const handlers = {
      'app.getInfo': () => ({ version: 1 }),
    } as unknown as Handlers;
    const router = createRouter({ handlers, sessions, logger, isTrustedSenderUrl: () => true });
    const result = await router.handle('app.getInfo', {}, OWN_FRAME);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    expect(logger.lines.join('\n')).toContain('ipc.bad_response');
  });

  it('turns an unexpected exception into internal_error without leaking its message', async () => {
    const sessions = createSessionStore();
    const logger = createMemoryLogger();
    const handlers = {
      'app.getInfo': () => {
        throw new Error('UNIQUE constraint failed: Ada Lovelace +447700900123');
      },
    } as unknown as Handlers;
    const router = createRouter({ handlers, sessions, logger, isTrustedSenderUrl: () => true });
    const result = await router.handle('app.getInfo', {}, OWN_FRAME);
    expect(result).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    const everything = JSON.stringify(result) + logger.lines.join('\n');
    expect(everything).not.toMatch(/Ada|Lovelace|447700900123/);
  });

  it('every permission in the matrix is either granted to a role or reserved, and managers hold all cashier permissions', () => {
    for (const permission of PERMISSIONS) {
      if (roleHasPermission('cashier', permission)) expect(roleHasPermission('manager', permission)).toBe(true);
    }
    expect(roleHasPermission('cashier', 'settings.manage')).toBe(false);
    expect(roleHasPermission('cashier', 'members.reveal_contacts')).toBe(false);
    expect(roleHasPermission('cashier', 'members.enroll')).toBe(true);
  });
});
