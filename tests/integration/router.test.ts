import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSessionStore } from '../../src/main/auth/session';
import { createRouter, type Handlers } from '../../src/main/ipc/router';
import { createMemoryLogger } from '../../src/main/logging/logger';
import { PERMISSIONS, roleHasPermission } from '../../src/shared/auth/permissions';
import type { IpcResult } from '../../src/shared/errors';
import { CHANNELS, type Channel } from '../../src/shared/ipc/channels';
import { contract } from '../../src/shared/ipc/contract';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { OWN_FRAME, startTestApp, withRequestId, type TestApp } from '../support/app';
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
  'audit.export': { language: 'en' },
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
  'members.requestErasure': { memberId: 'm-1', reasonCode: 'member_request', memberPresent: true, pin: '739164' },
  'members.exportData': {
    requestId: SOME_UUID,
    memberId: 'm-1',
    purpose: 'access_request',
    language: 'en',
    pin: '739164',
  },
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
  'dashboard.store': { days: 7 },
  'alerts.list': {},
  'alerts.openCount': {},
  'alerts.acknowledge': { alertId: 'alert-1' },
  'detection.clearHold': { staffId: 'someone', managerId: 'manager', pin: '739164' },
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

/** The call reaches its service (which may still refuse it for its own reasons). */
const OK = 'reaches the service';
const NO_SESSION = 'not_authenticated';
const DENIED = 'permission_denied';
const PIN_CHANGE = 'pin_change_required';
const WHO = ['none', 'cashier', 'manager', 'temporary'] as const;
type Access = typeof OK | typeof NO_SESSION | typeof DENIED | typeof PIN_CHANGE;

/**
 * Who may call what, written out by hand (DESIGN §4): not derived from the permission matrix the
 * router reads, so a change to that matrix shows up here as a failing row.
 * Columns: no session, cashier, manager, a session that must change its temporary PIN.
 */
const EXPECTED_ACCESS: Record<Channel, readonly [Access, Access, Access, Access]> = {
  'app.getInfo': [OK, OK, OK, OK],
  'app.setLanguage': [OK, OK, OK, OK],
  'session.current': [OK, OK, OK, OK],
  'session.login': [OK, OK, OK, OK],
  'session.lock': [OK, OK, OK, OK],
  'session.touch': [NO_SESSION, OK, OK, OK],
  'staff.roster': [OK, OK, OK, OK],
  'staff.bootstrap': [OK, OK, OK, OK],
  'staff.changeOwnPin': [NO_SESSION, OK, OK, OK],
  'staff.add': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  // A cashier may ask for a reset or an unlock: the action still needs a manager's approval.
  'staff.resetPin': [NO_SESSION, OK, OK, PIN_CHANGE],
  'staff.unlock': [NO_SESSION, OK, OK, PIN_CHANGE],
  'approvals.grant': [NO_SESSION, OK, OK, PIN_CHANGE],
  'approvals.request': [NO_SESSION, OK, OK, PIN_CHANGE],
  'approvals.list': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'approvals.decide': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'audit.list': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'audit.verify': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'audit.export': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'settings.setStoreRegion': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'settings.setIdleLock': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'members.enroll': [NO_SESSION, OK, OK, PIN_CHANGE],
  'members.find': [NO_SESSION, OK, OK, PIN_CHANGE],
  'members.get': [NO_SESSION, OK, OK, PIN_CHANGE],
  'members.update': [NO_SESSION, OK, OK, PIN_CHANGE],
  'members.setConsent': [NO_SESSION, OK, OK, PIN_CHANGE],
  'members.revealContacts': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'members.requestErasure': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'members.exportData': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'members.nextCardNumber': [NO_SESSION, OK, OK, PIN_CHANGE],
  'privacy.notice': [NO_SESSION, OK, OK, PIN_CHANGE],
  'points.rules': [NO_SESSION, OK, OK, PIN_CHANGE],
  'points.quote': [NO_SESSION, OK, OK, PIN_CHANGE],
  'points.earn': [NO_SESSION, OK, OK, PIN_CHANGE],
  'points.redeem': [NO_SESSION, OK, OK, PIN_CHANGE],
  'points.adjust': [NO_SESSION, OK, OK, PIN_CHANGE],
  'points.reverse': [NO_SESSION, OK, OK, PIN_CHANGE],
  'rewards.list': [NO_SESSION, OK, OK, PIN_CHANGE],
  'sync.status': [NO_SESSION, OK, OK, PIN_CHANGE],
  'sync.runNow': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'sync.dayEnd': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  // Public so the first-run screen can pair; the service itself lets only a manager pair a till with staff.
  'sync.probeHq': [OK, OK, OK, OK],
  'sync.pair': [OK, OK, OK, OK],
  // Detection alerts are for store managers; clearing a hold is asked from the held staff member's session.
  'dashboard.store': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'alerts.list': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'alerts.openCount': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'alerts.acknowledge': [NO_SESSION, DENIED, OK, PIN_CHANGE],
  'detection.clearHold': [NO_SESSION, OK, OK, PIN_CHANGE],
};

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

  describe('permissions: every channel for no session, a cashier, a manager and a temporary-PIN session', () => {
    const sessionOf = {
      cashier: { staffId: 's-cashier', displayName: 'Cashier', role: 'cashier' },
      manager: { staffId: 's-manager', displayName: 'Manager', role: 'manager' },
      // A manager's temporary PIN: everything but the PIN change waits, whatever the role.
      temporary: { staffId: 's-temp', displayName: 'Temp', role: 'manager', mustChangePin: true },
    } as const;
    const cases = CHANNELS.flatMap((channel) =>
      WHO.map((who, column) => ({ channel, who, expected: EXPECTED_ACCESS[channel][column]! })),
    );

    it('the table has a row for every channel of the contract', () => {
      expect(Object.keys(EXPECTED_ACCESS).sort()).toEqual([...CHANNELS].sort());
    });

    it.each(cases)('$channel as $who: $expected', async ({ channel, who, expected }) => {
      if (who === 'none') app.services.sessions.lock('manual');
      else app.services.sessions.open({ ...sessionOf[who], startedAt: new Date().toISOString() });
      const before = snapshotAll(app);
      const result = (await app.services.router.handle(
        channel,
        withRequestId(channel, VALID_REQUESTS[channel]),
        OWN_FRAME,
      )) as IpcResult<unknown>;
      if (expected === OK) {
        // Reaching the service is what this table proves; the service may still say no (e.g. no such approval).
        if (!result.ok) expect(GATE_CODES, `${channel}: ${result.error.code}`).not.toContain(result.error.code);
        if (!result.ok) expect(result.error.code, channel).not.toBe('internal_error');
      } else {
        expect(result.ok).toBe(false);
        expect(!result.ok && result.error.code).toBe(expected);
        expect(snapshotAll(app)).toEqual(before);
      }
    });
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
