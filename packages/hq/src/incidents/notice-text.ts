import type { Language } from '../../../../src/shared/i18n/languages';

/**
 * The notice a member receives about a breach (GDPR Art. 34(2): in clear and plain language, the
 * nature of the breach, the likely consequences, the measures taken, and a contact point). One
 * template per language and exposure; the only values filled in are the store's name, dates and
 * the contact point, so no notice carries anything about another member. "What we did" is built
 * from what the register records as done when the list is made (the till revoked, the staff member's
 * access ended, the regulator told), so a notice never claims a measure that was not taken.
 */

export type NoticeExposure = 'masked' | 'full_contacts' | 'revealed' | 'touched';

export interface NoticeValues {
  storeName: string;
  /** The incident's window (or awareness, when it has none). */
  from: Date;
  to: Date;
  contactPoint: string;
  measures: NoticeMeasures;
}

/** What was done, as HQ's records say at the time the notice is made. */
export interface NoticeMeasures {
  /** The incident's till is revoked (devices.revoked_at). */
  tillBlocked: boolean;
  /** The incident's staff member is inactive in HQ's roster. */
  accessStopped: boolean;
  /** The regulator notification is recorded (incidents.regulator_notified_at). */
  regulatorNotified: boolean;
}

const DATE_LOCALE: Readonly<Record<Language, string>> = { en: 'en-GB', ru: 'ru-RU' };

export function noticeDate(date: Date, language: Language): string {
  return new Intl.DateTimeFormat(DATE_LOCALE[language], { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}

interface Template {
  subject: string;
  happened: Readonly<Record<NoticeExposure, string>>;
  data: Readonly<Record<NoticeExposure, string>>;
  done: Readonly<Record<keyof NoticeMeasures, string>>;
  /** When none of the measures is recorded yet: only what is true. */
  investigating: string;
  youCan: string;
  contact: string;
}

const TEMPLATES: Readonly<Record<Language, Template>> = {
  en: {
    subject: 'About your loyalty card details',
    happened: {
      masked: 'A till from our store {store} was lost or stolen between {from} and {to}.',
      full_contacts: 'A till from our store {store} was lost or stolen between {from} and {to}.',
      revealed: 'A till from our store {store} was lost or stolen between {from} and {to}.',
      touched:
        'Between {from} and {to}, a member of staff at {store} looked at loyalty members’ records without a reason to do so.',
    },
    data: {
      masked:
        'The till held your name, card number, date of birth if you gave it, your points, and your phone number and e-mail address with most characters hidden. The till’s data is encrypted.',
      full_contacts:
        'The till held your name, card number, date of birth if you gave it, your points, and your full phone number or e-mail address, which had not yet been sent on from the till. The till’s data is encrypted.',
      revealed:
        'Your full phone number or e-mail address was shown on that till’s screen during this time, as well as your name and card number.',
      touched: 'Your record was one of them: your name, card number and contact details may have been seen.',
    },
    done: {
      tillBlocked: 'We blocked the till so it can no longer connect to our systems.',
      accessStopped: 'We stopped this person’s access to our systems.',
      regulatorNotified: 'We have told the data protection authority.',
    },
    investigating: 'We are looking into what happened.',
    youCan:
      'What you can do: be careful with calls, messages or e-mails that mention your loyalty card and ask for payment or passwords. We never ask for your PIN or passwords. You can ask us for a new card number.',
    contact: 'If you have questions, contact us at {contact}.',
  },
  ru: {
    subject: 'О данных вашей карты лояльности',
    happened: {
      masked: 'В период с {from} по {to} в нашем магазине {store} была утеряна или похищена касса.',
      full_contacts: 'В период с {from} по {to} в нашем магазине {store} была утеряна или похищена касса.',
      revealed: 'В период с {from} по {to} в нашем магазине {store} была утеряна или похищена касса.',
      touched:
        'В период с {from} по {to} сотрудник магазина {store} просматривал записи участников программы лояльности без служебной необходимости.',
    },
    data: {
      masked:
        'На кассе хранились ваше имя, номер карты, дата рождения (если вы её указали), баллы, а также номер телефона и адрес электронной почты, большая часть символов которых скрыта. Данные на кассе зашифрованы.',
      full_contacts:
        'На кассе хранились ваше имя, номер карты, дата рождения (если вы её указали), баллы, а также полный номер телефона или адрес электронной почты, которые ещё не были переданы с кассы. Данные на кассе зашифрованы.',
      revealed:
        'В это время на экране этой кассы показывались ваш полный номер телефона или адрес электронной почты, а также имя и номер карты.',
      touched: 'Среди них была и ваша запись: могли быть просмотрены ваше имя, номер карты и контактные данные.',
    },
    done: {
      tillBlocked: 'Мы заблокировали кассу, и она больше не может подключиться к нашим системам.',
      accessStopped: 'Мы закрыли этому сотруднику доступ к нашим системам.',
      regulatorNotified: 'Мы сообщили об этом в надзорный орган по защите данных.',
    },
    investigating: 'Мы выясняем, что произошло.',
    youCan:
      'Что вы можете сделать: будьте осторожны со звонками, сообщениями и письмами, в которых упоминается ваша карта лояльности и просят оплату или пароли. Мы никогда не спрашиваем ваш PIN-код или пароли. Вы можете попросить у нас новый номер карты.',
    // The contact point may be a phone number: "свяжитесь", not "напишите".
    contact: 'Если у вас есть вопросы, свяжитесь с нами: {contact}.',
  },
};

const fill = (text: string, values: Readonly<Record<string, string>>): string =>
  text.replace(/\{(store|from|to|contact)\}/g, (_match, name: string) => values[name] ?? '');

/** The subject line and the body (paragraphs separated by blank lines) of one member's notice. */
export function noticeText(
  language: Language,
  exposure: NoticeExposure,
  values: NoticeValues,
): { subject: string; body: string } {
  const template = TEMPLATES[language];
  const filled = {
    store: values.storeName,
    from: noticeDate(values.from, language),
    to: noticeDate(values.to, language),
    contact: values.contactPoint,
  };
  const { tillBlocked, accessStopped, regulatorNotified } = values.measures;
  // A blocked till is said only about a lost till's exposures, a stopped access only about staff misuse.
  const done = [
    tillBlocked && exposure !== 'touched' ? template.done.tillBlocked : null,
    accessStopped && exposure === 'touched' ? template.done.accessStopped : null,
    regulatorNotified ? template.done.regulatorNotified : null,
  ].filter((sentence): sentence is string => sentence !== null);
  const body = [
    template.happened[exposure],
    template.data[exposure],
    (done.length > 0 ? done : [template.investigating]).join(' '),
    template.youCan,
    template.contact,
  ]
    .map((paragraph) => fill(paragraph, filled))
    .join('\n\n');
  return { subject: template.subject, body };
}
