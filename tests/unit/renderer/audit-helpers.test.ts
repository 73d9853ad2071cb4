import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListAuditRequest } from '../../../src/shared/audit/schemas';
import {
  auditLanguage,
  auditQuery,
  isAuditAction,
  isoWithOffset,
  localDateRange,
  localDayEdge,
  rosterName,
} from '../../../src/renderer/audit/audit';
import { datePattern } from '../../../src/shared/audit/typed-date';

const RU = datePattern('ru-RU', 'ru');
const GB = datePattern('en-GB', 'en');

const savedTz = process.env.TZ;
function inZone(zone: string) {
  beforeEach(() => {
    process.env.TZ = zone;
  });
  afterEach(() => {
    process.env.TZ = savedTz;
  });
}

describe('local dates to audit instants (Moscow, UTC+3)', () => {
  inZone('Europe/Moscow');

  it('turns a day into its first and last local instant, with the offset', () => {
    expect(localDayEdge('2026-03-05', 'start')).toBe('2026-03-05T00:00:00.000+03:00');
    expect(localDayEdge('2026-03-05', 'end')).toBe('2026-03-05T23:59:59.999+03:00');
    // The same instants as UTC: the previous evening.
    expect(new Date(localDayEdge('2026-03-05', 'start')!).toISOString()).toBe('2026-03-04T21:00:00.000Z');
  });

  it('refuses what is not a real calendar date', () => {
    expect(localDayEdge('2026-02-30', 'start')).toBeNull();
    expect(localDayEdge('2026-13-01', 'start')).toBeNull();
    expect(localDayEdge('05.03.2026', 'start')).toBeNull();
    expect(localDayEdge('', 'end')).toBeNull();
  });

  it('builds ranges that the audit.list schema accepts, both days included', () => {
    const range = localDateRange('2026-03-01', '2026-03-05');
    expect(range).toEqual({ ok: true, from: '2026-03-01T00:00:00.000+03:00', to: '2026-03-05T23:59:59.999+03:00' });
    expect(localDateRange('2026-03-05', '2026-03-05').ok).toBe(true);
    expect(localDateRange('', '')).toEqual({ ok: true });
    expect(localDateRange('2026-03-06', '2026-03-05')).toEqual({ ok: false, problem: 'order' });
    expect(localDateRange('2026-02-31', '')).toEqual({ ok: false, problem: 'invalid' });

    const built = auditQuery(
      {
        staffId: 'demo-carl',
        group: 'signin',
        action: 'session.login',
        memberCard: ' 6001 0000 0001 ',
        from: '01.03.2026',
        to: '05.03.2026',
      },
      RU,
      40,
    );
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.query).toEqual({
      limit: 50,
      staffId: 'demo-carl',
      group: 'signin',
      action: 'session.login',
      memberCard: '6001 0000 0001',
      from: '2026-03-01T00:00:00.000+03:00',
      to: '2026-03-05T23:59:59.999+03:00',
      beforeSeq: 40,
    });
    expect(ListAuditRequest.safeParse(built.query).success).toBe(true);
    const none = { staffId: '', group: '', action: '', memberCard: '', from: '', to: '' } as const;
    expect(auditQuery(none, GB)).toEqual({ ok: true, query: { limit: 50 } });
    // The same typed text in English (day/month/year) and the problems named per field.
    expect(auditQuery({ ...none, from: '05/03/2026' }, GB)).toMatchObject({
      ok: true,
      query: { from: '2026-03-05T00:00:00.000+03:00' },
    });
    expect(auditQuery({ ...none, from: '31.02.2026' }, RU)).toEqual({ ok: false, problem: 'invalid_from' });
    expect(auditQuery({ ...none, to: '2026-03-05' }, RU)).toEqual({ ok: false, problem: 'invalid_to' });
    expect(auditQuery({ ...none, from: '06.03.2026', to: '05.03.2026' }, RU)).toEqual({ ok: false, problem: 'order' });
  });
});

describe('local dates across a daylight-saving change (New York)', () => {
  inZone('America/New_York');

  it('uses the offset in force on that day', () => {
    // Clocks go forward on 8 March 2026: the day starts in EST and ends in EDT.
    expect(localDayEdge('2026-03-08', 'start')).toBe('2026-03-08T00:00:00.000-05:00');
    expect(localDayEdge('2026-03-08', 'end')).toBe('2026-03-08T23:59:59.999-04:00');
    expect(isoWithOffset(new Date(Date.UTC(2026, 6, 1, 12, 0, 0)))).toBe('2026-07-01T08:00:00.000-04:00');
  });
});

describe('local dates east of UTC with a half-hour offset (Kolkata)', () => {
  inZone('Asia/Kolkata');

  it('writes the minutes of the offset', () => {
    expect(localDayEdge('2026-01-15', 'start')).toBe('2026-01-15T00:00:00.000+05:30');
  });
});

describe('audit rows', () => {
  it('names staff from the roster, and nobody for an id it does not know', () => {
    const roster = [{ staffId: 'demo-carl', displayName: 'Carl Cashier' }];
    expect(rosterName('demo-carl', roster)).toBe('Carl Cashier');
    expect(rosterName('gone-7', roster)).toBeNull();
  });

  it('knows the audit actions it has labels for', () => {
    expect(isAuditAction('session.login')).toBe(true);
    expect(isAuditAction('audit.exported')).toBe(true);
    expect(isAuditAction('session.something_new')).toBe(false);
  });

  it('describes entries in Russian on a Russian page and in English otherwise', () => {
    expect(auditLanguage('ru')).toBe('ru');
    expect(auditLanguage('en')).toBe('en');
    expect(auditLanguage('de')).toBe('en');
  });
});
