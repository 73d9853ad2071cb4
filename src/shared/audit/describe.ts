import type { AuditAction } from './schemas';
import { AUDIT_WORDS, type AuditLanguage, type AuditWords } from './describe-words';

export { AUDIT_LANGUAGES, type AuditLanguage } from './describe-words';

/**
 * One audit entry as a sentence in the page language, for the till's log, its CSV export and HQ's
 * console. Entries hold ids and codes only; this turns them into words: staff by name (the
 * roster), members by the masked label the main process resolved ("Anna K. (card ••••1234)"),
 * approvals, ledger entries and alerts by a short reference, codes by their translation. Nothing
 * is shown as `key=value` and no id is shown whole.
 */

export type AuditDetailValue = string | number | boolean | null;

export interface AuditEntryLike {
  staffId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Readonly<Record<string, AuditDetailValue>>;
}

/** A member as the log may show them: masked, or known to be erased. */
export type AuditMemberLabel = { maskedName: string; maskedCard: string } | { erased: true };

export interface AuditNameBook {
  /** A staff member's display name, or null when the roster does not know the id. */
  staff(staffId: string): string | null;
  /** A member's masked label, or null when the till (or HQ) does not hold the member. */
  member(memberId: string): AuditMemberLabel | null;
  /** A reward's name, when known. */
  reward?(rewardId: string): string | null;
}

export interface DescribedAuditEntry {
  /** Who did it: the staff member signed in, or "System". */
  actor: string;
  /** What happened, one sentence without a final full stop. */
  sentence: string;
  /** Further details in words ("Reason: goodwill"), the ones the sentence does not already say. */
  details: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A short reference for an id: its last six characters, upper case ("#9F3C2A"). The end of a
 * UUIDv7 is its random part, so two approvals of the same second still read apart.
 */
export function shortRef(id: string): string {
  const compact = id.replace(/-/g, '');
  return `#${compact.slice(-6).toUpperCase()}`;
}

const MINUS = '\u2212';
/** Numbers in the page language with the typographic minus (as the till's format-number.ts does). */
function formatNumber(n: number, language: AuditLanguage, signed: boolean): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits: 0, signDisplay: signed ? 'exceptZero' : 'auto' })
    .formatToParts(n === 0 ? 0 : n)
    .map((part) => (part.type === 'minusSign' ? MINUS : part.value))
    .join('');
}

/** The sentence helpers an action's description gets. */
interface Say {
  w: AuditWords;
  language: AuditLanguage;
  actor: string;
  d: Readonly<Record<string, AuditDetailValue>>;
  str(key: string): string | null;
  num(key: string): number | null;
  /** A staff id (from a detail or the subject) as a name. */
  staff(id: AuditDetailValue | undefined): string;
  /** A member id as its masked label. */
  member(id: AuditDetailValue | undefined): string;
  /** A staff member or a member (an approval's target), whichever the id is. */
  target(id: AuditDetailValue | undefined): string;
  code(table: keyof AuditWords, value: AuditDetailValue | undefined): string;
  signed(n: number | null): string;
  plain(n: number | null): string;
  ref(kind: Parameters<AuditWords['ref']>[0], id: AuditDetailValue | undefined): string;
  subject: string;
  rewardName(id: string): string | null;
  /** An ISO instant as a date and time in the page language. */
  instant(iso: string): string;
}

type Describe = (s: Say) => { text: string; uses?: readonly string[] };
type Sentences = Readonly<Record<AuditAction, Describe>>;

const approverOf = (s: Say) => (s.d.approverId !== undefined ? s.staff(s.d.approverId) : s.actor);

const EN: Sentences = {
  'staff.bootstrap': (s) => ({ text: `${s.actor} set up this till as its first manager`, uses: ['role'] }),
  'staff.added': (s) => ({
    text: `${s.actor} added ${s.subject} as ${s.code('roles', s.d.role)}`,
    uses: ['role'],
  }),
  'session.login': (s) => ({
    text: s.d.mustChangePin === true ? `${s.actor} signed in with a temporary PIN` : `${s.actor} signed in`,
    uses: ['mustChangePin'],
  }),
  'session.login_failed': (s) => {
    const reason = s.code('refusals', s.d.reason ?? 'wrong_pin');
    if (s.d.approverId !== undefined) {
      return {
        text: `Approval by ${s.staff(s.d.approverId)} refused: ${reason} (asked by ${s.actor})`,
        uses: ['approverId', 'reason', 'purpose'],
      };
    }
    return {
      text: `${s.actor}: ${reason} when ${s.code('purposes', s.d.purpose)}`,
      uses: ['reason', 'purpose'],
    };
  },
  'session.login_delayed': (s) => ({
    text: `${s.d.approverId !== undefined ? s.staff(s.d.approverId) : s.actor} had to wait ${s.plain(s.num('waitSeconds'))} s after wrong PINs (${s.code('purposes', s.d.purpose)})`,
    uses: ['waitSeconds', 'purpose', 'approverId'],
  }),
  'session.lockout': (s) => ({
    text: `The PIN of ${s.d.approverId !== undefined ? s.staff(s.d.approverId) : s.subject || s.actor} was disabled after too many wrong PINs`,
    uses: ['purpose', 'approverId'],
  }),
  'session.locked': (s) => ({
    text: `${s.actor} locked the till ${s.code('lockReasons', s.d.reason)}`,
    uses: ['reason'],
  }),
  'session.logout': (s) => ({ text: `${s.actor} signed out` }),
  'staff.pin_changed': (s) => ({ text: `${s.actor} changed their PIN` }),
  'staff.pin_reset': (s) => ({ text: `${s.actor} reset the PIN of ${s.subject}`, uses: ['approvalId'] }),
  'staff.unlocked': (s) => ({ text: `${s.actor} unlocked the PIN of ${s.subject}`, uses: ['approvalId'] }),
  'approval.granted': (s) => {
    const points = s.num('points');
    return {
      text:
        `${approverOf(s)} approved ${s.code('restricted', s.d.action)}` +
        (points !== null ? ` of ${s.signed(points)}` : '') +
        (s.d.target ? ` for ${s.target(s.d.target)}` : '') +
        (s.d.requestedBy ? `, asked by ${s.staff(s.d.requestedBy)}` : ''),
      uses: ['action', 'points', 'target', 'requestedBy', 'approverId'],
    };
  },
  'approval.refused': (s) => ({
    text:
      `Approval of ${s.code('restricted', s.d.action)} refused: ${s.code('refusals', s.d.reason ?? 'other_action')}` +
      (s.d.approverId !== undefined
        ? ` (approver ${s.staff(s.d.approverId)}, asked by ${s.actor})`
        : ` (asked by ${s.actor})`),
    uses: ['action', 'reason', 'approverId'],
  }),
  'approval.requested': (s) => ({
    text:
      `${s.actor} asked a manager to approve ${s.code('restricted', s.d.action)}` +
      (s.d.target ? ` for ${s.target(s.d.target)}` : ''),
    uses: ['action', 'target'],
  }),
  'approval.denied': (s) => ({ text: `${s.actor} denied ${s.code('restricted', s.d.action)}`, uses: ['action'] }),
  'approval.used': (s) => ({
    text: `${s.actor} used the approval for ${s.code('restricted', s.d.action)}`,
    uses: ['action'],
  }),
  'member.enrolled': (s) => ({ text: `${s.actor} enrolled ${s.subject}` }),
  'member.updated': (s) => ({
    text: `${s.actor} changed the ${fieldList(s)} of ${s.subject}`,
    uses: ['fields'],
  }),
  'member.contacts_revealed': (s) => ({
    text:
      `${s.actor} revealed the contacts of ${s.subject}` +
      (s.d.source === 'hq' ? ' from head office' : '') +
      ` (${s.code('revealReasons', s.d.reasonCode)})`,
    uses: ['reasonCode', 'source'],
  }),
  'member.erasure_requested': (s) => ({
    text: `${s.actor} asked head office to erase ${s.subject} (${s.code('erasureReasons', s.d.reasonCode)})`,
    uses: ['reasonCode'],
  }),
  'member.erased_here': (s) => ({
    text: `${s.actor} erased ${s.subject} (${s.code('erasureReasons', s.d.reasonCode)})`,
    uses: ['reasonCode'],
  }),
  'member.exported': (s) => ({
    text:
      `${s.actor} handed ${s.subject} a copy of their data ${s.code('sources', s.d.source)}` +
      ` (${s.code('exportPurposes', s.d.purpose)}${s.d.complete === false ? ', incomplete' : ''})`,
    uses: ['purpose', 'source', 'complete'],
  }),
  'consent.changed': (s) => ({
    text:
      s.d.granted === true
        ? `${s.actor} recorded the consent of ${s.subject} to ${s.code('consentPurposes', s.d.purpose)}`
        : `${s.actor} recorded that ${s.subject} withdrew consent to ${s.code('consentPurposes', s.d.purpose)}`,
    uses: ['granted', 'purpose'],
  }),
  'points.earned': (s) => ({
    text: `${s.actor} gave ${s.subject} ${s.signed(s.num('points'))} points`,
    uses: ['points'],
  }),
  'points.redeemed': (s) => {
    const reward = typeof s.d.rewardId === 'string' ? s.rewardName(s.d.rewardId) : null;
    return {
      text:
        `${s.actor} redeemed ${s.plain(Math.abs(s.num('points') ?? 0))} points of ${s.subject}` +
        (reward ? ` for “${reward}”` : ''),
      uses: reward ? ['points', 'rewardId'] : ['points'],
    };
  },
  'points.adjusted': (s) => ({
    text:
      `${s.actor} adjusted the points of ${s.subject} by ${s.signed(s.num('points'))}` +
      (s.d.approvedBy ? `, approved by ${s.staff(s.d.approvedBy)}` : ''),
    uses: ['points', 'approvedBy'],
  }),
  'points.reversed': (s) => ({
    text:
      `${s.actor} reversed ${s.signed(-(s.num('points') ?? 0))} points of ${s.subject}` +
      (s.d.approvedBy ? `, approved by ${s.staff(s.d.approvedBy)}` : ''),
    uses: ['points', 'approvedBy'],
  }),
  'settings.changed': (s) => ({ text: `${s.actor} changed the ${s.code('settings', s.d.setting)}`, uses: ['setting'] }),
  'audit.verified': (s) => ({
    text:
      s.d.ok === true
        ? `${s.actor} verified the audit chain: intact, ${s.plain(s.num('checked'))} entries checked`
        : `${s.actor} verified the audit chain: broken at entry ${s.plain(s.num('firstBrokenSeq'))}`,
    uses: ['ok', 'checked', 'firstBrokenSeq'],
  }),
  'audit.purged': (s) => ({
    text: `${s.plain(s.num('count'))} audit entries older than ${s.plain(s.num('years'))} years were deleted`,
    uses: ['count', 'years'],
  }),
  'audit.exported': (s) => ({
    text: `${s.actor} exported ${s.plain(s.num('entries'))} audit entries for an auditor`,
    uses: ['entries'],
  }),
  'device.paired': (s) => ({ text: `${s.actor} paired this till with head office` }),
  'device.revoked': () => ({ text: 'Head office revoked this till' }),
  'database.rekeyed': (s) => ({
    text: `${s.actor} re-encrypted this till's database under a new key (${s.code('rekeyReasons', s.d.reason)})`,
    // The new key's check value identifies the rekey for the till itself; it says nothing to a reader.
    uses: ['reason', 'keyCheck'],
  }),
  'sync.run': (s) => ({ text: `${s.actor} started a sync`, uses: ['manual'] }),
  'sync.day_end': (s) => ({
    text: `${s.actor} sent the day end to head office: ${s.code('dayEndStatus', s.d.status)}`,
    uses: ['status'],
  }),
  // The reason code stays in the raw entry; the sentence says what HQ held.
  'sync.rolled_back': (s) => ({
    text:
      'Head office refused this till as restored from an old copy: it already holds operation ' +
      `${s.plain(s.num('hqLastSeq'))} and audit entry ${s.plain(s.num('hqAuditSeq'))}. Sync stopped`,
    uses: ['reason', 'hqLastSeq', 'hqAuditSeq'],
  }),
  'member.searched': (s) => ({
    text: `${s.actor} searched by ${s.code('searchBy', s.d.by)}: ${s.plain(s.num('results'))} found`,
    // The listed members' ids stay in the raw entry (the auditor's JSON lines), not in the sentence.
    uses: ['by', 'results', 'memberIds'],
  }),
  'member.viewed': (s) => ({ text: `${s.actor} opened the record of ${s.subject}` }),
  'detection.alert': (s) => ({
    text:
      `Alert: ${s.code('rules', s.d.rule)} by ${s.d.staffId !== undefined ? s.staff(s.d.staffId) : s.actor}` +
      ` (${s.plain(s.num('count'))} of ${s.plain(s.num('threshold'))} allowed, ${s.code('modes', s.d.mode)})`,
    uses: ['rule', 'count', 'threshold', 'mode', 'staffId'],
  }),
  'detection.acknowledged': (s) => ({ text: `${s.actor} acknowledged ${s.subject}` }),
  'detection.hold_placed': (s) => ({
    text: `${s.subject || s.actor} was put on hold by the rule “${s.code('rules', s.d.rule)}”`,
    uses: ['rule'],
  }),
  'detection.hold_cleared': (s) => ({ text: `${s.actor} cleared the hold on ${s.subject}`, uses: ['rule'] }),
};

const RU: Sentences = {
  'staff.bootstrap': (s) => ({ text: `${s.actor}: касса настроена, первый управляющий`, uses: ['role'] }),
  'staff.added': (s) => ({
    text: `${s.actor}: добавлен сотрудник ${s.subject} (${s.code('roles', s.d.role)})`,
    uses: ['role'],
  }),
  'session.login': (s) => ({
    text: s.d.mustChangePin === true ? `${s.actor}: вход с временным ПИН-кодом` : `${s.actor}: вход`,
    uses: ['mustChangePin'],
  }),
  'session.login_failed': (s) => {
    const reason = s.code('refusals', s.d.reason ?? 'wrong_pin');
    if (s.d.approverId !== undefined) {
      return {
        text: `Подтверждение от ${s.staff(s.d.approverId)} отклонено: ${reason} (запросил(а) ${s.actor})`,
        uses: ['approverId', 'reason', 'purpose'],
      };
    }
    return { text: `${s.actor}: ${reason} (${s.code('purposes', s.d.purpose)})`, uses: ['reason', 'purpose'] };
  },
  'session.login_delayed': (s) => ({
    text: `${s.d.approverId !== undefined ? s.staff(s.d.approverId) : s.actor}: ожидание ${s.plain(s.num('waitSeconds'))} с после неверных ПИН-кодов (${s.code('purposes', s.d.purpose)})`,
    uses: ['waitSeconds', 'purpose', 'approverId'],
  }),
  'session.lockout': (s) => ({
    text: `ПИН-код сотрудника ${s.d.approverId !== undefined ? s.staff(s.d.approverId) : s.subject || s.actor} отключён после многих неверных попыток`,
    uses: ['purpose', 'approverId'],
  }),
  'session.locked': (s) => ({
    text: `${s.actor}: касса заблокирована ${s.code('lockReasons', s.d.reason)}`,
    uses: ['reason'],
  }),
  'session.logout': (s) => ({ text: `${s.actor}: выход` }),
  'staff.pin_changed': (s) => ({ text: `${s.actor}: свой ПИН-код изменён` }),
  'staff.pin_reset': (s) => ({ text: `${s.actor}: сброшен ПИН-код сотрудника ${s.subject}`, uses: ['approvalId'] }),
  'staff.unlocked': (s) => ({
    text: `${s.actor}: разблокирован ПИН-код сотрудника ${s.subject}`,
    uses: ['approvalId'],
  }),
  'approval.granted': (s) => {
    const points = s.num('points');
    return {
      text:
        `${approverOf(s)}: подтверждено действие «${s.code('restricted', s.d.action)}»` +
        (points !== null ? ` на ${s.signed(points)}` : '') +
        (s.d.target ? ` для ${s.target(s.d.target)}` : '') +
        (s.d.requestedBy ? `, запросил(а) ${s.staff(s.d.requestedBy)}` : ''),
      uses: ['action', 'points', 'target', 'requestedBy', 'approverId'],
    };
  },
  'approval.refused': (s) => ({
    text:
      `Подтверждение действия «${s.code('restricted', s.d.action)}» отклонено: ${s.code('refusals', s.d.reason ?? 'other_action')}` +
      (s.d.approverId !== undefined
        ? ` (подтверждающий ${s.staff(s.d.approverId)}, запросил(а) ${s.actor})`
        : ` (запросил(а) ${s.actor})`),
    uses: ['action', 'reason', 'approverId'],
  }),
  'approval.requested': (s) => ({
    text:
      `${s.actor}: запрошено подтверждение управляющего на «${s.code('restricted', s.d.action)}»` +
      (s.d.target ? ` для ${s.target(s.d.target)}` : ''),
    uses: ['action', 'target'],
  }),
  'approval.denied': (s) => ({
    text: `${s.actor}: отказано в действии «${s.code('restricted', s.d.action)}»`,
    uses: ['action'],
  }),
  'approval.used': (s) => ({
    text: `${s.actor}: использовано подтверждение на «${s.code('restricted', s.d.action)}»`,
    uses: ['action'],
  }),
  'member.enrolled': (s) => ({ text: `${s.actor}: зарегистрирован участник ${s.subject}` }),
  'member.updated': (s) => ({
    text: `${s.actor}: у участника ${s.subject} изменено: ${fieldList(s)}`,
    uses: ['fields'],
  }),
  'member.contacts_revealed': (s) => ({
    text:
      `${s.actor}: показаны контакты участника ${s.subject}` +
      (s.d.source === 'hq' ? ' из головного офиса' : '') +
      ` (${s.code('revealReasons', s.d.reasonCode)})`,
    uses: ['reasonCode', 'source'],
  }),
  'member.erasure_requested': (s) => ({
    text: `${s.actor}: головному офису отправлен запрос на удаление участника ${s.subject} (${s.code('erasureReasons', s.d.reasonCode)})`,
    uses: ['reasonCode'],
  }),
  'member.erased_here': (s) => ({
    text: `${s.actor}: удалены данные участника ${s.subject} (${s.code('erasureReasons', s.d.reasonCode)})`,
    uses: ['reasonCode'],
  }),
  'member.exported': (s) => ({
    text:
      `${s.actor}: участнику ${s.subject} выдана копия его данных ${s.code('sources', s.d.source)}` +
      ` (${s.code('exportPurposes', s.d.purpose)}${s.d.complete === false ? ', неполная' : ''})`,
    uses: ['purpose', 'source', 'complete'],
  }),
  'consent.changed': (s) => ({
    text:
      s.d.granted === true
        ? `${s.actor}: записано согласие участника ${s.subject} на ${s.code('consentPurposes', s.d.purpose)}`
        : `${s.actor}: записан отзыв согласия участника ${s.subject} на ${s.code('consentPurposes', s.d.purpose)}`,
    uses: ['granted', 'purpose'],
  }),
  'points.earned': (s) => ({
    text: `${s.actor}: участнику ${s.subject} начислено ${s.signed(s.num('points'))} баллов`,
    uses: ['points'],
  }),
  'points.redeemed': (s) => {
    const reward = typeof s.d.rewardId === 'string' ? s.rewardName(s.d.rewardId) : null;
    return {
      text:
        `${s.actor}: у участника ${s.subject} списано ${s.plain(Math.abs(s.num('points') ?? 0))} баллов` +
        (reward ? ` на «${reward}»` : ''),
      uses: reward ? ['points', 'rewardId'] : ['points'],
    };
  },
  'points.adjusted': (s) => ({
    text:
      `${s.actor}: баллы участника ${s.subject} скорректированы на ${s.signed(s.num('points'))}` +
      (s.d.approvedBy ? `, подтвердил(а) ${s.staff(s.d.approvedBy)}` : ''),
    uses: ['points', 'approvedBy'],
  }),
  'points.reversed': (s) => ({
    text:
      `${s.actor}: у участника ${s.subject} отменено ${s.signed(-(s.num('points') ?? 0))} баллов` +
      (s.d.approvedBy ? `, подтвердил(а) ${s.staff(s.d.approvedBy)}` : ''),
    uses: ['points', 'approvedBy'],
  }),
  'settings.changed': (s) => ({
    text: `${s.actor}: изменена настройка «${s.code('settings', s.d.setting)}»`,
    uses: ['setting'],
  }),
  'audit.verified': (s) => ({
    text:
      s.d.ok === true
        ? `${s.actor}: цепочка аудита проверена, не нарушена, проверено записей: ${s.plain(s.num('checked'))}`
        : `${s.actor}: цепочка аудита проверена, нарушена на записи ${s.plain(s.num('firstBrokenSeq'))}`,
    uses: ['ok', 'checked', 'firstBrokenSeq'],
  }),
  'audit.purged': (s) => ({
    text: `Удалено записей аудита старше ${s.plain(s.num('years'))} лет: ${s.plain(s.num('count'))}`,
    uses: ['count', 'years'],
  }),
  'audit.exported': (s) => ({
    text: `${s.actor}: выгружено записей аудита для аудитора: ${s.plain(s.num('entries'))}`,
    uses: ['entries'],
  }),
  'device.paired': (s) => ({ text: `${s.actor}: касса подключена к головному офису` }),
  'device.revoked': () => ({ text: 'Головной офис отозвал эту кассу' }),
  'database.rekeyed': (s) => ({
    text: `${s.actor}: база данных кассы перешифрована новым ключом (${s.code('rekeyReasons', s.d.reason)})`,
    uses: ['reason', 'keyCheck'],
  }),
  'sync.run': (s) => ({ text: `${s.actor}: запущена синхронизация`, uses: ['manual'] }),
  'sync.day_end': (s) => ({
    text: `${s.actor}: закрытие дня отправлено в головной офис, ${s.code('dayEndStatus', s.d.status)}`,
    uses: ['status'],
  }),
  'sync.rolled_back': (s) => ({
    text:
      'Головной офис не принял кассу как восстановленную из старой копии: у него уже есть операция ' +
      `${s.plain(s.num('hqLastSeq'))} и запись аудита ${s.plain(s.num('hqAuditSeq'))}. Синхронизация остановлена`,
    uses: ['reason', 'hqLastSeq', 'hqAuditSeq'],
  }),
  'member.searched': (s) => ({
    text: `${s.actor}: поиск по ${s.code('searchBy', s.d.by)}, найдено: ${s.plain(s.num('results'))}`,
    // The listed members' ids stay in the raw entry (the auditor's JSON lines), not in the sentence.
    uses: ['by', 'results', 'memberIds'],
  }),
  'member.viewed': (s) => ({ text: `${s.actor}: открыта карточка участника ${s.subject}` }),
  'detection.alert': (s) => ({
    text:
      `Оповещение: ${s.code('rules', s.d.rule)}, сотрудник ${s.d.staffId !== undefined ? s.staff(s.d.staffId) : s.actor}` +
      ` (${s.plain(s.num('count'))} при пороге ${s.plain(s.num('threshold'))}, ${s.code('modes', s.d.mode)})`,
    uses: ['rule', 'count', 'threshold', 'mode', 'staffId'],
  }),
  'detection.acknowledged': (s) => ({ text: `${s.actor}: принято ${s.subject}` }),
  'detection.hold_placed': (s) => ({
    text: `${s.subject || s.actor}: действия ограничены правилом «${s.code('rules', s.d.rule)}»`,
    uses: ['rule'],
  }),
  'detection.hold_cleared': (s) => ({
    text: `${s.actor}: снято ограничение с сотрудника ${s.subject}`,
    uses: ['rule'],
  }),
};

const SENTENCES: Readonly<Record<AuditLanguage, Sentences>> = { en: EN, ru: RU };

/** Whether every action has a sentence in the language (the unit test iterates AUDIT_ACTIONS with it). */
export function hasAuditSentence(action: string, language: AuditLanguage): boolean {
  return Object.hasOwn(SENTENCES[language], action);
}

function fieldList(s: Say): string {
  const fields = typeof s.d.fields === 'string' ? s.d.fields.split(',').filter(Boolean) : [];
  return fields.map((field) => s.w.fields[field] ?? field).join(s.w.listSeparator);
}

/** Which kind of reference an id-valued detail key is. */
const REF_KINDS: Readonly<Record<string, Parameters<AuditWords['ref']>[0]>> = {
  opId: 'op',
  reversesOpId: 'op',
  approvalId: 'approval',
  alertId: 'alert',
  storeId: 'store',
  deviceId: 'device',
  requestId: 'request',
  dayEndId: 'dayEnd',
  exportId: 'id',
  erasureRequest: 'request',
};
const STAFF_KEYS = new Set(['requestedBy', 'approvedBy', 'approverId', 'staffId', 'filteredStaffId']);
const MEMBER_KEYS = new Set(['memberId']);
/** Detail keys whose value is a code, and the table that translates it. */
const CODE_TABLES: Readonly<Record<string, keyof AuditWords>> = {
  purpose: 'purposes',
  role: 'roles',
  action: 'restricted',
  reasonCode: 'reasonCodes',
  rule: 'rules',
  mode: 'modes',
  source: 'sources',
  status: 'dayEndStatus',
  setting: 'settings',
  by: 'searchBy',
  group: 'groups',
};

interface BuildOptions {
  language: AuditLanguage;
  book: AuditNameBook;
}

function makeSay(entry: AuditEntryLike, { language, book }: BuildOptions) {
  const w = AUDIT_WORDS[language];
  const d = entry.details;
  const staff = (id: AuditDetailValue | undefined): string => {
    if (typeof id !== 'string' || id === '') return w.system;
    return book.staff(id) ?? w.unknownStaff(shortRef(id));
  };
  const member = (id: AuditDetailValue | undefined): string => {
    if (typeof id !== 'string' || id === '') return w.unknownMember('—');
    const label = book.member(id);
    if (!label) return w.unknownMember(shortRef(id));
    return 'erased' in label ? w.erasedMember : w.member(label.maskedName, label.maskedCard);
  };
  const table = (name: keyof AuditWords): Readonly<Record<string, string>> =>
    w[name] as unknown as Readonly<Record<string, string>>;
  const code = (name: keyof AuditWords, value: AuditDetailValue | undefined): string => {
    if (value === null || value === undefined) return '—';
    const text = String(value);
    return table(name)[text] ?? text;
  };
  const ref = (kind: Parameters<AuditWords['ref']>[0], id: AuditDetailValue | undefined) =>
    typeof id === 'string' ? w.ref(kind, shortRef(id)) : '—';
  const subjectWord = (): string => {
    if (!entry.subjectId) return '';
    switch (entry.subjectType) {
      case 'staff':
        return staff(entry.subjectId);
      case 'member':
        return member(entry.subjectId);
      case 'approval':
        return ref('approval', entry.subjectId);
      case 'alert':
        return ref('alert', entry.subjectId);
      case 'device':
        return ref('device', entry.subjectId);
      default:
        return UUID.test(entry.subjectId) ? shortRef(entry.subjectId) : entry.subjectId;
    }
  };
  const actor = entry.staffId === null ? w.system : staff(entry.staffId);
  const say: Say = {
    w,
    language,
    actor,
    d,
    str: (key) => (typeof d[key] === 'string' ? d[key] : null),
    num: (key) => (typeof d[key] === 'number' ? d[key] : null),
    staff,
    member,
    target: (id) => {
      if (typeof id !== 'string') return '—';
      if (book.staff(id) !== null) return staff(id);
      if (book.member(id) !== null) return member(id);
      return UUID.test(id) ? shortRef(id) : id;
    },
    code,
    signed: (n) => (n === null ? '—' : formatNumber(n, language, true)),
    plain: (n) => (n === null ? '—' : formatNumber(n, language, false)),
    ref,
    subject: subjectWord(),
    rewardName: (id) => book.reward?.(id) ?? null,
    instant: (iso) =>
      new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso)),
  };
  return say;
}

/** One detail as "Label: value" in words. */
function describeDetail(key: string, value: AuditDetailValue, say: Say): string {
  const { w } = say;
  const label = w.labels[key] ?? key;
  let text: string;
  if (value === null) text = '—';
  else if (typeof value === 'boolean') text = value ? w.yes : w.no;
  else if (typeof value === 'number') text = key.endsWith('Seq') ? String(value) : say.plain(value);
  else if (STAFF_KEYS.has(key)) text = say.staff(value);
  else if (MEMBER_KEYS.has(key)) text = say.member(value);
  else if (key === 'target') text = say.target(value);
  else if (REF_KINDS[key]) text = shortRef(value);
  else if ((key === 'from' || key === 'to' || key === 'expiresAt') && !Number.isNaN(Date.parse(value)))
    text = say.instant(value);
  else if (key === 'reason') text = say.code('refusals', value);
  else if (key === 'reasonCode') text = describeReasonCode(value, w);
  else if (key === 'purpose') text = w.purposes[value] ?? w.exportPurposes[value] ?? w.consentPurposes[value] ?? value;
  else if (CODE_TABLES[key]) text = say.code(CODE_TABLES[key], value);
  else if (key === 'rewardId') text = say.rewardName(value) ?? shortRef(value);
  else text = UUID.test(value) ? shortRef(value) : value;
  return `${label}: ${text}`;
}

function describeReasonCode(value: string, w: AuditWords): string {
  return w.reasonCodes[value] ?? w.revealReasons[value] ?? w.erasureReasons[value] ?? value;
}

/** The entry in words. An action this build does not know is named as recorded, its details in words. */
export function describeAuditEntry(
  entry: AuditEntryLike,
  language: AuditLanguage,
  book: AuditNameBook,
): DescribedAuditEntry {
  const say = makeSay(entry, { language, book });
  const describe = hasAuditSentence(entry.action, language) ? SENTENCES[language][entry.action as AuditAction] : null;
  const described = describe ? describe(say) : { text: `${say.actor}: ${entry.action}` };
  const used = new Set(described.uses ?? []);
  const details = Object.entries(entry.details)
    // A detail left empty (no date range, no broken entry) says nothing worth a line.
    .filter(([key, value]) => !used.has(key) && value !== null)
    .map(([key, value]) => describeDetail(key, value, say));
  return { actor: say.actor, sentence: described.text, details };
}

/**
 * Details alone in words ("Reason: goodwill"), for entries this module has no sentence for: HQ's
 * operator trail, whose actions the console names itself.
 */
export function describeAuditDetails(
  details: Readonly<Record<string, AuditDetailValue>>,
  language: AuditLanguage,
  book: AuditNameBook,
): string[] {
  const say = makeSay({ staffId: null, action: '', subjectType: null, subjectId: null, details }, { language, book });
  return Object.entries(details)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => describeDetail(key, value, say));
}
