import {
  Fragment,
  useCallback,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type FormEvent,
  type Ref,
} from 'react';
import { useTranslation } from 'react-i18next';
import { compactCardNumber, formatCardNumber } from '../../shared/members/card-number';
import { api, asApiError, type ClientErrorCode, type MemberSummary, type PrivacyNotice } from '../api/client';
import { errorMessage, fieldErrorMessage } from '../app/messages';
import { CardBarcode } from '../members/CardBarcode';
import { ConsentSection } from './ConsentSection';
import {
  emptyValues,
  noConsents,
  type ConsentField,
  type ConsentValues,
  type TextField,
  errorsFromIssues,
  FIELD_MAX,
  invalidFields,
  REQUIRED_FIELDS,
  toRequest,
  validateEnroll,
  type EnrollField,
  type EnrollValues,
  type FieldError,
  type FieldErrors,
} from './form';
import { useIntent } from '../api/intent';

export interface EnrollViewHandle {
  focus(): void;
  /** Starts a fresh form holding what was typed in the search box. */
  prefill(values: Partial<EnrollValues>): void;
}

/** The banner above the form: a summary of field errors, or a refusal that is not about one field. */
type Banner =
  | { kind: 'fields' }
  | {
      kind: 'error';
      code: ClientErrorCode;
      /** For member_duplicate: which contact is already enrolled. */
      duplicate?: 'duplicatePhone' | 'duplicateEmail';
      find?: { query: string; memberId: string };
    }
  | null;

interface FieldSpec {
  name: TextField;
  type: 'text' | 'tel' | 'email' | 'date';
  inputMode?: 'text' | 'tel' | 'email' | 'numeric';
  hint?: 'contactHint' | 'cardHint' | 'birthDateHint';
}

const FIELD_SPECS: readonly FieldSpec[] = [
  { name: 'givenName', type: 'text' },
  { name: 'familyName', type: 'text' },
  { name: 'phone', type: 'tel', inputMode: 'tel', hint: 'contactHint' },
  { name: 'email', type: 'email', inputMode: 'email', hint: 'contactHint' },
  { name: 'birthDate', type: 'date', hint: 'birthDateHint' },
  { name: 'cardNumber', type: 'text', inputMode: 'numeric', hint: 'cardHint' },
];

const CONTACT_HINT_ID = 'enroll-contact-hint';

export function EnrollView({
  ref,
  onFind,
}: {
  ref: Ref<EnrollViewHandle>;
  onFind: (query: string, memberId?: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const [values, setValues] = useState<EnrollValues>(emptyValues);
  const [consents, setConsents] = useState<ConsentValues>(noConsents);
  const [notice, setNotice] = useState<PrivacyNotice | null>(null);
  const [noticeFailed, setNoticeFailed] = useState(false);
  const [takingNumber, setTakingNumber] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Banner>(null);
  const [submitting, setSubmitting] = useState(false);
  const intent = useIntent();
  const [attempted, setAttempted] = useState(false);
  const [enrolled, setEnrolled] = useState<MemberSummary | null>(null);
  const inputs = useRef<Partial<Record<EnrollField, HTMLInputElement | null>>>({});
  const language = i18n.language === 'ru' ? 'ru' : 'en';

  // The notice is shown in the till's language; the version and language shown are what is recorded.
  const [noticeRequest, setNoticeRequest] = useState(0);
  const loadNotice = useCallback(() => setNoticeRequest((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    api.privacyNotice(language).then(
      (loaded) => {
        if (!live) return;
        setNotice(loaded);
        // Ticks given while another notice (or language) was shown do not carry over to this one.
        setConsents(noConsents());
        setNoticeFailed(false);
      },
      () => {
        if (!live) return;
        setNotice(null);
        setNoticeFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, [language, noticeRequest]);
  const bannerRef = useRef<HTMLDivElement>(null);

  const focusField = (field: EnrollField) => {
    const input = inputs.current[field];
    if (!input) return;
    input.focus();
    // The panel scrolls on short screens: bring the whole field, error text included, into view.
    input.closest('.form-field')?.scrollIntoView({ block: 'nearest' });
  };

  // After a submit, focus moves once React has rendered the error texts it must scroll into view.
  const pendingFocus = useRef<EnrollField | null>(null);
  const focusAfterRender = (field: EnrollField) => {
    pendingFocus.current = field;
  };
  useEffect(() => {
    const field = pendingFocus.current;
    if (!field) return;
    pendingFocus.current = null;
    focusField(field);
  });

  useImperativeHandle(ref, () => ({
    focus: () => focusField('givenName'),
    prefill(prefill) {
      setValues({ ...emptyValues(), ...prefill });
      setConsents(noConsents());
      setErrors({});
      setBanner(null);
      setAttempted(false);
      setEnrolled(null);
    },
  }));

  const revalidate = (field: EnrollField, nextValues: EnrollValues, nextConsents: ConsentValues) => {
    // Once a submit has failed, errors update as they are fixed; before that, typing is not nagged.
    if (attempted && notice) {
      const fresh = validateEnroll(nextValues, nextConsents, notice);
      setErrors((previous) => {
        const merged: FieldErrors = {};
        for (const name of invalidFields(fresh)) merged[name] = fresh[name] as FieldError;
        // A conflict found by the main process stays until that field is edited.
        for (const name of invalidFields(previous)) {
          const kept = previous[name];
          if (kept?.kind === 'conflict' && name !== field) merged[name] ??= kept;
        }
        return merged;
      });
    }
  };

  const change = (field: TextField, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    revalidate(field, next, consents);
  };

  const changeConsent = (field: ConsentField, value: boolean) => {
    const next = { ...consents, [field]: value };
    setConsents(next);
    revalidate(field, values, next);
  };

  const takeNextNumber = async () => {
    setTakingNumber(true);
    try {
      change('cardNumber', formatCardNumber(await api.nextCardNumber()));
      inputs.current.cardNumber?.focus();
    } catch (caught) {
      setBanner({ kind: 'error', code: asApiError(caught).code });
      bannerRef.current?.focus();
    } finally {
      setTakingNumber(false);
    }
  };

  const showFieldErrors = (found: FieldErrors) => {
    setErrors(found);
    setBanner({ kind: 'fields' });
    const first = invalidFields(found)[0];
    if (first) focusAfterRender(first);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    setAttempted(true);
    setEnrolled(null);
    if (!notice) {
      setBanner({ kind: 'error', code: 'notice_outdated' });
      loadNotice();
      return;
    }
    const found = validateEnroll(values, consents, notice);
    if (invalidFields(found).length > 0) {
      showFieldErrors(found);
      return;
    }
    setErrors({});
    setBanner(null);
    setSubmitting(true);
    try {
      const member = await api.enroll({ ...toRequest(values, consents, notice), requestId: intent.id() });
      intent.succeeded();
      setEnrolled(member);
      setValues(emptyValues());
      setConsents(noConsents());
      setAttempted(false);
      focusAfterRender('givenName');
    } catch (caught) {
      const error = asApiError(caught);
      const memberId = error.details.memberId;
      if (error.code === 'validation_failed' && error.issues.length > 0) {
        const { fields } = errorsFromIssues(error.issues);
        if (invalidFields(fields).length > 0) {
          showFieldErrors(fields);
          return;
        }
      }
      if (error.code === 'card_in_use') {
        setErrors({ cardNumber: { kind: 'conflict', code: 'card_in_use' } });
        setBanner({
          kind: 'error',
          code: error.code,
          ...(memberId ? { find: { query: compactCardNumber(values.cardNumber), memberId } } : {}),
        });
        focusAfterRender('cardNumber');
        return;
      }
      if (error.code === 'member_duplicate') {
        const field = error.details.field === 'email' ? 'email' : 'phone';
        const duplicate = field === 'email' ? 'duplicateEmail' : 'duplicatePhone';
        setErrors({ [field]: { kind: 'conflict', code: duplicate } });
        setBanner({
          kind: 'error',
          code: error.code,
          duplicate,
          ...(memberId ? { find: { query: values[field].trim(), memberId } } : {}),
        });
        focusAfterRender(field);
        return;
      }
      // The notice changed under the form (new version from HQ): show the new one before asking again.
      if (error.code === 'notice_outdated') {
        setConsents(noConsents());
        loadNotice();
      }
      setBanner({ kind: 'error', code: error.code });
      bannerRef.current?.focus();
    } finally {
      setSubmitting(false);
    }
  };

  const invalid = invalidFields(errors);

  return (
    <div className="enroll">
      <h1 className="sr-only">{t('enroll.heading')}</h1>
      <p className="intro">{t('enroll.intro')}</p>

      {/* Live regions stay in the page so screen readers announce what appears in them. */}
      <div role="status" className="status-slot">
        {enrolled ? (
          <div className="banner banner-success" data-testid="enroll-success">
            <div>
              <p className="banner-title">{t('enroll.successTitle')}</p>
              <p>
                {t('enroll.successBody', {
                  name: `${enrolled.givenName} ${enrolled.familyName}`,
                  card: formatCardNumber(enrolled.cardNumber),
                })}
              </p>
              <CardBarcode
                value={enrolled.cardNumber}
                label={t('card.barcodeLabel', { card: formatCardNumber(enrolled.cardNumber) })}
              />
            </div>
            <div className="banner-actions">
              <button
                type="button"
                className="button button-secondary"
                onClick={() => onFind(enrolled.cardNumber, enrolled.id)}
              >
                {t('enroll.showMember')}
              </button>
              <button type="button" className="button button-quiet" onClick={() => setEnrolled(null)}>
                {t('enroll.dismiss')}
              </button>
            </div>
          </div>
        ) : null}
      </div>

      <div ref={bannerRef} tabIndex={-1} className="banner-slot" role="alert" data-testid="form-error-region">
        {banner?.kind === 'fields' && invalid.length > 0 ? (
          <div className="banner banner-error" data-testid="form-error">
            <p className="banner-title">{t('enroll.summaryTitle')}</p>
            <ul className="summary-list">
              {invalid.map((field) => {
                const error = errors[field];
                if (!error) return null;
                return (
                  <li key={field}>
                    <button type="button" className="link-button" onClick={() => focusField(field)}>
                      {t('enroll.summaryItem', {
                        field: t(`fields.${field}`),
                        message: fieldErrorMessage(t, field, error),
                      })}
                    </button>
                  </li>
                );
              })}
            </ul>
          </div>
        ) : null}
        {banner?.kind === 'error' ? (
          <div className="banner banner-error" data-testid="form-error">
            <p>{banner.duplicate ? t(`enroll.${banner.duplicate}`) : errorMessage(t, banner.code)}</p>
            {banner.find ? (
              <div className="banner-actions">
                <button
                  type="button"
                  className="button button-secondary"
                  onClick={() => banner.find && onFind(banner.find.query, banner.find.memberId)}
                >
                  {t('enroll.findExisting')}
                </button>
              </div>
            ) : null}
          </div>
        ) : null}
      </div>

      <form className="enroll-form" data-testid="enroll-form" noValidate onSubmit={(event) => void onSubmit(event)}>
        <div className="form-grid">
          {FIELD_SPECS.map((spec) => {
            const error = errors[spec.name];
            const required = REQUIRED_FIELDS.has(spec.name);
            const id = `enroll-${spec.name}`;
            const hintId = spec.hint === 'contactHint' ? CONTACT_HINT_ID : spec.hint ? `${id}-hint` : '';
            const errorId = error ? `field-error-${spec.name}` : '';
            const describedBy = [errorId, hintId].filter(Boolean).join(' ');
            const field = (
              <div key={spec.name} className={`form-field form-field-${spec.name}`}>
                {/* The marker sits outside the label so the field's name is exactly its label. */}
                <div className="field-label-row">
                  <label htmlFor={id} className="field-label">
                    {t(`fields.${spec.name}`)}
                  </label>
                  {required ? (
                    <span className="required-mark" aria-hidden="true">
                      *
                    </span>
                  ) : null}
                </div>
                <input
                  id={id}
                  ref={(element) => {
                    inputs.current[spec.name] = element;
                  }}
                  name={spec.name}
                  className={spec.name === 'cardNumber' ? 'input mono' : 'input'}
                  type={spec.type}
                  inputMode={spec.inputMode}
                  max={spec.type === 'date' ? new Date().toISOString().slice(0, 10) : undefined}
                  min={spec.type === 'date' ? '1900-01-01' : undefined}
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={FIELD_MAX[spec.name] * 4}
                  aria-required={required || undefined}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={describedBy || undefined}
                  value={values[spec.name]}
                  onChange={(event) => change(spec.name, event.target.value)}
                />
                {error ? (
                  <p id={errorId} className="field-error" data-testid={errorId}>
                    {fieldErrorMessage(t, spec.name, error)}
                  </p>
                ) : null}
                {spec.hint === 'cardHint' || spec.hint === 'birthDateHint' ? (
                  <p id={hintId} className="hint">
                    {t(`enroll.${spec.hint}`)}
                  </p>
                ) : null}
                {spec.name === 'cardNumber' ? (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    data-testid="enroll-next-card"
                    disabled={takingNumber}
                    onClick={() => void takeNextNumber()}
                  >
                    {t('enroll.nextCard')}
                  </button>
                ) : null}
              </div>
            );
            return spec.name === 'email' ? (
              <Fragment key={spec.name}>
                {field}
                <p id={CONTACT_HINT_ID} className="hint form-grid-wide">
                  {t('enroll.contactHint')}
                </p>
              </Fragment>
            ) : (
              field
            );
          })}
          <ConsentSection
            notice={notice}
            failed={noticeFailed}
            onRetry={() => void loadNotice()}
            values={consents}
            errors={errors}
            inputs={inputs}
            onChange={changeConsent}
          />
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary button-large"
              disabled={submitting}
              aria-busy={submitting || undefined}
              data-testid="enroll-submit"
            >
              {submitting ? t('enroll.submitting') : t('enroll.submit')}
            </button>
          </div>
        </div>
      </form>
    </div>
  );
}
