/**
 * The words the audit sentences are made of, in English and Russian: every code an audit entry
 * can hold (reason codes, purposes, settings, rules…) and every detail key's label. Kept in
 * src/shared so the till's screen, the till's CSV export (main process) and HQ's console say the
 * same thing in the same words. Russian labels avoid past-tense verbs that would need the actor's
 * grammatical gender, which the log does not know.
 */
export const AUDIT_LANGUAGES = ['en', 'ru'] as const;
export type AuditLanguage = (typeof AUDIT_LANGUAGES)[number];

type Table = Readonly<Record<string, string>>;

export interface AuditWords {
  system: string;
  unknownStaff: (ref: string) => string;
  erasedMember: string;
  unknownMember: (ref: string) => string;
  member: (name: string, card: string) => string;
  ref: (kind: 'approval' | 'op' | 'alert' | 'device' | 'store' | 'request' | 'dayEnd' | 'id', ref: string) => string;
  yes: string;
  no: string;
  listSeparator: string;
  roles: Table;
  purposes: Table;
  lockReasons: Table;
  restricted: Table;
  reasonCodes: Table;
  refusals: Table;
  revealReasons: Table;
  erasureReasons: Table;
  exportPurposes: Table;
  consentPurposes: Table;
  settings: Table;
  fields: Table;
  searchBy: Table;
  dayEndStatus: Table;
  rules: Table;
  modes: Table;
  sources: Table;
  groups: Table;
  /** Labels of detail keys shown beside the sentence ("Reason: goodwill"). */
  labels: Table;
}

export const AUDIT_WORDS: Readonly<Record<AuditLanguage, AuditWords>> = {
  en: {
    system: 'System',
    unknownStaff: (ref) => `staff member ${ref}`,
    erasedMember: 'an erased member',
    unknownMember: (ref) => `member ${ref} (not on this till)`,
    member: (name, card) => `${name} (card ${card})`,
    ref: (kind, ref) =>
      ({
        approval: `approval ${ref}`,
        op: `entry ${ref}`,
        alert: `alert ${ref}`,
        device: `till ${ref}`,
        store: `store ${ref}`,
        request: `request ${ref}`,
        dayEnd: `day end ${ref}`,
        id: ref,
      })[kind],
    yes: 'yes',
    no: 'no',
    listSeparator: ', ',
    roles: { manager: 'manager', cashier: 'cashier' },
    purposes: { login: 'signing in', approval: 'a manager approval', pin_change: 'a PIN change' },
    lockReasons: {
      manual: 'by hand',
      idle: 'after being left idle',
      os: 'when the computer was locked or went to sleep',
      switch: 'for another staff member to sign in',
    },
    restricted: {
      'staff.resetPin': 'a PIN reset',
      'staff.unlock': 'a PIN unlock',
      'points.adjust': 'a points adjustment',
      'points.reverse': 'a points reversal',
    },
    reasonCodes: {
      forgot_pin: 'forgotten PIN',
      locked_out: 'locked out',
      staff_request: "staff member's request",
      correction: 'correction',
      other: 'other',
      missed_purchase: 'missed purchase',
      returned_goods: 'returned goods',
      goodwill: 'goodwill',
      entry_error: 'entry error',
    },
    refusals: {
      wrong_pin: 'wrong PIN',
      pin_locked: 'PIN disabled after too many wrong PINs',
      inactive: 'staff member no longer active',
      not_manager: 'not a manager',
      temporary_pin: "the manager's PIN is a temporary one",
      second_approver_required: 'a second manager must approve',
      already_used: 'approval already used',
      expired: 'approval expired',
      denied: 'approval was denied',
      pending: 'approval not decided yet',
      not_found: 'no such approval',
      other_action: 'approval was for another action or amount',
      not_requester: 'approval was asked for by someone else',
      proof_missing: 'approval granted before a restart (cannot be sent to HQ)',
    },
    revealReasons: {
      member_request: "member's request",
      identity_check: 'identity check',
      delivery_problem: 'delivery problem',
      data_correction: 'data correction',
    },
    erasureReasons: {
      member_request: "member's request",
      left_program: 'left the programme',
      consent_withdrawn: 'consent withdrawn',
      unlawful_processing: 'unlawful processing',
      inactivity: 'inactivity',
    },
    exportPurposes: { access_request: 'access request', portability_request: 'portability request' },
    consentPurposes: {
      terms: 'the programme terms',
      marketing_email: 'marketing by e-mail',
      marketing_sms: 'marketing by SMS',
    },
    settings: { language: 'store language', store_region: 'store region', idle_lock_seconds: 'idle lock time' },
    fields: {
      givenName: 'given name',
      familyName: 'family name',
      phone: 'phone',
      email: 'e-mail',
      birthDate: 'birth date',
    },
    searchBy: { card: 'card number', phone: 'phone number', email: 'e-mail address', name: 'name', none: 'nothing' },
    dayEndStatus: { reconciled: 'reconciled', mismatch: 'did not match' },
    rules: {
      members_opened: 'many members opened',
      lookups_without_sale: 'lookups without a sale',
      after_hours: 'activity outside store hours',
      large_correction: 'large correction',
      pin_failures: 'repeated wrong PINs',
      exports: 'member data exports',
      own_or_colleague: "own or a colleague's record opened",
      baseline_deviation: 'far above their usual activity',
    },
    modes: { off: 'off', notify: 'notify only', enforce: 'enforced' },
    sources: { hq: 'from head office', till: 'from this till' },
    groups: {
      signin: 'sign-in and PINs',
      members: 'members',
      points: 'points',
      approvals: 'approvals',
      privacy: 'privacy',
      sync: 'sync',
      detection: 'detection',
      settings: 'settings and the log',
    },
    labels: {
      opId: 'Entry',
      approvalId: 'Approval',
      reasonCode: 'Reason',
      reason: 'Reason',
      purpose: 'Purpose',
      consecutive: 'Wrong PINs in a row',
      waitSeconds: 'Wait (seconds)',
      requestedBy: 'Asked by',
      approvedBy: 'Approved by',
      approverId: 'Approver',
      target: 'For',
      rewardId: 'Reward',
      points: 'Points',
      fields: 'Changed',
      granted: 'Given',
      noticeVersion: 'Notice version',
      setting: 'Setting',
      ok: 'Intact',
      checked: 'Entries checked',
      firstBrokenSeq: 'First broken entry',
      count: 'Count',
      throughSeq: 'Up to entry',
      years: 'Kept for (years)',
      storeId: 'Store',
      manual: 'By hand',
      status: 'Result',
      toSeq: 'Up to operation',
      dayEndId: 'Day end',
      by: 'Searched by',
      results: 'Results',
      rule: 'Rule',
      mode: 'Mode',
      threshold: 'Threshold',
      source: 'Source',
      complete: 'Complete',
      requestId: 'Request',
      mustChangePin: 'Temporary PIN',
      role: 'Role',
      action: 'Action',
      reversesOpId: 'Reverses',
      alertId: 'Alert',
      entries: 'Entries',
      from: 'From',
      to: 'To',
      format: 'Format',
      group: 'Action group',
      filteredStaffId: 'Staff filter',
      byMember: 'Filtered by member',
    },
  },
  ru: {
    system: 'Система',
    unknownStaff: (ref) => `сотрудник ${ref}`,
    erasedMember: '«удалённый участник»',
    unknownMember: (ref) => `участник ${ref} (нет на этой кассе)`,
    member: (name, card) => `${name} (карта ${card})`,
    ref: (kind, ref) =>
      ({
        approval: `подтверждение ${ref}`,
        op: `запись ${ref}`,
        alert: `оповещение ${ref}`,
        device: `касса ${ref}`,
        store: `магазин ${ref}`,
        request: `запрос ${ref}`,
        dayEnd: `закрытие дня ${ref}`,
        id: ref,
      })[kind],
    yes: 'да',
    no: 'нет',
    listSeparator: ', ',
    roles: { manager: 'управляющий', cashier: 'кассир' },
    purposes: { login: 'вход', approval: 'подтверждение управляющего', pin_change: 'смена ПИН-кода' },
    lockReasons: {
      manual: 'вручную',
      idle: 'после простоя',
      os: 'при блокировке или засыпании компьютера',
      switch: 'для входа другого сотрудника',
    },
    restricted: {
      'staff.resetPin': 'сброс ПИН-кода',
      'staff.unlock': 'разблокировка ПИН-кода',
      'points.adjust': 'корректировка баллов',
      'points.reverse': 'отмена начисления или списания',
    },
    reasonCodes: {
      forgot_pin: 'забыт ПИН-код',
      locked_out: 'ПИН-код заблокирован',
      staff_request: 'просьба сотрудника',
      correction: 'исправление',
      other: 'другое',
      missed_purchase: 'пропущенная покупка',
      returned_goods: 'возврат товара',
      goodwill: 'жест доброй воли',
      entry_error: 'ошибка ввода',
    },
    refusals: {
      wrong_pin: 'неверный ПИН-код',
      pin_locked: 'ПИН-код отключён после многих неверных попыток',
      inactive: 'сотрудник больше не работает',
      not_manager: 'не управляющий',
      temporary_pin: 'у управляющего временный ПИН-код',
      second_approver_required: 'нужно подтверждение второго управляющего',
      already_used: 'подтверждение уже использовано',
      expired: 'срок подтверждения истёк',
      denied: 'в подтверждении отказано',
      pending: 'подтверждение ещё не рассмотрено',
      not_found: 'такого подтверждения нет',
      other_action: 'подтверждение дано на другое действие или сумму',
      not_requester: 'подтверждение запрашивал другой сотрудник',
      proof_missing: 'подтверждение получено до перезапуска (его нельзя отправить в головной офис)',
    },
    revealReasons: {
      member_request: 'просьба участника',
      identity_check: 'проверка личности',
      delivery_problem: 'проблема с доставкой',
      data_correction: 'исправление данных',
    },
    erasureReasons: {
      member_request: 'просьба участника',
      left_program: 'выход из программы',
      consent_withdrawn: 'согласие отозвано',
      unlawful_processing: 'незаконная обработка',
      inactivity: 'неактивность',
    },
    exportPurposes: { access_request: 'запрос на доступ', portability_request: 'запрос на перенос данных' },
    consentPurposes: {
      terms: 'условия программы',
      marketing_email: 'рассылки по электронной почте',
      marketing_sms: 'рассылки по SMS',
    },
    settings: {
      language: 'язык магазина',
      store_region: 'регион магазина',
      idle_lock_seconds: 'время автоблокировки',
    },
    fields: {
      givenName: 'имя',
      familyName: 'фамилия',
      phone: 'телефон',
      email: 'электронная почта',
      birthDate: 'дата рождения',
    },
    searchBy: {
      card: 'номеру карты',
      phone: 'номеру телефона',
      email: 'адресу электронной почты',
      name: 'имени',
      none: 'пустому запросу',
    },
    dayEndStatus: { reconciled: 'сверено', mismatch: 'расхождение' },
    rules: {
      members_opened: 'открыто много карточек участников',
      lookups_without_sale: 'поиски без покупки',
      after_hours: 'действия в нерабочее время',
      large_correction: 'крупная корректировка',
      pin_failures: 'повторные неверные ПИН-коды',
      exports: 'выгрузки данных участников',
      own_or_colleague: 'открыта своя карточка или карточка коллеги',
      baseline_deviation: 'намного выше обычной активности',
    },
    modes: { off: 'выключено', notify: 'только оповещение', enforce: 'с ограничением' },
    sources: { hq: 'из головного офиса', till: 'с этой кассы' },
    groups: {
      signin: 'вход и ПИН-коды',
      members: 'участники',
      points: 'баллы',
      approvals: 'подтверждения',
      privacy: 'конфиденциальность',
      sync: 'синхронизация',
      detection: 'обнаружение',
      settings: 'настройки и журнал',
    },
    labels: {
      opId: 'Запись',
      approvalId: 'Подтверждение',
      reasonCode: 'Причина',
      reason: 'Причина',
      purpose: 'Цель',
      consecutive: 'Неверных ПИН-кодов подряд',
      waitSeconds: 'Ожидание (секунд)',
      requestedBy: 'Запросил(а)',
      approvedBy: 'Подтвердил(а)',
      approverId: 'Подтверждающий',
      target: 'Для',
      rewardId: 'Награда',
      points: 'Баллы',
      fields: 'Изменено',
      granted: 'Дано',
      noticeVersion: 'Версия уведомления',
      setting: 'Настройка',
      ok: 'Не нарушена',
      checked: 'Проверено записей',
      firstBrokenSeq: 'Первая нарушенная запись',
      count: 'Количество',
      throughSeq: 'До записи (включительно)',
      years: 'Срок хранения (лет)',
      storeId: 'Магазин',
      manual: 'Вручную',
      status: 'Итог',
      toSeq: 'До операции (включительно)',
      dayEndId: 'Закрытие дня',
      by: 'Поиск по',
      results: 'Найдено',
      rule: 'Правило',
      mode: 'Режим',
      threshold: 'Порог',
      source: 'Источник',
      complete: 'Полная',
      requestId: 'Запрос',
      mustChangePin: 'Временный ПИН-код',
      role: 'Роль',
      action: 'Действие',
      reversesOpId: 'Отменяет',
      alertId: 'Оповещение',
      entries: 'Записей',
      from: 'С',
      to: 'По',
      format: 'Формат',
      group: 'Группа действий',
      filteredStaffId: 'Отбор по сотруднику',
      byMember: 'Отбор по участнику',
    },
  },
};
