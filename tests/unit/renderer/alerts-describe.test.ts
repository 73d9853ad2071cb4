import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TillAlert } from '../../../src/shared/detection/alert-schemas';
import { describeAlert } from '../../../src/renderer/alerts/describe-alert';
import { resources } from '../../../src/renderer/i18n';

// The dates below are written out in UTC: the till shows its own time zone's.
process.env.TZ = 'UTC';

const en = i18next.createInstance();
const ru = i18next.createInstance();
beforeAll(async () => {
  await en.init({ resources, lng: 'en', interpolation: { escapeValue: false } });
  await ru.init({ resources, lng: 'ru', interpolation: { escapeValue: false } });
});

const ROSTER: Record<string, string> = { 'demo-carl': 'Carl Cashier', 'demo-mia': 'Mia Manager' };
const staffName = (id: string) => ROSTER[id] ?? null;

/** A members_opened alert as alerts.list answers it: ids for staff, masked labels for members. */
function alert(overrides: Partial<TillAlert> = {}): TillAlert {
  return {
    alertId: '0193a1b2-0000-7000-8000-000000000001',
    rule: 'members_opened',
    source: 'till',
    staffId: 'demo-carl',
    mode: 'notify',
    raisedAt: '2026-11-24T09:01:20.000Z',
    windowStart: '2026-11-24T09:00:20.000Z',
    windowEnd: '2026-11-24T09:01:20.000Z',
    count: 41,
    threshold: 40,
    members: [
      { memberId: 'm-1', label: 'O. B. ••0016' },
      { memberId: 'm-2', label: null },
    ],
    acknowledgedAt: null,
    acknowledgedBy: null,
    hold: null,
    ...overrides,
  };
}

describe('alerts in words', () => {
  it('says who, which rule, the count against the threshold and the window, in English', () => {
    const words = describeAlert(en.t, alert(), staffName, 'en-GB');
    expect(words).toEqual({
      rule: 'Many members opened',
      who: 'Carl Cashier',
      trigger:
        'Carl Cashier opened or revealed the records of 41 different members between 24 November 2026 at 09:00 and 24 November 2026 at 09:01. The store allows 40.',
      when: '24 November 2026 at 09:01',
      mode: 'Notify only: nobody was held',
      hold: null,
      source: 'Noticed at this till',
      members: ['O. B. ••0016', 'a member no longer on this till'],
      acknowledged: null,
    });
  });

  it('says the same in Russian, with Russian dates', () => {
    const words = describeAlert(ru.t, alert(), staffName, 'ru-RU');
    expect(words.rule).toBe('Открыто много карточек участников');
    expect(words.trigger).toBe(
      'Carl Cashier: открыто или раскрыто карточек разных участников — 41, с 24 ноября 2026 г. в 09:00 по 24 ноября 2026 г. в 09:01. Допустимо в магазине: 40.',
    );
    expect(words.members[1]).toBe('участник, которого больше нет на этой кассе');
  });

  it('names an enforced hold and who acknowledged, and never shows a bare staff id', () => {
    const words = describeAlert(
      en.t,
      alert({
        mode: 'enforce',
        hold: 'manager_pin',
        staffId: 'gone-staff',
        acknowledgedAt: '2026-11-24T10:00:00.000Z',
        acknowledgedBy: 'demo-mia',
      }),
      staffName,
      'en-GB',
    );
    expect(words.who).toBe('a former staff member');
    expect(words.trigger).not.toContain('gone-staff');
    expect(words.mode).toBe('Enforced');
    expect(words.hold).toBe("Held now: their next sensitive action needs a manager's PIN");
    expect(words.acknowledged).toBe('Acknowledged by Mia Manager, 24 November 2026 at 10:00');
  });

  it('has a rule name and a trigger sentence for every rule, in both languages', () => {
    for (const rule of [
      'members_opened',
      'lookups_without_sale',
      'after_hours',
      'large_correction',
      'pin_failures',
      'exports',
      'own_or_colleague',
      'baseline_deviation',
    ] as const) {
      for (const t of [en.t, ru.t]) {
        const words = describeAlert(t, alert({ rule }), staffName, 'en-GB');
        expect(words.rule, rule).not.toContain('alerts.');
        expect(words.trigger, rule).toContain('41');
        expect(words.trigger, rule).toContain('Carl Cashier');
      }
    }
  });
});
