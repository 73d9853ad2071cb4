import { useEffect, useId, useReducer, useRef, type FormEvent, type RefObject } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, asApiError } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { CheckboxField, Field } from '../forms/Field';
import { DEVICE_NAME_MAX, HQ_URL_MAX, PAIRING_CODE_MAX, fingerprintGroups } from './sync-rules';
import { initialPairingState, pairingFormReducer, type PairingField, type PairingMessage } from './pairing-form-state';
import { useIntent } from '../api/intent';

function messageText(t: TFunction, message: PairingMessage): string {
  if (message.kind === 'text') return t(message.key);
  if (message.kind === 'issue') return issueMessage(t, message.code, message.max ? { max: message.max } : {});
  return errorMessage(t, message.code);
}

/**
 * Pairs this till with HQ (DESIGN §4), in two steps: the HQ address is checked first and the
 * certificate fingerprint HQ presented is shown for staff to compare with the one HQ printed;
 * only then the one-time pairing code and a name for the till are sent, pinned to that
 * fingerprint. Used on the first-run screen and, by a manager, on the sync screen.
 */
export function PairingForm({
  onPaired,
  autoFocus = false,
  headingLevel = 2,
}: {
  /** HQ accepted the till; the main process is rebuilding its services (later calls wait for it). */
  onPaired: (storeName: string) => void;
  autoFocus?: boolean;
  /** The level of the fingerprint heading, under the heading the form sits in. */
  headingLevel?: 2 | 3;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const [state, dispatch] = useReducer(pairingFormReducer, t('pairing.deviceNameDefault'), initialPairingState);
  const { checked, errors, busy, focus } = state;
  const intent = useIntent();
  const urlRef = useRef<HTMLInputElement>(null);
  const fingerprintRef = useRef<HTMLDivElement>(null);
  const confirmedRef = useRef<HTMLInputElement | null>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (autoFocus) urlRef.current?.focus();
  }, [autoFocus]);

  useEffect(() => {
    if (!focus) return;
    const refs: Record<PairingField | 'fingerprint', RefObject<HTMLElement | null>> = {
      hqUrl: urlRef,
      fingerprint: fingerprintRef,
      confirmed: confirmedRef,
      pairingCode: codeRef,
      deviceName: nameRef,
    };
    refs[focus.target].current?.focus();
  }, [focus]);

  const onCheck = async (event: FormEvent) => {
    event.preventDefault();
    // The reducer decides whether the check goes out; it is pure, so asking it ahead gives its answer.
    const next = pairingFormReducer(state, { type: 'check' });
    dispatch({ type: 'check' });
    if (state.busy || next.busy !== 'check') return;
    try {
      const certSha256 = await api.probeHq(next.hqUrl);
      dispatch({ type: 'checked', hqUrl: next.hqUrl, certSha256 });
    } catch (caught) {
      const { code, issues } = asApiError(caught);
      dispatch({ type: 'checkFailed', refusal: { code, issues } });
    }
  };

  const onPair = async (event: FormEvent) => {
    event.preventDefault();
    const next = pairingFormReducer(state, { type: 'pair' });
    dispatch({ type: 'pair' });
    if (state.busy || next.busy !== 'pair' || !next.checked) return;
    try {
      const paired = await api.pair({
        hqUrl: next.checked.hqUrl,
        pairingCode: next.code,
        deviceName: next.deviceName.trim(),
        certSha256: next.checked.certSha256,
        requestId: intent.id(),
      });
      intent.succeeded();
      dispatch({ type: 'paired' });
      onPaired(paired.storeName);
    } catch (caught) {
      const { code, issues } = asApiError(caught);
      dispatch({ type: 'pairFailed', refusal: { code, issues } });
    }
  };

  const errorText = (field: PairingField) => {
    const message = errors[field];
    return message ? messageText(t, message) : null;
  };
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const groups = checked ? fingerprintGroups(checked.certSha256) : [];
  const first = groups[0];
  const last = groups.length > 1 ? groups[groups.length - 1] : undefined;

  return (
    <div className="pairing">
      <form
        className="stack-form"
        noValidate
        aria-label={t('pairing.checkStep')}
        onSubmit={(event) => void onCheck(event)}
      >
        <Field label={t('pairing.hqUrl')} hint={t('pairing.hqUrlHint')} error={errorText('hqUrl')}>
          {(aria) => (
            <input
              {...aria}
              ref={urlRef}
              className="input"
              type="text"
              inputMode="url"
              autoComplete="off"
              autoCorrect="off"
              autoCapitalize="off"
              spellCheck={false}
              maxLength={HQ_URL_MAX * 2}
              value={state.hqUrl}
              onChange={(event) => dispatch({ type: 'editUrl', value: event.target.value })}
            />
          )}
        </Field>
        <div role="alert" className="form-alert-slot">
          {state.checkProblem ? <p className="banner banner-error">{messageText(t, state.checkProblem)}</p> : null}
        </div>
        {checked ? null : (
          <div className="form-buttons">
            <button
              type="submit"
              className="button button-primary button-large"
              disabled={busy !== null}
              aria-busy={busy === 'check' || undefined}
            >
              {busy === 'check' ? t('pairing.checking') : t('pairing.check')}
            </button>
          </div>
        )}
      </form>

      {checked ? (
        <form
          className="stack-form pairing-step"
          noValidate
          aria-label={t('pairing.pairStep')}
          onSubmit={(event) => void onPair(event)}
        >
          <div
            ref={fingerprintRef}
            tabIndex={-1}
            className="fingerprint"
            role="group"
            aria-labelledby={`${ids}-fp-title`}
            aria-describedby={`${ids}-fp-intro`}
          >
            <Heading id={`${ids}-fp-title`} className="fingerprint-title">
              {t('pairing.fingerprintTitle')}
            </Heading>
            <p id={`${ids}-fp-intro`} className="fingerprint-intro">
              {t('pairing.fingerprintIntro', { url: checked.hqUrl })}
            </p>
            {first && last ? (
              <p className="fingerprint-ends">
                <span className="fingerprint-label">{t('pairing.fingerprintEnds')}</span>
                <span className="fingerprint-ends-value mono">
                  <span>{first}</span>
                  <span className="fingerprint-ellipsis" aria-hidden="true">
                    {' … '}
                  </span>
                  <span className="sr-only"> {t('pairing.fingerprintAnd')} </span>
                  <span>{last}</span>
                </span>
              </p>
            ) : null}
            <p className="fingerprint-label">{t('pairing.fingerprintFull')}</p>
            <p className="fingerprint-full mono" data-testid="hq-fingerprint">
              {groups.map((group, index) => (
                <span key={index} className="fingerprint-group">
                  {group}
                  {index < groups.length - 1 ? <span className="fingerprint-sep">:</span> : null}
                </span>
              ))}
            </p>
            <CheckboxField
              rowClassName="checkbox-field fingerprint-confirm"
              label={t('pairing.fingerprintSame')}
              error={errorText('confirmed')}
              checked={state.confirmed}
              onChange={(value) => dispatch({ type: 'confirm', checked: value })}
              inputRef={(element) => {
                confirmedRef.current = element;
              }}
            />
          </div>
          <Field label={t('pairing.code')} hint={t('pairing.codeHint')} error={errorText('pairingCode')}>
            {(aria) => (
              <input
                {...aria}
                ref={codeRef}
                className="input mono input-code"
                type="text"
                autoComplete="off"
                autoCorrect="off"
                autoCapitalize="characters"
                spellCheck={false}
                maxLength={PAIRING_CODE_MAX + 8}
                value={state.code}
                onChange={(event) =>
                  dispatch({
                    type: 'editCode',
                    value: event.target.value,
                    atEnd: event.target.selectionStart === event.target.value.length,
                  })
                }
                onBlur={() => dispatch({ type: 'tidyCode' })}
              />
            )}
          </Field>
          <Field label={t('pairing.deviceName')} hint={t('pairing.deviceNameHint')} error={errorText('deviceName')}>
            {(aria) => (
              <input
                {...aria}
                ref={nameRef}
                className="input"
                type="text"
                autoComplete="off"
                autoCorrect="off"
                autoCapitalize="off"
                spellCheck={false}
                maxLength={DEVICE_NAME_MAX * 2}
                value={state.deviceName}
                onChange={(event) => dispatch({ type: 'editName', value: event.target.value })}
              />
            )}
          </Field>
          <div role="alert" className="form-alert-slot">
            {state.pairProblem ? <p className="banner banner-error">{messageText(t, state.pairProblem)}</p> : null}
          </div>
          <div className="form-buttons">
            <button
              type="submit"
              className="button button-primary button-large"
              disabled={busy !== null}
              aria-busy={busy === 'pair' || undefined}
            >
              {busy === 'pair' ? t('pairing.submitting') : t('pairing.submit')}
            </button>
            <button
              type="button"
              className="button button-secondary button-large"
              disabled={busy !== null}
              onClick={() => dispatch({ type: 'changeAddress' })}
            >
              {t('pairing.changeAddress')}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
