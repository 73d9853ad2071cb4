import type { RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { PrivacyNotice } from '../api/client';
import { fieldErrorMessage } from '../app/messages';
import { CONSENT_FIELDS, type ConsentField, type ConsentValues, type EnrollField, type FieldErrors } from './form';
import { NoticeText } from '../privacy/NoticeText';
import { CheckboxField } from '../forms/Field';

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
          return (
            <CheckboxField
              key={field}
              id={`enroll-${field}`}
              className="consent-choice form-field"
              label={t(`consent.${field}`)}
              hint={t(`consent.${field}Hint`)}
              error={error ? fieldErrorMessage(t, field, error) : null}
              errorTestId={`field-error-${field}`}
              required={field === 'terms'}
              checked={values[field]}
              onChange={(checked) => onChange(field, checked)}
              inputRef={(element) => {
                inputs.current[field] = element;
              }}
              testId={`consent-${field}`}
            />
          );
        })}
      </div>
    </fieldset>
  );
}
