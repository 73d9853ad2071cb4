import { describe, expect, it } from 'vitest';
import { ConsoleApiError } from '../../packages/hq/console/src/api/console-client';
import { formatDateTime, formatNumber, groupInFours } from '../../packages/hq/console/src/app/format';
import { allowedPages, parseHash } from '../../packages/hq/console/src/app/routes';
import { ActionIds } from '../../packages/hq/console/src/logic/action-ids';
import { approvalReducer } from '../../packages/hq/console/src/logic/approval-flow';
import { catalogFromDraft, catalogReducer, draftFromCatalog } from '../../packages/hq/console/src/logic/catalog-editor';
import { issuesByPath } from '../../packages/hq/console/src/logic/issues';
import { passkeysPossibleAt } from '../../packages/hq/console/src/logic/passkeys';
import { qrMatrix, qrRuns } from '../../packages/hq/console/src/logic/qr';
import { ROLE_OPERATIONS } from '../../packages/hq/src/operators/roles';

const TOKEN = 'A'.repeat(40) + 'b_-';

describe('routes', () => {
  it('reads pages, login and an enrolment token from the hash', () => {
    expect(parseHash('#/stores')).toEqual({ kind: 'page', page: 'stores' });
    expect(parseHash('#/privacy')).toEqual({ kind: 'page', page: 'privacy' });
    expect(parseHash('#/login')).toEqual({ kind: 'login' });
    expect(parseHash(`#/enrol/${TOKEN}`)).toEqual({ kind: 'enrol', token: TOKEN });
    expect(parseHash('#/enrol/short')).toEqual({ kind: 'enrol', token: null });
    expect(parseHash('')).toEqual({ kind: 'home' });
    expect(parseHash('#/nowhere')).toEqual({ kind: 'home' });
  });

  it('shows each role only its pages (approvals, tokens and security for everyone)', () => {
    expect(allowedPages([...ROLE_OPERATIONS.privacy_officer])).toEqual([
      'members',
      'privacy',
      'incidents',
      'alerts',
      'dashboard',
      'approvals',
      'tokens',
      'security',
    ]);
    expect(allowedPages([...ROLE_OPERATIONS.auditor])).toEqual([
      'stores',
      'devices',
      'catalog',
      'privacy',
      'incidents',
      'alerts',
      'reviews',
      'reports',
      'dashboard',
      'audit',
      'approvals',
      'tokens',
      'security',
    ]);
    expect(allowedPages([...ROLE_OPERATIONS.chain_admin])).toEqual([
      'stores',
      'incidents',
      'alerts',
      'dashboard',
      'operators',
      'approvals',
      'tokens',
      'security',
    ]);
  });
});

describe('passkeysPossibleAt', () => {
  it('offers passkeys on a host name and not on an IP address (WebAuthn refuses those as RP ID)', () => {
    expect(passkeysPossibleAt('localhost')).toBe(true);
    expect(passkeysPossibleAt('hq.chain.example')).toBe(true);
    expect(passkeysPossibleAt('127.0.0.1')).toBe(false);
    expect(passkeysPossibleAt('10.20.30.40')).toBe(false);
    expect(passkeysPossibleAt('[::1]')).toBe(false);
    expect(passkeysPossibleAt('fe80::1')).toBe(false);
    expect(passkeysPossibleAt('')).toBe(false);
  });
});

describe('ActionIds', () => {
  it('keeps the request id for a retry after no answer, and a new one otherwise', () => {
    let n = 0;
    const ids = new ActionIds(() => `id-${++n}`);
    expect(ids.idFor('a')).toBe('id-1');
    ids.settle(new ConsoleApiError('network_error', 'x'));
    expect(ids.idFor('a')).toBe('id-1');
    ids.settle(new ConsoleApiError('forbidden', 'x'));
    expect(ids.idFor('a')).toBe('id-2');
    ids.settle(null);
    expect(ids.idFor('a')).toBe('id-3');
    expect(ids.idFor('b')).toBe('id-4');
  });
});

describe('approvalReducer', () => {
  it('keeps the approval id per target until done or spent', () => {
    const required = new ConsoleApiError('approval_required', 'x', { approvalId: 'apr-1' });
    let state = approvalReducer({}, { type: 'refused', key: 'revoke:d1', error: required });
    expect(state).toEqual({ 'revoke:d1': 'apr-1' });
    state = approvalReducer(state, {
      type: 'refused',
      key: 'revoke:d1',
      error: new ConsoleApiError('approval_not_approved', 'x'),
    });
    expect(state).toEqual({ 'revoke:d1': 'apr-1' });
    expect(
      approvalReducer(state, {
        type: 'refused',
        key: 'revoke:d1',
        error: new ConsoleApiError('approval_expired', 'x'),
      }),
    ).toEqual({});
    expect(approvalReducer(state, { type: 'done', key: 'revoke:d1' })).toEqual({});
  });
});

describe('catalog editor', () => {
  const answer = {
    version: 3,
    catalog: { description: 'd', rewards: [], earnRules: { default: { pointsPerUnit: 1 } } },
    rewards: [{ id: 'coffee', name: { en: 'Coffee', ru: 'Кофе' }, costPoints: 150, active: true, sort: 10 }],
    history: [],
  };

  it('splits the catalogue into table rows and JSON, and joins them back', () => {
    const draft = draftFromCatalog(answer);
    expect(draft.baseVersion).toBe(3);
    expect(JSON.parse(draft.restJson)).toEqual({ description: 'd', earnRules: { default: { pointsPerUnit: 1 } } });
    const edited = catalogReducer(
      catalogReducer(draft, { type: 'edit', index: 0, field: 'costPoints', value: '175' }),
      {
        type: 'add',
      },
    );
    const built = catalogFromDraft({
      ...edited!,
      rewards: edited!.rewards.map((r, i) => (i === 1 ? { ...r, id: 'tea', costPoints: '90' } : r)),
    });
    expect(built).toEqual({
      ok: true,
      catalog: {
        description: 'd',
        earnRules: { default: { pointsPerUnit: 1 } },
        rewards: [
          { id: 'coffee', name: { en: 'Coffee', ru: 'Кофе' }, costPoints: 175, active: true, sort: 10 },
          { id: 'tea', name: { en: '', ru: '' }, costPoints: 90, active: true, sort: 20 },
        ],
      },
    });
  });

  it('names the cells and the JSON that stop a save', () => {
    const draft = draftFromCatalog(answer);
    const bad = catalogReducer(catalogReducer(draft, { type: 'edit', index: 0, field: 'costPoints', value: '1.5' }), {
      type: 'setJson',
      text: '{oops',
    });
    const built = catalogFromDraft(bad!);
    expect(built.ok).toBe(false);
    if (!built.ok) {
      expect(issuesByPath(built.issues)).toEqual({ json: 'invalid_format', 'rewards.0.costPoints': 'invalid_type' });
    }
  });
});

describe('formatting', () => {
  it('uses the page language, not the browser', () => {
    const at = '2026-03-05T14:07:00Z';
    expect(formatDateTime(at, 'ru')).not.toBe(formatDateTime(at, 'en'));
    expect(formatDateTime(at, 'ru')).toMatch(/2026/);
    expect(formatNumber(12345, 'en')).toBe('12,345');
    expect(formatNumber(12345, 'ru')).toBe('12\u00a0345');
    expect(formatDateTime(null, 'en')).toBe('—');
  });

  it('groups a secret in fours', () => {
    expect(groupInFours('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
  });
});

describe('QR code', () => {
  it('makes a square module matrix and covers every dark module with a run', () => {
    const matrix = qrMatrix('otpauth://totp/HQ:a%40b.c?secret=JBSWY3DPEHPK3PXP&issuer=HQ');
    expect(matrix.length).toBeGreaterThanOrEqual(21);
    expect(matrix.every((row) => row.length === matrix.length)).toBe(true);
    const dark = matrix.flat().filter(Boolean).length;
    expect(qrRuns(matrix).reduce((sum, run) => sum + run.width, 0)).toBe(dark);
    // The finder pattern's top-left corner is dark.
    expect(matrix[0]![0]).toBe(true);
  });
});
