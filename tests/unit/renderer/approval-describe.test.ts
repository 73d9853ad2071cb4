import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QueueEntry } from '../../../src/shared/approvals/schemas';
import { describeAction, describeEntry } from '../../../src/renderer/approvals/describe';
import { resources } from '../../../src/renderer/i18n';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources, lng: 'en', interpolation: { escapeValue: false } });
});

/** A decided adjustment, as approvals.list answers it for one approved on the spot. */
function entry(overrides: Partial<QueueEntry>): QueueEntry {
  return {
    approvalId: '0193a1b2-0000-7000-8000-000000000001',
    action: 'points.adjust',
    targetStaffId: null,
    targetMemberId: 'member-olivia',
    targetName: 'Olivia Bennett',
    points: 50,
    reasonCode: 'goodwill',
    reasonText: null,
    requestedBy: 'demo-carl',
    requestedByName: 'Carl Cashier',
    requestedAt: '2026-12-06T09:00:00.000Z',
    status: 'used',
    decidedBy: 'demo-mia',
    decidedAt: '2026-12-06T09:00:00.000Z',
    ...overrides,
  };
}

describe('approval sentences', () => {
  it('a decided adjustment names its signed amount', () => {
    expect(describeEntry(i18n.t, entry({ points: 50 }))).toBe('Adjust the points of Olivia Bennett by +50');
    expect(describeEntry(i18n.t, entry({ points: -60 }))).toBe('Adjust the points of Olivia Bennett by −60');
  });

  it('an adjustment whose amount is unknown does not end in a dangling "by"', () => {
    expect(describeEntry(i18n.t, entry({ points: null }))).toBe('Adjust the points of Olivia Bennett');
  });

  it('a reversal names the points it takes back when known', () => {
    expect(describeEntry(i18n.t, entry({ action: 'points.reverse', points: -25 }))).toBe(
      'Reverse an earn for Olivia Bennett (−25 points)',
    );
    expect(describeEntry(i18n.t, entry({ action: 'points.reverse', points: null }))).toBe(
      'Reverse an earn for Olivia Bennett',
    );
  });

  it('falls back to the id when the till no longer knows the name', () => {
    expect(describeAction(i18n.t, 'staff.unlock', { name: 'Nina' })).toBe('Unlock the PIN of Nina');
    expect(describeEntry(i18n.t, entry({ targetName: null, points: 5 }))).toBe(
      'Adjust the points of member-olivia by +5',
    );
  });

  it('reads in Russian too', async () => {
    const ru = i18n.cloneInstance({ lng: 'ru' });
    await ru.changeLanguage('ru');
    expect(describeEntry(ru.t, entry({ points: 50 }))).toBe('Изменить баллы участника Olivia Bennett на +50');
    expect(describeEntry(ru.t, entry({ points: null }))).toBe('Изменить баллы участника Olivia Bennett');
  });
});
