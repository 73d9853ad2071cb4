import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { roleHasPermission } from '../../shared/auth/permissions';
import { formatCardNumber } from '../../shared/members/card-number';
import { LIMITS, REVEAL_REASONS } from '../../shared/members/schemas';
import { FIELD_MAX, type TextField } from '../enroll/form';
import { api, asApiError, type Contacts, type MemberView, type PrivacyNotice } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { useSession } from '../app/session-context';
import { CardBarcode } from './CardBarcode';
import { useLocale } from '../app/locale';
import { formatCalendarDate, formatDate } from '../app/format-date';
import { formatPhoneForStore } from '../../shared/members/phone';
import { NoticeText } from '../privacy/NoticeText';
import { useIntent, useIntents } from '../api/intent';
import {
  ManagerPinDialog,
  pinDialogProblem,
  type ApprovalProblem,
  type ManagerPinInput,
} from '../approvals/ManagerPinDialog';

type RevealReason = (typeof REVEAL_REASONS)[number];
type Purpose = 'marketing_email' | 'marketing_sms';

/**
 * Profile, card, consents and contacts. Contacts stay masked; a manager may reveal them with a
 * reason (audited). Those this till does not hold (a paired till keeps masks of members enrolled
 * elsewhere) come from head office for the screen only, with the manager's PIN typed again. A
 * marketing consent is withdrawn or given in one click, offline too.
 */
export function ProfileSection({ view, onChanged }: { view: MemberView; onChanged: (message: string) => void }) {
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const { session, info } = useSession();
  const ids = useId();
  const { member } = view;
  const mayReveal = roleHasPermission(session.role, 'members.reveal_contacts');
  const [revealReason, setRevealReason] = useState<RevealReason>('member_request');
  const [contacts, setContacts] = useState<Contacts | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const consentIntent = useIntents();
  const [editing, setEditing] = useState(false);
  /** A grant waits here until the member has been shown the notice it will be recorded against. */
  const [asking, setAsking] = useState<{ purpose: Purpose; notice: PrivacyNotice } | null>(null);
  const language = i18n.language === 'ru' ? 'ru' : 'en';
  const factsRef = useRef<HTMLDListElement>(null);
  /** The PIN dialog for contacts held at head office is open, opened from this element. */
  const [askingPin, setAskingPin] = useState<HTMLElement | null>(null);
  // Masks here, the full contacts at head office: fetched with the manager's PIN.
  const contactsAtHq =
    !view.contactsOnDevice && info.paired && (member.phoneMasked !== null || member.emailMasked !== null);

  // Revealed contacts are what the manager asked to see: bring them into view (clear of the
  // member's sticky header) and put the focus there, as the button that was pressed is gone.
  useEffect(() => {
    if (!contacts) return;
    factsRef.current?.focus({ preventScroll: true });
    factsRef.current?.scrollIntoView({ block: 'nearest' });
  }, [contacts]);

  const reveal = async () => {
    setBusy('reveal');
    setProblem(null);
    try {
      setContacts(await api.revealContacts({ memberId: member.id, reasonCode: revealReason }));
    } catch (caught) {
      setProblem(errorMessage(t, asApiError(caught).code));
    } finally {
      setBusy(null);
    }
  };

  /** Withdrawing is one click; granting first shows the notice the consent will be recorded against. */
  const askToGrant = async (purpose: Purpose) => {
    setBusy(purpose);
    setProblem(null);
    try {
      setAsking({ purpose, notice: await api.privacyNotice(language) });
    } catch (caught) {
      setProblem(errorMessage(t, asApiError(caught).code));
    } finally {
      setBusy(null);
    }
  };

  const toggle = async (purpose: Purpose, granted: boolean, shown?: PrivacyNotice) => {
    setBusy(purpose);
    setProblem(null);
    try {
      // Recorded against the notice shown (a grant) or in force now (a withdrawal), in the till's language.
      const notice = shown ?? (await api.privacyNotice(language));
      await api.setConsent({
        memberId: member.id,
        purpose,
        granted,
        noticeVersion: notice.version,
        noticeLanguage: notice.language,
        requestId: consentIntent(`${purpose}:${granted}`).id(),
      });
      consentIntent(`${purpose}:${granted}`).succeeded();
      setAsking(null);
      onChanged(t(granted ? 'consent.granted' : 'consent.withdrawn', { purpose: t(`consent.purposes.${purpose}`) }));
    } catch (caught) {
      const error = asApiError(caught);
      const issue = error.issues[0];
      setProblem(issue ? issueMessage(t, issue.code) : errorMessage(t, error.code));
    } finally {
      setBusy(null);
    }
  };

  const consentRow = (purpose: Purpose, state: MemberView['consents']['marketingEmail']) => (
    <li key={purpose} className="consent-row" data-testid={`consent-row-${purpose}`} data-granted={state.granted}>
      <div>
        <p className="consent-name">{t(`consent.purposes.${purpose}`)}</p>
        <p className="hint">
          {state.granted ? t('consent.stateGiven') : t('consent.stateNotGiven')}
          {state.at ? ` · ${formatDate(state.at, locale)}` : ''}
          {state.noticeVersion ? ` · ${t('consent.version', { version: state.noticeVersion })}` : ''}
        </p>
      </div>
      <button
        type="button"
        className={state.granted ? 'button button-secondary button-small' : 'button button-primary button-small'}
        data-testid={`consent-toggle-${purpose}`}
        disabled={busy !== null}
        onClick={() => void (state.granted ? toggle(purpose, false) : askToGrant(purpose))}
      >
        {state.granted
          ? t('consent.withdraw', { purpose: t(`consent.purposes.${purpose}`) })
          : t('consent.grant', { purpose: t(`consent.purposes.${purpose}`) })}
      </button>
    </li>
  );

  return (
    <div className="profile" data-testid="profile">
      <div className="profile-grid">
        <section aria-labelledby={`${ids}-details`}>
          <h3 id={`${ids}-details`} className="section-title">
            {t('profile.details')}
          </h3>
          <dl
            ref={factsRef}
            className="member-facts"
            tabIndex={contacts ? -1 : undefined}
            aria-describedby={contacts ? `${ids}-revealed` : undefined}
          >
            <div>
              <dt>{t('member.phone')}</dt>
              <dd data-testid="profile-phone">
                {contacts?.phone
                  ? formatPhoneForStore(contacts.phone, info.storeRegion)
                  : (member.phoneMasked ?? t('member.notGiven'))}
              </dd>
            </div>
            <div>
              <dt>{t('member.email')}</dt>
              <dd data-testid="profile-email">{contacts?.email ?? member.emailMasked ?? t('member.notGiven')}</dd>
            </div>
            <div>
              <dt>{t('fields.birthDate')}</dt>
              <dd>{view.birthDate ? formatCalendarDate(view.birthDate, locale) : t('member.notGiven')}</dd>
            </div>
            <div>
              <dt>{t('member.enrolledAt')}</dt>
              <dd>{formatDate(member.enrolledAt, locale)}</dd>
            </div>
          </dl>
          {contacts ? (
            <p id={`${ids}-revealed`} className="hint" data-testid="contacts-revealed">
              {t('profile.revealedNote')}
            </p>
          ) : (
            <p className="hint">{t('member.maskedNote')}</p>
          )}
          {mayReveal && !contacts ? (
            <div className="reveal-row">
              <label htmlFor={`${ids}-reveal`} className="field-label">
                {t('profile.revealReason')}
              </label>
              <select
                id={`${ids}-reveal`}
                className="input select"
                data-testid="reveal-reason"
                value={revealReason}
                onChange={(event) => setRevealReason(event.target.value as RevealReason)}
              >
                {REVEAL_REASONS.map((code) => (
                  <option key={code} value={code}>
                    {t(`profile.revealReasons.${code}`)}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="button button-secondary"
                data-testid="reveal-contacts"
                disabled={busy !== null}
                onClick={(event) => (contactsAtHq ? setAskingPin(event.currentTarget) : void reveal())}
              >
                {t('profile.reveal')}
              </button>
              {contactsAtHq ? <p className="hint">{t('profile.revealAtHq')}</p> : null}
            </div>
          ) : null}
          {askingPin ? (
            <RevealFromHqDialog
              name={`${member.givenName} ${member.familyName}`}
              opener={askingPin}
              onClose={() => setAskingPin(null)}
              onSubmit={async ({ pin }) => {
                try {
                  const revealed = await api.revealContacts({ memberId: member.id, reasonCode: revealReason, pin });
                  setAskingPin(null);
                  setContacts(revealed);
                  return null;
                } catch (caught) {
                  return pinDialogProblem(t, caught);
                }
              }}
            />
          ) : null}
          <button
            type="button"
            className="button button-secondary"
            data-testid="edit-profile"
            aria-expanded={editing}
            onClick={() => setEditing((open) => !open)}
          >
            {t('profile.edit')}
          </button>
          {editing ? (
            <EditProfile
              view={view}
              onSaved={() => {
                setEditing(false);
                setContacts(null);
                onChanged(t('profile.saved'));
              }}
            />
          ) : null}
        </section>
        <section aria-labelledby={`${ids}-consents`}>
          <h3 id={`${ids}-consents`} className="section-title">
            {t('consent.heading')}
          </h3>
          <ul className="consent-list">
            <li className="consent-row" data-testid="consent-row-terms">
              <div>
                <p className="consent-name">{t('consent.purposes.terms')}</p>
                <p className="hint">
                  {view.consents.terms.granted
                    ? t('consent.termsAccepted', { version: view.consents.terms.noticeVersion ?? '' })
                    : t('consent.stateNotGiven')}
                </p>
              </div>
            </li>
            {consentRow('marketing_email', view.consents.marketingEmail)}
            {consentRow('marketing_sms', view.consents.marketingSms)}
          </ul>
          {asking ? (
            <div className="consent-ask" role="group" aria-label={t('consent.heading')} data-testid="consent-ask">
              <NoticeText notice={asking.notice} />
              <p className="consent-name">
                {t('consent.confirmQuestion', { purpose: t(`consent.purposes.${asking.purpose}`) })}
              </p>
              <div className="form-actions-row">
                <button
                  type="button"
                  className="button button-primary button-small"
                  data-testid="consent-confirm"
                  disabled={busy !== null}
                  onClick={() => void toggle(asking.purpose, true, asking.notice)}
                >
                  {t('consent.confirm')}
                </button>
                <button
                  type="button"
                  className="button button-secondary button-small"
                  data-testid="consent-cancel"
                  onClick={() => setAsking(null)}
                >
                  {t('consent.cancel')}
                </button>
              </div>
            </div>
          ) : null}
          <h3 className="section-title">{t('card.heading')}</h3>
          <CardBarcode
            value={member.cardNumber}
            label={t('card.barcodeLabel', { card: formatCardNumber(member.cardNumber) })}
          />
        </section>
      </div>
      {problem ? (
        <p className="banner banner-error" role="alert" data-testid="profile-error">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

/** The manager's own PIN, which head office checks before it sends a member's contacts to this screen. */
function RevealFromHqDialog({
  name,
  opener,
  onClose,
  onSubmit,
}: {
  name: string;
  opener: HTMLElement | null;
  onClose: () => void;
  onSubmit: (input: ManagerPinInput) => Promise<ApprovalProblem | null>;
}) {
  const { t } = useTranslation();
  return (
    <ManagerPinDialog
      title={t('profile.revealFromHqTitle')}
      opener={opener}
      onClose={onClose}
      testId="reveal-modal"
      prefix="reveal"
      what={t('profile.revealFromHqWhat', { name })}
      pinLabel={t('profile.yourPin')}
      submitLabel={t('profile.revealFromHqSubmit')}
      onSubmit={onSubmit}
    />
  );
}

/** Only what is typed changes; blank contact fields keep the contact the member has. */
function EditProfile({ view, onSaved }: { view: MemberView; onSaved: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [values, setValues] = useState({
    givenName: view.member.givenName,
    familyName: view.member.familyName,
    phone: '',
    email: '',
    birthDate: view.birthDate ?? '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const intent = useIntent();
  type Field = keyof typeof values;
  const fields: { name: Field; type: string; placeholder?: string }[] = [
    { name: 'givenName', type: 'text' },
    { name: 'familyName', type: 'text' },
    { name: 'phone', type: 'tel', placeholder: view.member.phoneMasked ?? '' },
    { name: 'email', type: 'email', placeholder: view.member.emailMasked ?? '' },
    { name: 'birthDate', type: 'date' },
  ];

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setBanner(null);
    try {
      await api.updateMember({
        memberId: view.member.id,
        givenName: values.givenName,
        familyName: values.familyName,
        ...(values.phone.trim() ? { phone: values.phone } : {}),
        ...(values.email.trim() ? { email: values.email } : {}),
        ...(values.birthDate !== (view.birthDate ?? '') ? { birthDate: values.birthDate || null } : {}),
        requestId: intent.id(),
      });
      intent.succeeded();
      onSaved();
    } catch (caught) {
      const error = asApiError(caught);
      if (error.issues.length > 0) {
        const found: Record<string, string> = {};
        for (const issue of error.issues) {
          found[issue.path] ??= issueMessage(t, issue.code, { max: FIELD_MAX[issue.path as TextField] ?? LIMITS.name });
        }
        setErrors(found);
      } else if (error.code === 'member_duplicate') {
        setErrors({ [error.details.field === 'email' ? 'email' : 'phone']: errorMessage(t, error.code) });
      } else {
        setBanner(errorMessage(t, error.code));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="edit-profile" noValidate onSubmit={(event) => void onSubmit(event)} data-testid="edit-form">
      <p className="hint">{t('profile.editHint')}</p>
      <div className="form-grid">
        {fields.map(({ name, type, placeholder }) => {
          const errorId = errors[name] ? `${ids}-${name}-error` : undefined;
          return (
            <div key={name} className="form-field">
              <label htmlFor={`${ids}-${name}`} className="field-label">
                {t(`fields.${name}`)}
              </label>
              <input
                id={`${ids}-${name}`}
                className="input"
                type={type}
                autoComplete="off"
                placeholder={placeholder}
                data-testid={`edit-${name}`}
                aria-invalid={errorId ? true : undefined}
                aria-describedby={errorId}
                value={values[name]}
                onChange={(event) => setValues({ ...values, [name]: event.target.value })}
              />
              {errorId ? (
                <p id={errorId} className="field-error">
                  {errors[name]}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
      {banner ? (
        <p className="banner banner-error" role="alert">
          {banner}
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy} data-testid="edit-save">
        {t('profile.save')}
      </button>
    </form>
  );
}
