import { describe, expect, it } from 'vitest';
import { AUDIT_LANGUAGES, describeAuditEntry, hasAuditSentence, shortRef } from '../../../src/shared/audit/describe';
import type { AuditEntryLike, AuditNameBook } from '../../../src/shared/audit/describe';
import { AUDIT_ACTIONS } from '../../../src/shared/audit/schemas';
import en from '../../../src/renderer/i18n/en.json';
import ru from '../../../src/renderer/i18n/ru.json';

const ANNA = '01935c1e-7a2b-7c3d-8e4f-0a1b2c3d1234';
const GONE = '01935c1e-7a2b-7c3d-8e4f-00000000dead';
const APPROVAL = '01935c1e-7a2b-7c3d-8e4f-00000009f3c2';
const OP = '01935c1e-7a2b-7c3d-8e4f-0000000ab12c';
const STAFF: Record<string, string> = { 'demo-olga': 'Olga', 'demo-ivan': 'Ivan' };

const book: AuditNameBook = {
  staff: (id) => STAFF[id] ?? null,
  member: (id) =>
    id === ANNA ? { maskedName: 'Anna K.', maskedCard: '••••1234' } : id === GONE ? { erased: true } : null,
  reward: (id) => (id === 'coffee' ? 'Coffee' : null),
};

const entry = (partial: Partial<AuditEntryLike> & Pick<AuditEntryLike, 'action'>): AuditEntryLike => ({
  staffId: 'demo-ivan',
  subjectType: null,
  subjectId: null,
  details: {},
  ...partial,
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const NBSP = '\u00a0';

/** Sample entries and what each must read, in English and in Russian, written out. */
const TABLE: { name: string; entry: AuditEntryLike; en: [string, string[]]; ru: [string, string[]] }[] = [
  {
    name: 'a manager approves a cashier’s adjustment at the till (new shape: cashier as actor, approverId)',
    entry: entry({
      action: 'approval.granted',
      subjectType: 'approval',
      subjectId: APPROVAL,
      details: {
        action: 'points.adjust',
        reasonCode: 'goodwill',
        requestedBy: 'demo-ivan',
        approverId: 'demo-olga',
        target: ANNA,
        points: 500,
      },
    }),
    en: ['Olga approved a points adjustment of +500 for Anna K. (card ••••1234), asked by Ivan', ['Reason: goodwill']],
    ru: [
      'Olga: подтверждено действие «корректировка баллов» на +500 для Anna K. (карта ••••1234), запросил(а) Ivan',
      ['Причина: жест доброй воли'],
    ],
  },
  {
    name: 'an approval recorded before the change (old shape: the manager as actor)',
    entry: entry({
      staffId: 'demo-olga',
      action: 'approval.granted',
      subjectType: 'approval',
      subjectId: APPROVAL,
      details: { action: 'staff.unlock', reasonCode: 'locked_out', requestedBy: 'demo-ivan', target: 'demo-ivan' },
    }),
    en: ['Olga approved a PIN unlock for Ivan, asked by Ivan', ['Reason: locked out']],
    ru: [
      'Olga: подтверждено действие «разблокировка ПИН-кода» для Ivan, запросил(а) Ivan',
      ['Причина: ПИН-код заблокирован'],
    ],
  },
  {
    name: 'a manager’s wrong PIN typed at a cashier’s till',
    entry: entry({
      action: 'session.login_failed',
      subjectType: 'staff',
      subjectId: 'demo-olga',
      details: { purpose: 'approval', consecutive: 1, reason: 'wrong_pin', approverId: 'demo-olga' },
    }),
    en: ['Approval by Olga refused: wrong PIN (asked by Ivan)', ['Wrong PINs in a row: 1']],
    ru: ['Подтверждение от Olga отклонено: неверный ПИН-код (запросил(а) Ivan)', ['Неверных ПИН-кодов подряд: 1']],
  },
  {
    name: 'an old sign-in failure without a reason code reads as a wrong PIN',
    entry: entry({
      action: 'session.login_failed',
      subjectType: 'staff',
      subjectId: 'demo-ivan',
      details: { purpose: 'login', consecutive: 2 },
    }),
    en: ['Ivan: wrong PIN when signing in', ['Wrong PINs in a row: 2']],
    ru: ['Ivan: неверный ПИН-код (вход)', ['Неверных ПИН-кодов подряд: 2']],
  },
  {
    name: 'a disabled PIN is not a wrong PIN',
    entry: entry({
      action: 'session.login_failed',
      subjectType: 'staff',
      subjectId: 'demo-ivan',
      details: { purpose: 'login', consecutive: 11, reason: 'pin_locked' },
    }),
    en: ['Ivan: PIN disabled after too many wrong PINs when signing in', ['Wrong PINs in a row: 11']],
    ru: ['Ivan: ПИН-код отключён после многих неверных попыток (вход)', ['Неверных ПИН-кодов подряд: 11']],
  },
  {
    name: 'a reused approval',
    entry: entry({
      action: 'approval.refused',
      subjectType: 'approval',
      subjectId: APPROVAL,
      details: { action: 'points.adjust', reason: 'already_used', approverId: 'demo-olga' },
    }),
    en: ['Approval of a points adjustment refused: approval already used (approver Olga, asked by Ivan)', []],
    ru: [
      'Подтверждение действия «корректировка баллов» отклонено: подтверждение уже использовано (подтверждающий Olga, запросил(а) Ivan)',
      [],
    ],
  },
  {
    name: 'an expired approval',
    entry: entry({
      action: 'approval.refused',
      subjectType: 'approval',
      subjectId: APPROVAL,
      details: { action: 'staff.resetPin', reason: 'expired' },
    }),
    en: ['Approval of a PIN reset refused: approval expired (asked by Ivan)', []],
    ru: ['Подтверждение действия «сброс ПИН-кода» отклонено: срок подтверждения истёк (запросил(а) Ivan)', []],
  },
  {
    name: 'four-eyes',
    entry: entry({
      staffId: 'demo-olga',
      action: 'approval.refused',
      details: { action: 'points.adjust', reason: 'second_approver_required' },
    }),
    en: ['Approval of a points adjustment refused: a second manager must approve (asked by Olga)', []],
    ru: [
      'Подтверждение действия «корректировка баллов» отклонено: нужно подтверждение второго управляющего (запросил(а) Olga)',
      [],
    ],
  },
  {
    name: 'an adjustment, with its ledger entry and approval by short reference',
    entry: entry({
      action: 'points.adjusted',
      subjectType: 'member',
      subjectId: ANNA,
      details: { opId: OP, points: -1500, approvalId: APPROVAL, approvedBy: 'demo-olga', reasonCode: 'entry_error' },
    }),
    en: [
      'Ivan adjusted the points of Anna K. (card ••••1234) by −1,500, approved by Olga',
      ['Entry: #0AB12C', 'Approval: #09F3C2', 'Reason: entry error'],
    ],
    ru: [
      `Ivan: баллы участника Anna K. (карта ••••1234) скорректированы на −1${NBSP}500, подтвердил(а) Olga`,
      ['Запись: #0AB12C', 'Подтверждение: #09F3C2', 'Причина: ошибка ввода'],
    ],
  },
  {
    name: 'a redemption names the reward',
    entry: entry({
      action: 'points.redeemed',
      subjectType: 'member',
      subjectId: ANNA,
      details: { opId: OP, points: -200, rewardId: 'coffee' },
    }),
    en: ['Ivan redeemed 200 points of Anna K. (card ••••1234) for “Coffee”', ['Entry: #0AB12C']],
    ru: ['Ivan: у участника Anna K. (карта ••••1234) списано 200 баллов на «Coffee»', ['Запись: #0AB12C']],
  },
  {
    name: 'a profile edit names the fields',
    entry: entry({
      action: 'member.updated',
      subjectType: 'member',
      subjectId: ANNA,
      details: { opId: OP, fields: 'email,phone' },
    }),
    en: ['Ivan changed the e-mail, phone of Anna K. (card ••••1234)', ['Entry: #0AB12C']],
    ru: ['Ivan: у участника Anna K. (карта ••••1234) изменено: электронная почта, телефон', ['Запись: #0AB12C']],
  },
  {
    name: 'an erased member is named as erased',
    entry: entry({
      staffId: 'demo-olga',
      action: 'member.contacts_revealed',
      subjectType: 'member',
      subjectId: GONE,
      details: { reasonCode: 'identity_check', source: 'hq', requestId: OP },
    }),
    en: ['Olga revealed the contacts of an erased member from head office (identity check)', ['Request: #0AB12C']],
    ru: [
      'Olga: показаны контакты участника «удалённый участник» из головного офиса (проверка личности)',
      ['Запрос: #0AB12C'],
    ],
  },
  {
    name: 'a consent withdrawn',
    entry: entry({
      action: 'consent.changed',
      subjectType: 'member',
      subjectId: ANNA,
      details: { opId: OP, purpose: 'marketing_sms', granted: false, noticeVersion: '2026-01' },
    }),
    en: [
      'Ivan recorded that Anna K. (card ••••1234) withdrew consent to marketing by SMS',
      ['Entry: #0AB12C', 'Notice version: 2026-01'],
    ],
    ru: [
      'Ivan: записан отзыв согласия участника Anna K. (карта ••••1234) на рассылки по SMS',
      ['Запись: #0AB12C', 'Версия уведомления: 2026-01'],
    ],
  },
  {
    name: 'a search, never its text nor the listed ids',
    entry: entry({
      action: 'member.searched',
      details: {
        by: 'name',
        results: 3,
        memberIds: '0190a1b2-0000-7000-8000-000000000001,0190a1b2-0000-7000-8000-000000000002,m-3',
      },
    }),
    en: ['Ivan searched by name: 3 found', []],
    ru: ['Ivan: поиск по имени, найдено: 3', []],
  },
  {
    name: 'the retention job, by the system',
    entry: entry({ staffId: null, action: 'audit.purged', details: { count: 1200, throughSeq: 1200, years: 6 } }),
    en: ['1,200 audit entries older than 6 years were deleted', ['Up to entry: 1200']],
    ru: [`Удалено записей аудита старше 6 лет: 1${NBSP}200`, ['До записи (включительно): 1200']],
  },
  {
    name: 'a setting',
    entry: entry({ staffId: 'demo-olga', action: 'settings.changed', details: { setting: 'idle_lock_seconds' } }),
    en: ['Olga changed the idle lock time', []],
    ru: ['Olga: изменена настройка «время автоблокировки»', []],
  },
  {
    name: 'a staff member the roster no longer holds, by short reference',
    entry: entry({
      staffId: 'gone-7',
      action: 'session.login',
      subjectType: 'staff',
      subjectId: 'gone-7',
      details: { mustChangePin: false },
    }),
    en: ['staff member #GONE7 signed in', []],
    ru: ['сотрудник #GONE7: вход', []],
  },
  {
    name: 'a detection alert',
    entry: entry({
      staffId: null,
      action: 'detection.alert',
      subjectType: 'alert',
      subjectId: APPROVAL,
      details: { rule: 'members_opened', mode: 'notify', count: 31, threshold: 30, staffId: 'demo-ivan' },
    }),
    en: ['Alert: many members opened by Ivan (31 of 30 allowed, notify only)', []],
    ru: ['Оповещение: открыто много карточек участников, сотрудник Ivan (31 при пороге 30, только оповещение)', []],
  },
  {
    name: 'the auditor’s export',
    entry: entry({
      staffId: 'demo-olga',
      action: 'audit.exported',
      details: {
        entries: 42,
        throughSeq: 99,
        from: null,
        to: null,
        group: 'points',
        filteredStaffId: 'demo-ivan',
        byMember: false,
      },
    }),
    en: [
      'Olga exported 42 audit entries for an auditor',
      ['Up to entry: 99', 'Action group: points', 'Staff filter: Ivan', 'Filtered by member: no'],
    ],
    ru: [
      'Olga: выгружено записей аудита для аудитора: 42',
      [
        'До записи (включительно): 99',
        'Группа действий: баллы',
        'Отбор по сотруднику: Ivan',
        'Отбор по участнику: нет',
      ],
    ],
  },
];

describe('audit entries in words', () => {
  for (const row of TABLE) {
    it(`${row.name} (EN and RU)`, () => {
      const inEnglish = describeAuditEntry(row.entry, 'en', book);
      expect([inEnglish.sentence, inEnglish.details]).toEqual(row.en);
      const inRussian = describeAuditEntry(row.entry, 'ru', book);
      expect([inRussian.sentence, inRussian.details]).toEqual(row.ru);
    });
  }

  it('names the actor: the roster’s name, or the system', () => {
    expect(describeAuditEntry(entry({ action: 'session.logout' }), 'en', book).actor).toBe('Ivan');
    expect(describeAuditEntry(entry({ staffId: null, action: 'device.revoked' }), 'ru', book).actor).toBe('Система');
  });

  it('shortens an id to its last six characters', () => {
    expect(shortRef(APPROVAL)).toBe('#09F3C2');
  });
});

describe('every audit action has a sentence and a name in English and Russian', () => {
  const labels = { en: en.audit.actions, ru: ru.audit.actions } as Record<
    string,
    Record<string, Record<string, string>>
  >;
  for (const language of AUDIT_LANGUAGES) {
    it(`${language}: ${AUDIT_ACTIONS.length} actions`, () => {
      const missing: string[] = [];
      for (const action of AUDIT_ACTIONS) {
        if (!hasAuditSentence(action, language)) missing.push(`${action}: no sentence`);
        const [domain = '', name = ''] = action.split('.');
        if (!labels[language]?.[domain]?.[name]) missing.push(`${action}: no name in ${language}.json`);
        // With every kind of detail an entry may hold, no sentence shows code, `key=value` or an id.
        const described = describeAuditEntry(
          entry({
            action,
            subjectType: 'member',
            subjectId: ANNA,
            details: { opId: OP, approvalId: APPROVAL, target: ANNA, approverId: 'demo-olga', points: 5 },
          }),
          language,
          book,
        );
        const text = [described.sentence, ...described.details].join(' | ');
        if (/=/.test(text) || UUID.test(text) || text.includes(action)) missing.push(`${action}: reads "${text}"`);
      }
      expect(missing).toEqual([]);
    });
  }
});
