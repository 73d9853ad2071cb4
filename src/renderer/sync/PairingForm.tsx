import { useEffect, useId, useRef, useState, type FormEvent, type Ref, type RefObject } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, asApiError } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import {
  DEVICE_NAME_MAX,
  HQ_URL_MAX,
  PAIRING_CODE_MAX,
  deviceNameProblem,
  fingerprintGroups,
  hqUrlProblem,
  pairingCodeProblem,
  tidyHqUrl,
  tidyPairingCode,
  type HqUrlProblem,
} from './sync-rules';
import { useIntent } from '../api/intent';

type Field = 'hqUrl' | 'confirmed' | 'pairingCode' | 'deviceName';
/** A message, translated when shown: it follows a change of language. */
type Message = (t: TFunction) => string;
type Errors = Partial<Record<Field, Message>>;
const PAIR_ORDER: readonly Field[] = ['confirmed', 'pairingCode', 'deviceName'];

interface Checked {
  hqUrl: string;
  certSha256: string;
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
  const [hqUrl, setHqUrl] = useState('');
  const [checked, setChecked] = useState<Checked | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [code, setCode] = useState('');
  const [deviceName, setDeviceName] = useState(() => t('pairing.deviceNameDefault'));
  const [errors, setErrors] = useState<Errors>({});
  const [checkProblem, setCheckProblem] = useState<Message | null>(null);
  const [pairProblem, setPairProblem] = useState<Message | null>(null);
  const [busy, setBusy] = useState<'check' | 'pair' | null>(null);
  const intent = useIntent();
  const urlRef = useRef<HTMLInputElement>(null);
  const fingerprintRef = useRef<HTMLDivElement>(null);
  const confirmedRef = useRef<HTMLInputElement>(null);
  const codeRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (autoFocus) urlRef.current?.focus();
  }, [autoFocus]);

  // A fingerprint just shown takes the focus, so it is read out and Tab goes on to confirm it.
  const shownFingerprint = checked?.certSha256;
  useEffect(() => {
    if (shownFingerprint) fingerprintRef.current?.focus();
  }, [shownFingerprint]);

  const refs: Record<Field, RefObject<HTMLInputElement | null>> = {
    hqUrl: urlRef,
    confirmed: confirmedRef,
    pairingCode: codeRef,
    deviceName: nameRef,
  };

  const urlMessage =
    (problem: HqUrlProblem): Message =>
    (tr) =>
      problem === 'hq_url_invalid' ? tr('pairing.hqUrlInvalid') : issueMessage(tr, problem, { max: HQ_URL_MAX });

  const showErrors = (found: Errors, order: readonly Field[]) => {
    setErrors(found);
    const first = order.find((field) => found[field]);
    if (first) refs[first].current?.focus();
  };

  /** Back to step 1: a new address (or HQ's certificate changed) needs a new check. */
  const forgetCheck = () => {
    setChecked(null);
    setConfirmed(false);
    setPairProblem(null);
  };

  const onCheck = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setCheckProblem(null);
    const url = tidyHqUrl(hqUrl);
    setHqUrl(url);
    const problem = hqUrlProblem(url);
    if (problem) {
      forgetCheck();
      showErrors({ hqUrl: urlMessage(problem) }, ['hqUrl']);
      return;
    }
    setErrors({});
    setBusy('check');
    try {
      const certSha256 = await api.probeHq(url);
      setConfirmed(false);
      setPairProblem(null);
      setChecked({ hqUrl: url, certSha256 });
    } catch (caught) {
      const error = asApiError(caught);
      forgetCheck();
      const issue = error.issues.find((one) => one.path === 'hqUrl')?.code;
      if (issue) {
        // The main process reports its URL check as `invalid`: said here the way the form says it.
        const known = issue === 'required' || issue === 'too_long' ? issue : 'hq_url_invalid';
        showErrors({ hqUrl: urlMessage(known) }, ['hqUrl']);
      } else {
        setCheckProblem(() => (tr: TFunction) => errorMessage(tr, error.code));
        urlRef.current?.focus();
      }
    } finally {
      setBusy(null);
    }
  };

  const onPair = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !checked) return;
    setPairProblem(null);
    const tidyCode = tidyPairingCode(code);
    setCode(tidyCode);
    const found: Errors = {};
    if (!confirmed) found.confirmed = (tr) => tr('pairing.fingerprintNotConfirmed');
    const codeProblem = pairingCodeProblem(tidyCode);
    if (codeProblem === 'required') found.pairingCode = (tr) => issueMessage(tr, 'required');
    else if (codeProblem) found.pairingCode = (tr) => tr('pairing.codeFormat');
    const nameProblem = deviceNameProblem(deviceName);
    if (nameProblem) found.deviceName = (tr) => issueMessage(tr, nameProblem, { max: DEVICE_NAME_MAX });
    if (PAIR_ORDER.some((field) => found[field])) {
      showErrors(found, PAIR_ORDER);
      return;
    }
    setErrors({});
    setBusy('pair');
    try {
      const paired = await api.pair({
        hqUrl: checked.hqUrl,
        pairingCode: tidyCode,
        deviceName: deviceName.trim(),
        certSha256: checked.certSha256,
        requestId: intent.id(),
      });
      intent.succeeded();
      onPaired(paired.storeName);
      return;
    } catch (caught) {
      const error = asApiError(caught);
      const issue = (path: string) => error.issues.find((one) => one.path === path)?.code;
      const codeIssue = issue('pairingCode');
      const nameIssue = issue('deviceName');
      if (error.code === 'pairing_code_invalid') {
        showErrors({ pairingCode: (tr) => errorMessage(tr, error.code) }, PAIR_ORDER);
      } else if (codeIssue || nameIssue) {
        showErrors(
          {
            ...(codeIssue
              ? { pairingCode: (tr: TFunction) => issueMessage(tr, codeIssue, { max: PAIRING_CODE_MAX }) }
              : {}),
            ...(nameIssue
              ? { deviceName: (tr: TFunction) => issueMessage(tr, nameIssue, { max: DEVICE_NAME_MAX }) }
              : {}),
          },
          PAIR_ORDER,
        );
      } else if (error.code === 'hq_certificate_changed' || issue('hqUrl') || issue('certSha256')) {
        // HQ is not the server that was checked (or the check is unusable): check the address again.
        forgetCheck();
        const code = error.code === 'validation_failed' ? 'hq_certificate_changed' : error.code;
        setCheckProblem(() => (tr: TFunction) => errorMessage(tr, code));
        urlRef.current?.focus();
      } else {
        setPairProblem(() => (tr: TFunction) => errorMessage(tr, error.code));
      }
    } finally {
      setBusy(null);
    }
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
        <TextField
          id={`${ids}-url`}
          inputRef={urlRef}
          label={t('pairing.hqUrl')}
          hint={t('pairing.hqUrlHint')}
          value={hqUrl}
          error={errors.hqUrl?.(t)}
          inputMode="url"
          maxLength={HQ_URL_MAX * 2}
          onChange={(value) => {
            setHqUrl(value);
            if (checked && tidyHqUrl(value) !== checked.hqUrl) forgetCheck();
          }}
        />
        <div role="alert" className="form-alert-slot">
          {checkProblem ? <p className="banner banner-error">{checkProblem(t)}</p> : null}
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
            <div className="checkbox-field fingerprint-confirm">
              <input
                id={`${ids}-same`}
                ref={confirmedRef}
                type="checkbox"
                className="checkbox"
                checked={confirmed}
                aria-invalid={errors.confirmed ? true : undefined}
                aria-describedby={errors.confirmed ? `${ids}-same-error` : undefined}
                onChange={(event) => {
                  setConfirmed(event.target.checked);
                  if (event.target.checked) setErrors(({ confirmed: _gone, ...rest }) => rest);
                }}
              />
              <label htmlFor={`${ids}-same`}>{t('pairing.fingerprintSame')}</label>
            </div>
            {errors.confirmed ? (
              <p id={`${ids}-same-error`} className="field-error">
                {errors.confirmed(t)}
              </p>
            ) : null}
          </div>
          <TextField
            id={`${ids}-code`}
            inputRef={codeRef}
            label={t('pairing.code')}
            hint={t('pairing.codeHint')}
            value={code}
            error={errors.pairingCode?.(t)}
            className="input mono input-code"
            maxLength={PAIRING_CODE_MAX + 8}
            autoCapitalize="characters"
            onChange={(value, atEnd) => setCode(atEnd ? tidyPairingCode(value) : value)}
            onBlur={() => setCode((typed) => tidyPairingCode(typed))}
          />
          <TextField
            id={`${ids}-name`}
            inputRef={nameRef}
            label={t('pairing.deviceName')}
            hint={t('pairing.deviceNameHint')}
            value={deviceName}
            error={errors.deviceName?.(t)}
            maxLength={DEVICE_NAME_MAX * 2}
            onChange={setDeviceName}
          />
          <div role="alert" className="form-alert-slot">
            {pairProblem ? <p className="banner banner-error">{pairProblem(t)}</p> : null}
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
              onClick={() => {
                forgetCheck();
                setErrors({});
                urlRef.current?.focus();
              }}
            >
              {t('pairing.changeAddress')}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}

/** A labelled text box with its hint and error, both read out with it. */
function TextField({
  id,
  inputRef,
  label,
  hint,
  value,
  error,
  className = 'input',
  inputMode,
  maxLength,
  autoCapitalize,
  onChange,
  onBlur,
}: {
  id: string;
  inputRef: Ref<HTMLInputElement>;
  label: string;
  hint: string;
  value: string;
  error: string | undefined;
  className?: string;
  inputMode?: 'url' | 'text';
  maxLength: number;
  autoCapitalize?: string;
  /** `atEnd`: the caret was at the end (typing on), so the value may be tidied without moving it. */
  onChange: (value: string, atEnd: boolean) => void;
  onBlur?: () => void;
}) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className="form-field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        className={className}
        type="text"
        inputMode={inputMode}
        autoComplete="off"
        autoCorrect="off"
        autoCapitalize={autoCapitalize ?? 'off'}
        spellCheck={false}
        maxLength={maxLength}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${errorId} ${hintId}` : hintId}
        value={value}
        onChange={(event) => onChange(event.target.value, event.target.selectionStart === event.target.value.length)}
        onBlur={onBlur}
      />
      <p id={hintId} className="hint">
        {hint}
      </p>
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
