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

/** A valid request for every channel, so each table row reaches the permission check. */
const VALID_REQUESTS: Record<Channel, unknown> = {
  'app.getInfo': {},
  'app.setLanguage': { language: 'ru' },
  'session.current': {},
  'settings.setStoreRegion': { region: 'DE' },
  'members.enroll': {
    givenName: 'Ada',
    familyName: 'Lovelace',
    email: 'ada@example.org',
    cardNumber: withCheckDigit('600400000001'),
  },
  'members.find': { query: 'ada' },
};

function memberCount(app: TestApp): number {
  return (app.services.database.db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
}

function settingsRows(app: TestApp): unknown[] {
  return app.services.database.db.prepare('SELECT key, value FROM settings ORDER BY key').all();
}

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
      if (who === 'none') app.services.sessions.close();
      else
        app.services.sessions.open({
          staffId: `s-${who}`,
          displayName: who,
          role: who,
          startedAt: new Date().toISOString(),
        });
      const before = { members: memberCount(app), settings: settingsRows(app) };
      const result = (await app.services.router.handle(
        channel,
        VALID_REQUESTS[channel],
        OWN_FRAME,
      )) as IpcResult<unknown>;
      const permission = contract[channel].permission;
      const allowed = permission === 'public' || (who !== 'none' && roleHasPermission(who, permission));
      if (allowed) {
        expect(result.ok, JSON.stringify(result)).toBe(true);
      } else {
        expect(result.ok).toBe(false);
        expect(!result.ok && result.error.code).toBe(who === 'none' ? 'not_authenticated' : 'permission_denied');
        expect({ members: memberCount(app), settings: settingsRows(app) }).toEqual(before);
      }
    });
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
