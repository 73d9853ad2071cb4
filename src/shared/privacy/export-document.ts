import type { Language } from '../i18n/languages';
import type { MemberExport } from './member-export';

/**
 * A member's data export as a printable page (GDPR Art. 12: intelligible, in clear and plain
 * language), the human-readable companion of the JSON. Shared by HQ and the till so both hand over
 * the same document. It is a standalone file the member keeps, not a page of either app: one
 * self-contained HTML5 document, no script, nothing fetched (its CSP allows only its own style).
 *
 * Every value from the export is escaped where it enters the markup: names, recipients and codes
 * came from people and tills, and a name like `<img onerror=…>` must print as text.
 */

const EN = {
  title: 'Your loyalty programme data',
  'about.heading': 'Who we are and what this is',
  'about.who':
    'This document comes from the loyalty programme you joined in our stores. It answers your request to see the personal data the programme holds about you, a right data protection law gives you.',
  'about.only':
    'It holds information about you only: the records of other members and the names of our staff are left out.',
  'about.json':
    'The same data comes with it as a machine-readable JSON file, which you may keep or give to another service.',
  'about.rights':
    'If anything here is wrong, ask us to correct it. You may also ask us to erase your data or to stop using it for marketing.',
  'about.caption': 'About this copy',
  'field.exportId': 'Reference',
  'field.generatedAt': 'Produced on',
  'field.purpose': 'Your request',
  'field.producedBy': 'Produced by',
  'field.format': 'Data format',
  'purpose.access_request': 'To see your data',
  'purpose.portability_request': 'A copy of your data to take elsewhere',
  'producedBy.hq': 'Head office',
  'producedBy.till': 'A till in store {store}',
  'missing.heading': 'What this document does not include',
  'missing.intro':
    'This copy was made at a store till that could not reach head office, so it is incomplete. These parts are kept only at head office; ask us and we will send them:',
  'missing.contacts_held_at_hq': 'Your phone number and e-mail address: the till keeps them only partly hidden.',
  'missing.ledger_from_other_stores': 'Points you earned or spent in our other stores.',
  'missing.consent_history_at_hq': 'Consent choices you made in our other stores.',
  'missing.audit_at_hq': 'The record of when head office staff looked at your data.',
  'missing.disclosures_at_hq': 'The list of organisations we shared your data with.',
  'missing.requests_at_hq': 'Your earlier requests to erase your data or to get a copy of it.',
  'details.heading': 'Your details',
  'details.caption': 'The personal details we hold about you',
  'field.memberId': 'Member number',
  'field.name': 'Name',
  'field.cardNumber': 'Card number',
  'field.phone': 'Phone',
  'field.email': 'E-mail',
  'field.birthDate': 'Date of birth',
  'field.homeStoreId': 'Store where you joined',
  'field.enrolledAt': 'Joined on',
  'field.tier': 'Tier',
  'field.points': 'Points balance',
  'field.erasureRequested': 'You asked us to erase your data',
  'tier.standard': 'Standard',
  'tier.silver': 'Silver',
  'tier.gold': 'Gold',
  'value.none': 'None',
  'value.yes': 'Yes',
  'value.no': 'No',
  'value.empty': 'Nothing recorded.',
  'consents.heading': 'Your consents',
  'consents.current.caption': 'What you agree to now',
  'consents.history.caption': 'Every consent choice recorded',
  'col.purpose': 'Purpose',
  'col.choice': 'Your choice',
  'col.noticeVersion': 'Privacy notice version',
  'col.since': 'Since',
  'col.confirmedAt': 'E-mail address confirmed',
  'col.date': 'Date',
  'col.noticeLanguage': 'Notice language',
  'col.channel': 'How it was recorded',
  'col.store': 'Store',
  'col.device': 'Till',
  'col.staff': 'Staff member (number)',
  'consentPurpose.terms': 'Programme terms',
  'consentPurpose.marketing_email': 'Marketing by e-mail',
  'consentPurpose.marketing_sms': 'Marketing by text message',
  'consent.granted': 'Agreed',
  'consent.refused': 'Not agreed',
  'channel.counter': 'At the counter',
  'channel.erasure_request': 'Withdrawn when you asked for erasure',
  'channel.erasure': 'Withdrawn when your data was erased',
  'language.en': 'English',
  'language.ru': 'Russian',
  'ledger.heading': 'Your points and transactions',
  'ledger.caption': 'Every change to your points balance',
  'col.entry': 'Entry',
  'col.kind': 'Type',
  'col.points': 'Points',
  'col.receipt': 'Receipt',
  'col.amount': 'Purchase amount',
  'col.reward': 'Reward',
  'col.reason': 'Reason',
  'col.reverses': 'Reverses entry',
  'kind.earn': 'Earned',
  'kind.redeem': 'Spent on a reward',
  'kind.adjust': 'Adjustment',
  'kind.reversal': 'Reversal',
  'redemptions.heading': 'Rewards redeemed',
  'redemptions.caption': 'Rewards you took with your points',
  'col.status': 'Status',
  'redemption.kept': 'Redeemed',
  'redemption.reversed': 'Cancelled, points returned',
  'access.heading': 'Who accessed your data',
  'access.intro':
    'Each time someone at head office searched for, looked at or acted on your record. Their names are left out; ask us if you want to know more.',
  'access.caption': 'Head office access to your record',
  'col.action': 'What was done',
  'action.member.search': 'Your record was found by a search',
  'action.member.reveal': 'Your contact details were shown',
  'action.member.erase': 'Erasure of your data was requested',
  'action.member.data_request': 'A request about your data was handled',
  'reason.data_subject_request': 'Your request about your data',
  'reason.member_support': 'Helping you as a member',
  'reason.breach_investigation': 'Investigating a security incident',
  'reason.legal_obligation': 'A legal obligation',
  'reason.member_request': 'You asked',
  'reason.customer_request': 'You asked',
  'reason.left_program': 'You left the programme',
  'reason.consent_withdrawn': 'You withdrew your consent',
  'reason.unlawful_processing': 'The data should not have been used',
  'reason.inactivity': 'No activity for a long time',
  'reason.goodwill': 'Goodwill',
  'disclosures.heading': 'Who we shared your data with',
  'disclosures.caption': 'Organisations that received data about you',
  'col.recipient': 'Recipient',
  'col.fields': 'Data shared',
  'col.form': 'Form',
  'form.pseudonymised': 'Without your name or contacts (pseudonymised)',
  'form.identified': 'With your name or contacts',
  'dataField.memberId': 'Member number',
  'dataField.cardNumber': 'Card number',
  'dataField.givenName': 'Given name',
  'dataField.familyName': 'Family name',
  'dataField.phone': 'Phone',
  'dataField.email': 'E-mail',
  'dataField.birthDate': 'Date of birth',
  'dataField.tier': 'Tier',
  'dataField.points': 'Points balance',
  'dataField.homeStoreId': 'Store where you joined',
  'requests.heading': 'Your requests',
  'requests.erasure.caption': 'Requests to erase your data',
  'requests.exports.caption': 'Earlier copies of your data',
  'col.requestedAt': 'Asked on',
  'col.source': 'Made through',
  'col.dueAt': 'Due on',
  'col.completedAt': 'Done on',
  'col.createdAt': 'Produced on',
  'source.till': 'A store till',
  'source.console': 'Head office',
  'source.retention': 'Our data retention rules',
  'status.pending': 'Waiting',
  'status.completed': 'Done',
  'status.cancelled': 'Cancelled',
} as const;

export type ExportTextKey = keyof typeof EN;

const RU: Record<ExportTextKey, string> = {
  title: 'Ваши данные в программе лояльности',
  'about.heading': 'Кто мы и что это за документ',
  'about.who':
    'Этот документ подготовлен программой лояльности, к которой вы присоединились в наших магазинах. Это ответ на ваш запрос о персональных данных, которые программа хранит о вас: такое право даёт вам закон о защите данных.',
  'about.only': 'В нём только сведения о вас: записи других участников и имена наших сотрудников не включены.',
  'about.json':
    'К нему приложены те же данные в машиночитаемом файле JSON: его можно сохранить или передать другому сервису.',
  'about.rights':
    'Если что-то указано неверно, попросите нас исправить. Вы также можете попросить удалить ваши данные или не использовать их для рекламы.',
  'about.caption': 'Об этой копии',
  'field.exportId': 'Номер документа',
  'field.generatedAt': 'Подготовлен',
  'field.purpose': 'Ваш запрос',
  'field.producedBy': 'Кем подготовлен',
  'field.format': 'Формат данных',
  'purpose.access_request': 'Ознакомиться с вашими данными',
  'purpose.portability_request': 'Получить копию данных для передачи',
  'producedBy.hq': 'Центральный офис',
  'producedBy.till': 'Касса магазина {store}',
  'missing.heading': 'Чего нет в этом документе',
  'missing.intro':
    'Эта копия подготовлена на кассе магазина без связи с центральным офисом, поэтому она неполная. Эти части хранятся только в центральном офисе; обратитесь к нам, и мы их пришлём:',
  'missing.contacts_held_at_hq':
    'Ваш номер телефона и адрес электронной почты: на кассе они хранятся лишь частично скрытыми.',
  'missing.ledger_from_other_stores': 'Баллы, начисленные или потраченные в других наших магазинах.',
  'missing.consent_history_at_hq': 'Согласия, которые вы давали или отзывали в других наших магазинах.',
  'missing.audit_at_hq': 'Записи о том, когда сотрудники центрального офиса обращались к вашим данным.',
  'missing.disclosures_at_hq': 'Список организаций, которым мы передавали ваши данные.',
  'missing.requests_at_hq': 'Ваши прежние запросы на удаление данных или на их копию.',
  'details.heading': 'Ваши сведения',
  'details.caption': 'Персональные данные, которые мы о вас храним',
  'field.memberId': 'Номер участника',
  'field.name': 'Имя и фамилия',
  'field.cardNumber': 'Номер карты',
  'field.phone': 'Телефон',
  'field.email': 'Электронная почта',
  'field.birthDate': 'Дата рождения',
  'field.homeStoreId': 'Магазин, где вы присоединились',
  'field.enrolledAt': 'Дата вступления',
  'field.tier': 'Уровень',
  'field.points': 'Баланс баллов',
  'field.erasureRequested': 'Вы просили удалить ваши данные',
  'tier.standard': 'Стандартный',
  'tier.silver': 'Серебряный',
  'tier.gold': 'Золотой',
  'value.none': 'Нет',
  'value.yes': 'Да',
  'value.no': 'Нет',
  'value.empty': 'Записей нет.',
  'consents.heading': 'Ваши согласия',
  'consents.current.caption': 'На что вы согласны сейчас',
  'consents.history.caption': 'Все записанные решения о согласии',
  'col.purpose': 'Цель',
  'col.choice': 'Ваше решение',
  'col.noticeVersion': 'Версия уведомления о конфиденциальности',
  'col.since': 'С какого времени',
  'col.confirmedAt': 'Адрес электронной почты подтверждён',
  'col.date': 'Дата',
  'col.noticeLanguage': 'Язык уведомления',
  'col.channel': 'Как записано',
  'col.store': 'Магазин',
  'col.device': 'Касса',
  'col.staff': 'Сотрудник (номер)',
  'consentPurpose.terms': 'Условия программы',
  'consentPurpose.marketing_email': 'Реклама по электронной почте',
  'consentPurpose.marketing_sms': 'Реклама в SMS',
  'consent.granted': 'Согласие дано',
  'consent.refused': 'Согласия нет',
  'channel.counter': 'На кассе',
  'channel.erasure_request': 'Отозвано, когда вы попросили удалить данные',
  'channel.erasure': 'Отозвано при удалении данных',
  'language.en': 'английский',
  'language.ru': 'русский',
  'ledger.heading': 'Ваши баллы и операции',
  'ledger.caption': 'Все изменения баланса баллов',
  'col.entry': 'Запись',
  'col.kind': 'Вид',
  'col.points': 'Баллы',
  'col.receipt': 'Чек',
  'col.amount': 'Сумма покупки',
  'col.reward': 'Награда',
  'col.reason': 'Причина',
  'col.reverses': 'Отменяет запись',
  'kind.earn': 'Начислено',
  'kind.redeem': 'Потрачено на награду',
  'kind.adjust': 'Корректировка',
  'kind.reversal': 'Отмена',
  'redemptions.heading': 'Полученные награды',
  'redemptions.caption': 'Награды, полученные за баллы',
  'col.status': 'Состояние',
  'redemption.kept': 'Получена',
  'redemption.reversed': 'Отменена, баллы возвращены',
  'access.heading': 'Кто обращался к вашим данным',
  'access.intro':
    'Каждый случай, когда сотрудник центрального офиса искал, просматривал вашу запись или совершал с ней действие. Имена сотрудников не указаны; обратитесь к нам, если хотите узнать больше.',
  'access.caption': 'Обращения центрального офиса к вашей записи',
  'col.action': 'Что сделано',
  'action.member.search': 'Ваша запись найдена поиском',
  'action.member.reveal': 'Показаны ваши контактные данные',
  'action.member.erase': 'Запрошено удаление ваших данных',
  'action.member.data_request': 'Обработан запрос о ваших данных',
  'reason.data_subject_request': 'Ваш запрос о ваших данных',
  'reason.member_support': 'Помощь вам как участнику',
  'reason.breach_investigation': 'Расследование инцидента безопасности',
  'reason.legal_obligation': 'Требование закона',
  'reason.member_request': 'Ваша просьба',
  'reason.customer_request': 'Ваша просьба',
  'reason.left_program': 'Вы вышли из программы',
  'reason.consent_withdrawn': 'Вы отозвали согласие',
  'reason.unlawful_processing': 'Данные не должны были использоваться',
  'reason.inactivity': 'Долгое отсутствие активности',
  'reason.goodwill': 'Жест доброй воли',
  'disclosures.heading': 'Кому мы передавали ваши данные',
  'disclosures.caption': 'Организации, получившие данные о вас',
  'col.recipient': 'Получатель',
  'col.fields': 'Переданные данные',
  'col.form': 'Форма',
  'form.pseudonymised': 'Без имени и контактов (псевдонимизировано)',
  'form.identified': 'С именем или контактами',
  'dataField.memberId': 'Номер участника',
  'dataField.cardNumber': 'Номер карты',
  'dataField.givenName': 'Имя',
  'dataField.familyName': 'Фамилия',
  'dataField.phone': 'Телефон',
  'dataField.email': 'Электронная почта',
  'dataField.birthDate': 'Дата рождения',
  'dataField.tier': 'Уровень',
  'dataField.points': 'Баланс баллов',
  'dataField.homeStoreId': 'Магазин, где вы присоединились',
  'requests.heading': 'Ваши запросы',
  'requests.erasure.caption': 'Запросы на удаление данных',
  'requests.exports.caption': 'Прежние копии ваших данных',
  'col.requestedAt': 'Дата запроса',
  'col.source': 'Откуда',
  'col.dueAt': 'Срок',
  'col.completedAt': 'Выполнено',
  'col.createdAt': 'Подготовлена',
  'source.till': 'Касса магазина',
  'source.console': 'Центральный офис',
  'source.retention': 'Наши правила хранения данных',
  'status.pending': 'Ожидает',
  'status.completed': 'Выполнен',
  'status.cancelled': 'Отменён',
};

/** The document's texts per language; the two dictionaries have the same keys. */
export const EXPORT_DOCUMENT_TEXTS: Readonly<Record<Language, Readonly<Record<ExportTextKey, string>>>> = {
  en: EN,
  ru: RU,
};

const LOCALES: Record<Language, string> = { en: 'en-GB', ru: 'ru-RU' };
const MINUS = '\u2212';

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Names with no personal data in them: the export's reference, which the member quotes back to us. */
export function exportFileNames(doc: Pick<MemberExport, 'exportId'>): { json: string; html: string } {
  const stem = `loyalty-data-${doc.exportId.slice(0, 8)}`;
  return { json: `${stem}.json`, html: `${stem}.html` };
}

/** A table cell's text; numbers are set right-aligned. */
type Cell = string | { text: string; numeric: true };

class Writer {
  readonly locale: string;
  readonly texts: Readonly<Record<ExportTextKey, string>>;

  constructor(readonly language: Language) {
    this.locale = LOCALES[language];
    this.texts = EXPORT_DOCUMENT_TEXTS[language];
  }

  t(key: ExportTextKey): string {
    return this.texts[key];
  }

  /** A text with its `{name}` slots filled; a function replacer, so a '$&' in a value stays text. */
  fill(key: ExportTextKey, values: Readonly<Record<string, string>>): string {
    return this.t(key).replace(/\{(\w+)\}/g, (slot, name: string) => values[name] ?? slot);
  }

  /** The plain-words label of an open code (an audit action, a reason), or the code itself. */
  code(prefix: string, value: string): string {
    const key = `${prefix}.${value}`;
    return Object.hasOwn(this.texts, key) ? this.texts[key as ExportTextKey] : value;
  }

  /** A moment, to the minute, in UTC, saying so: the member may be anywhere. */
  instant(iso: string | null): string {
    if (iso === null) return this.t('value.none');
    return new Intl.DateTimeFormat(this.locale, {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: 'UTC',
      timeZoneName: 'short',
    }).format(new Date(iso));
  }

  /** A calendar day (a birth date): the same day wherever it is read. */
  day(value: string | null): string {
    if (value === null) return this.t('value.none');
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${value}T00:00:00Z`),
    );
  }

  /** Points with the typographic minus (U+2212) the apps show, signed when it is a change. */
  points(value: number, signed: boolean): string {
    return new Intl.NumberFormat(this.locale, { maximumFractionDigits: 0, signDisplay: signed ? 'exceptZero' : 'auto' })
      .formatToParts(value === 0 ? 0 : value)
      .map((part) => (part.type === 'minusSign' ? MINUS : part.value))
      .join('');
  }

  /** A purchase in minor units of `currency`, with that currency's usual decimals. */
  money(amountMinor: number | null, currency: string | null): string {
    if (amountMinor === null) return '';
    if (currency === null) return this.points(amountMinor, false);
    const format = new Intl.NumberFormat(this.locale, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amountMinor / 10 ** digits);
  }

  text(value: string | null): string {
    return value === null || value === '' ? this.t('value.none') : value;
  }

  yesNo(value: boolean): string {
    return this.t(value ? 'value.yes' : 'value.no');
  }

  /** A captioned table with column headers, or a sentence when there is nothing to list. */
  table(caption: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
    if (rows.length === 0) return `<p class="empty">${escapeHtml(caption)}: ${escapeHtml(this.t('value.empty'))}</p>`;
    const head = headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('');
    const body = rows.map((row) => `<tr>${row.map((cell) => cellHtml(cell)).join('')}</tr>`).join('\n');
    return `<table>
<caption>${escapeHtml(caption)}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>`;
  }

  /** A captioned two-column table whose row headers are the field names. */
  fields(caption: string, rows: readonly (readonly [string, string])[]): string {
    const body = rows
      .map(([name, value]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
      .join('\n');
    return `<table class="fields">
<caption>${escapeHtml(caption)}</caption>
<tbody>
${body}
</tbody>
</table>`;
  }

  section(id: string, heading: string, content: string, className?: string): string {
    const classAttribute = className === undefined ? '' : ` class="${escapeHtml(className)}"`;
    return `<section id="${escapeHtml(id)}"${classAttribute} aria-labelledby="${escapeHtml(id)}-heading">
<h2 id="${escapeHtml(id)}-heading">${escapeHtml(heading)}</h2>
${content}
</section>`;
  }

  paragraph(text: string): string {
    return `<p>${escapeHtml(text)}</p>`;
  }
}

function cellHtml(cell: Cell): string {
  return typeof cell === 'string' ? `<td>${escapeHtml(cell)}</td>` : `<td class="num">${escapeHtml(cell.text)}</td>`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; font-size: 11pt; line-height: 1.4; color: #111; margin: 2em; }
h1 { font-size: 18pt; }
h2 { font-size: 14pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0; font-size: 9.5pt; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
table.fields th { width: 35%; background: #f6f6f6; }
td.num { text-align: right; white-space: nowrap; }
.missing { border: 3px solid #b00020; padding: 0.5em 1em; margin: 1em 0; }
.missing h2 { color: #b00020; border: none; margin-top: 0.3em; }
@media print {
  body { margin: 0; }
  section { break-inside: auto; }
  h2 { break-after: avoid; }
  tr, caption { break-inside: avoid; }
  thead { display: table-header-group; }
}
`;

/** The export as one printable HTML5 document in its own language. */
export function renderExportDocument(doc: MemberExport): string {
  const w = new Writer(doc.language);
  const reward = (entry: { rewardId: string | null; rewardName: { en: string; ru: string } | null }): string =>
    entry.rewardName ? entry.rewardName[doc.language] : w.text(entry.rewardId);
  const rewardOfLedger = new Map(doc.redemptions.map((redemption) => [redemption.opId, reward(redemption)]));

  const about = w.section(
    'about',
    w.t('about.heading'),
    [
      w.paragraph(w.t('about.who')),
      w.paragraph(w.t('about.only')),
      w.paragraph(w.t('about.json')),
      w.paragraph(w.t('about.rights')),
      w.fields(w.t('about.caption'), [
        [w.t('field.exportId'), doc.exportId],
        [w.t('field.generatedAt'), w.instant(doc.generatedAt)],
        [w.t('field.purpose'), w.t(`purpose.${doc.purpose}`)],
        [
          w.t('field.producedBy'),
          doc.producedBy.kind === 'hq'
            ? w.t('producedBy.hq')
            : w.fill('producedBy.till', { store: doc.producedBy.storeId ?? '' }),
        ],
        [w.t('field.format'), doc.schema],
      ]),
    ].join('\n'),
  );

  const missing = doc.complete
    ? ''
    : w.section(
        'missing',
        w.t('missing.heading'),
        `${w.paragraph(w.t('missing.intro'))}
<ul>
${doc.missing.map((code) => `<li>${escapeHtml(w.t(`missing.${code}`))}</li>`).join('\n')}
</ul>`,
        'missing',
      );

  const m = doc.member;
  const details = w.section(
    'details',
    w.t('details.heading'),
    w.fields(w.t('details.caption'), [
      [w.t('field.memberId'), m.memberId],
      [w.t('field.name'), `${m.givenName} ${m.familyName}`.trim()],
      [w.t('field.cardNumber'), w.text(m.cardNumber)],
      [w.t('field.phone'), w.text(m.phone)],
      [w.t('field.email'), w.text(m.email)],
      [w.t('field.birthDate'), w.day(m.birthDate)],
      [w.t('field.homeStoreId'), m.homeStoreId],
      [w.t('field.enrolledAt'), w.instant(m.enrolledAt)],
      [w.t('field.tier'), w.t(`tier.${m.tier}`)],
      [w.t('field.points'), w.points(m.points, false)],
      [w.t('field.erasureRequested'), w.yesNo(m.erasureRequested)],
    ]),
  );

  const choice = (granted: boolean): string => w.t(granted ? 'consent.granted' : 'consent.refused');
  const current = doc.consents.current;
  const currentRows = (['terms', 'marketing_email', 'marketing_sms'] as const).map((purpose) => [
    w.t(`consentPurpose.${purpose}`),
    choice(current[purpose].granted),
    w.text(current[purpose].noticeVersion),
    current[purpose].since === null ? w.t('value.none') : w.instant(current[purpose].since),
    purpose === 'marketing_email' ? w.instant(current.marketing_email.confirmedAt) : '',
  ]);
  const consents = w.section(
    'consents',
    w.t('consents.heading'),
    [
      w.table(
        w.t('consents.current.caption'),
        [w.t('col.purpose'), w.t('col.choice'), w.t('col.noticeVersion'), w.t('col.since'), w.t('col.confirmedAt')],
        currentRows,
      ),
      w.table(
        w.t('consents.history.caption'),
        [
          w.t('col.date'),
          w.t('col.purpose'),
          w.t('col.choice'),
          w.t('col.noticeVersion'),
          w.t('col.noticeLanguage'),
          w.t('col.channel'),
          w.t('col.store'),
          w.t('col.device'),
          w.t('col.staff'),
        ],
        doc.consents.history.map((record) => [
          w.instant(record.at),
          w.t(`consentPurpose.${record.purpose}`),
          choice(record.granted),
          record.noticeVersion,
          w.t(`language.${record.noticeLanguage}`),
          w.code('channel', record.channel),
          record.storeId,
          w.text(record.deviceId),
          w.text(record.staffId),
        ]),
      ),
    ].join('\n'),
  );

  const ledger = w.section(
    'ledger',
    w.t('ledger.heading'),
    w.table(
      w.t('ledger.caption'),
      [
        w.t('col.date'),
        w.t('col.kind'),
        w.t('col.points'),
        w.t('col.store'),
        w.t('col.receipt'),
        w.t('col.amount'),
        w.t('col.reward'),
        w.t('col.reason'),
        w.t('col.entry'),
        w.t('col.reverses'),
      ],
      doc.ledger.map((entry) => [
        w.instant(entry.at),
        w.t(`kind.${entry.kind}`),
        { text: w.points(entry.points, true), numeric: true },
        entry.storeId,
        entry.reference ?? '',
        { text: w.money(entry.amountMinor, entry.currency), numeric: true },
        rewardOfLedger.get(entry.opId) ?? entry.rewardId ?? '',
        entry.reasonCode === null ? '' : w.code('reason', entry.reasonCode),
        entry.opId,
        entry.reversesOpId ?? '',
      ]),
    ),
  );

  const redemptions = w.section(
    'redemptions',
    w.t('redemptions.heading'),
    w.table(
      w.t('redemptions.caption'),
      [w.t('col.date'), w.t('col.reward'), w.t('col.points'), w.t('col.status'), w.t('col.entry')],
      doc.redemptions.map((redemption) => [
        w.instant(redemption.at),
        reward(redemption),
        { text: w.points(redemption.points, true), numeric: true },
        w.t(redemption.reversed ? 'redemption.reversed' : 'redemption.kept'),
        redemption.opId,
      ]),
    ),
  );

  const access = w.section(
    'access',
    w.t('access.heading'),
    [
      w.paragraph(w.t('access.intro')),
      w.table(
        w.t('access.caption'),
        [w.t('col.date'), w.t('col.action'), w.t('col.reason')],
        doc.accessLog.map((entry) => [
          w.instant(entry.at),
          w.code('action', entry.action),
          entry.reasonCode === null ? '' : w.code('reason', entry.reasonCode),
        ]),
      ),
    ].join('\n'),
  );

  const disclosures = w.section(
    'disclosures',
    w.t('disclosures.heading'),
    w.table(
      w.t('disclosures.caption'),
      [w.t('col.date'), w.t('col.recipient'), w.t('col.purpose'), w.t('col.fields'), w.t('col.form')],
      doc.disclosures.map((disclosure) => [
        w.instant(disclosure.disclosedAt),
        disclosure.recipient,
        w.code('consentPurpose', disclosure.purpose),
        disclosure.fields.map((field) => w.code('dataField', field)).join(', '),
        w.t(disclosure.pseudonymised ? 'form.pseudonymised' : 'form.identified'),
      ]),
    ),
  );

  const requests = w.section(
    'requests',
    w.t('requests.heading'),
    [
      w.table(
        w.t('requests.erasure.caption'),
        [
          w.t('col.requestedAt'),
          w.t('col.source'),
          w.t('col.reason'),
          w.t('col.status'),
          w.t('col.dueAt'),
          w.t('col.completedAt'),
        ],
        doc.requests.erasure.map((request) => [
          w.instant(request.requestedAt),
          w.t(`source.${request.source}`),
          w.code('reason', request.reasonCode),
          w.t(`status.${request.status}`),
          w.instant(request.dueAt),
          request.completedAt === null ? '' : w.instant(request.completedAt),
        ]),
      ),
      w.table(
        w.t('requests.exports.caption'),
        [w.t('col.createdAt'), w.t('col.purpose'), w.t('col.source')],
        doc.requests.exports.map((earlier) => [
          w.instant(earlier.createdAt),
          w.t(`purpose.${earlier.purpose}`),
          w.t(`source.${earlier.source}`),
        ]),
      ),
    ].join('\n'),
  );

  return `<!DOCTYPE html>
<html lang="${escapeHtml(doc.language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(w.t('title'))}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(w.t('title'))}</h1>
${[about, missing, details, consents, ledger, redemptions, access, disclosures, requests].filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}
