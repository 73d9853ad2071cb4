import { Fragment, useEffect, useImperativeHandle, useReducer, useRef, type FormEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { formatCardNumber } from '../../shared/members/card-number';
import { api, asApiError } from '../api/client';
import { errorMessage, fieldErrorMessage } from '../app/messages';
import { CardBarcode } from '../members/CardBarcode';
import { Field } from '../forms/Field';
import { ConsentSection } from './ConsentSection';
import { enrollFormReducer, initialEnrollState } from './enroll-form-state';
import {
  FIELD_MAX,
  invalidFields,
  REQUIRED_FIELDS,
  toRequest,
  type EnrollField,
  type EnrollValues,
  type TextField,
} from './form';
import { useIntent } from '../api/intent';

export interface EnrollViewHandle {
  focus(): void;
  /** Starts a fresh form holding what was typed in the search box. */
  prefill(values: Partial<EnrollValues>): void;
}

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
  const [state, dispatch] = useReducer(enrollFormReducer, undefined, initialEnrollState);
  const { values, consents, notice, errors, banner, enrolled, focus } = state;
  const intent = useIntent();
  const inputs = useRef<Partial<Record<EnrollField, HTMLInputElement | null>>>({});
  const bannerRef = useRef<HTMLDivElement>(null);
  const successRef = useRef<HTMLDivElement>(null);
  const language = i18n.language === 'ru' ? 'ru' : 'en';

  // The notice is shown in the till's language; the version and language shown are what is recorded.
  useEffect(() => {
    let live = true;
    api.privacyNotice(language).then(
      (loaded) => {
        if (live) dispatch({ type: 'noticeLoaded', notice: loaded });
      },
      () => {
        if (live) dispatch({ type: 'noticeFailed' });
      },
    );
    return () => {
      live = false;
    };
  }, [language, state.noticeRequest]);

  const focusField = (field: EnrollField) => {
    const input = inputs.current[field];
    if (!input) return;
    input.focus();
    // The panel scrolls on short screens: bring the whole field, error text included, into view.
    input.closest('.form-field')?.scrollIntoView({ block: 'nearest' });
  };

  // The focus moves once React has rendered the error texts it must scroll into view.
  useEffect(() => {
    if (!focus) return;
    if (focus.target === 'banner') bannerRef.current?.focus();
    else focusField(focus.target);
    // After an enrolment the emptied form sits under the confirmation: show the confirmation whole.
    successRef.current?.scrollIntoView({ block: 'nearest' });
  }, [focus]);

  useImperativeHandle(ref, () => ({
    focus: () => focusField('givenName'),
    prefill: (prefill) => dispatch({ type: 'prefill', values: prefill }),
  }));

  const takeNextNumber = async () => {
    dispatch({ type: 'numberRequested' });
    try {
      dispatch({ type: 'numberTaken', cardNumber: formatCardNumber(await api.nextCardNumber()) });
    } catch (caught) {
      dispatch({ type: 'numberFailed', code: asApiError(caught).code });
    }
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    // The reducer decides whether this submit goes out; it is pure, so asking it ahead gives its answer.
    const next = enrollFormReducer(state, { type: 'submit' });
    dispatch({ type: 'submit' });
    if (state.phase === 'submitting' || next.phase !== 'submitting' || !next.notice) return;
    try {
      const member = await api.enroll({ ...toRequest(values, consents, next.notice), requestId: intent.id() });
      intent.succeeded();
      dispatch({ type: 'enrolled', member });
    } catch (caught) {
      const { code, issues, details } = asApiError(caught);
      dispatch({ type: 'refused', refusal: { code, issues, details } });
    }
  };

  const invalid = invalidFields(errors);
  const submitting = state.phase === 'submitting';

  return (
    <div className="enroll">
      <h1 className="sr-only">{t('enroll.heading')}</h1>
      <p className="intro">{t('enroll.intro')}</p>

      {/* Live regions stay in the page so screen readers announce what appears in them. */}
      <div role="status" className="status-slot">
        {enrolled ? (
          <div ref={successRef} className="banner banner-success" data-testid="enroll-success">
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
              <button
                type="button"
                className="button button-quiet"
                onClick={() => dispatch({ type: 'dismissEnrolled' })}
              >
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
            const field = (
              <Field
                key={spec.name}
                id={`enroll-${spec.name}`}
                className={`form-field form-field-${spec.name}`}
                label={t(`fields.${spec.name}`)}
                required={REQUIRED_FIELDS.has(spec.name)}
                error={error ? fieldErrorMessage(t, spec.name, error) : null}
                errorTestId={`field-error-${spec.name}`}
                hint={spec.hint === 'cardHint' || spec.hint === 'birthDateHint' ? t(`enroll.${spec.hint}`) : null}
                {...(spec.hint === 'contactHint' ? { describedBy: [CONTACT_HINT_ID] } : {})}
                after={
                  spec.name === 'cardNumber' ? (
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      data-testid="enroll-next-card"
                      disabled={state.takingNumber}
                      onClick={() => void takeNextNumber()}
                    >
                      {t('enroll.nextCard')}
                    </button>
                  ) : null
                }
              >
                {(aria) => (
                  <input
                    {...aria}
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
                    value={values[spec.name]}
                    onChange={(event) => dispatch({ type: 'edit', field: spec.name, value: event.target.value })}
                  />
                )}
              </Field>
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
            failed={state.noticeFailed}
            onRetry={() => dispatch({ type: 'reloadNotice' })}
            values={consents}
            errors={errors}
            inputs={inputs}
            onChange={(field, value) => dispatch({ type: 'consent', field, value })}
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
