import type { RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrivacyNotice } from '../api/client';
import { fieldErrorMessage } from '../app/messages';
import { CONSENT_FIELDS, type ConsentField, type ConsentValues, type EnrollField, type FieldErrors } from './form';
import { NoticeText } from '../privacy/NoticeText';

/**
 * Consent per purpose (DESIGN §6): the privacy notice the member is shown, the required programme
 * terms, and marketing by e-mail and by SMS as separate choices, both off until the member says yes.
 */
export function ConsentSection({
  notice,
  failed,
  onRetry,
  values,
  errors,
  inputs,
  onChange,
}: {
  notice: PrivacyNotice | null;
  failed: boolean;
  onRetry: () => void;
  values: ConsentValues;
  errors: FieldErrors;
  inputs: RefObject<Partial<Record<EnrollField, HTMLInputElement | null>>>;
  onChange: (field: ConsentField, value: boolean) => void;
}) {
  const { t } = useTranslation();
  return (
    <fieldset className="consent form-grid-wide" data-testid="consent-section">
      <legend className="consent-legend">{t('consent.legend')}</legend>
      <p className="hint">{t('consent.intro')}</p>
      {notice ? (
        <NoticeText notice={notice} testId="privacy-notice" />
      ) : (
        <div className="banner banner-error" role="alert">
          <p>{failed ? t('consent.noticeMissing') : t('consent.noticeLoading')}</p>
          {failed ? (
            <button type="button" className="button button-secondary button-small" onClick={onRetry}>
              {t('consent.retry')}
            </button>
          ) : null}
        </div>
      )}
      <div className="consent-choices">
        {CONSENT_FIELDS.map((field) => {
          const error = errors[field];
          const id = `enroll-${field}`;
          const errorId = `field-error-${field}`;
          const hintId = `${id}-hint`;
          return (
            <div key={field} className="consent-choice form-field">
              <div className="checkbox-row">
                <input
                  id={id}
                  ref={(element) => {
                    inputs.current[field] = element;
                  }}
                  type="checkbox"
                  className="checkbox"
                  data-testid={`consent-${field}`}
                  checked={values[field]}
                  aria-required={field === 'terms' || undefined}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={[error ? errorId : '', hintId].filter(Boolean).join(' ')}
                  onChange={(event) => onChange(field, event.target.checked)}
                />
                <label htmlFor={id} className="checkbox-label">
                  {t(`consent.${field}`)}
                  {field === 'terms' ? (
                    <span className="required-mark" aria-hidden="true">
                      {' '}
                      *
                    </span>
                  ) : null}
                </label>
              </div>
              <p id={hintId} className="hint">
                {t(`consent.${field}Hint`)}
              </p>
              {error ? (
                <p id={errorId} className="field-error" data-testid={errorId}>
                  {fieldErrorMessage(t, field, error)}
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}
