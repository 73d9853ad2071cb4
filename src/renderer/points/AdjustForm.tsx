import { useId, useState, type FormEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { POINTS_REASON_CODES, REASON_TEXT_MAX } from '../../shared/approvals/schemas';
import { MAX_ADJUST_POINTS } from '../../shared/points/rules';
import { api, asApiError, type MemberView } from '../api/client';
import { errorMessage } from '../app/messages';
import { useIntent } from '../api/intent';

type PointsReason = (typeof POINTS_REASON_CODES)[number];

export interface AdjustDraft {
  points: number;
  reasonCode: PointsReason;
  reasonText: string;
}

/** Reads "+50", "50", "-20" or "−20" as a whole number of points, or null. */
export function parsePoints(input: string): number | null {
  const compact = input.replace(/\s/g, '').replace('−', '-');
  if (!/^[+-]?\d{1,7}$/.test(compact)) return null;
  const value = Number(compact);
  return value === 0 || Math.abs(value) > MAX_ADJUST_POINTS ? null : value;
}

/**
 * A manual adjustment always needs a manager: approved at the till now (manager PIN), or sent to
 * the approvals queue for later. Either way the ledger records who asked, who approved and why.
 */
export function AdjustForm({
  view,
  pointsRef,
  onApproveNow,
  onQueued,
}: {
  view: MemberView;
  pointsRef: Ref<HTMLInputElement>;
  onApproveNow: (draft: AdjustDraft) => void;
  onQueued: (draft: AdjustDraft) => void;
}) {
  const { t } = useTranslation();
  const [points, setPoints] = useState('');
  const [reasonCode, setReasonCode] = useState<PointsReason>('missed_purchase');
  const [reasonText, setReasonText] = useState('');
  const [problem, setProblem] = useState<{ field: 'points' | 'reasonText' | null; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const queueIntent = useIntent();
  const ids = useId();

  const draft = (): AdjustDraft | null => {
    const value = parsePoints(points);
    if (value === null) {
      setProblem({ field: 'points', text: t('adjust.pointsInvalid', { max: MAX_ADJUST_POINTS }) });
      return null;
    }
    if (view.member.balance.total + value < 0) {
      setProblem({ field: 'points', text: t('adjust.belowZero', { n: view.member.balance.total }) });
      return null;
    }
    if (reasonCode === 'other' && !reasonText.trim()) {
      setProblem({ field: 'reasonText', text: t('approval.reasonTextRequired') });
      return null;
    }
    setProblem(null);
    return { points: value, reasonCode, reasonText: reasonText.trim() };
  };

  const approveNow = (event: FormEvent) => {
    event.preventDefault();
    const ready = draft();
    if (ready) onApproveNow(ready);
  };

  const queue = async () => {
    const ready = draft();
    if (!ready || busy) return;
    setBusy(true);
    try {
      await api.requestApproval(
        {
          action: 'points.adjust',
          payload: { memberId: view.member.id, points: ready.points },
          reasonCode: ready.reasonCode,
          ...(ready.reasonText ? { reasonText: ready.reasonText } : {}),
        },
        queueIntent.id(),
      );
      queueIntent.succeeded();
      setPoints('');
      setReasonText('');
      onQueued(ready);
    } catch (caught) {
      setProblem({ field: null, text: errorMessage(t, asApiError(caught).code) });
    } finally {
      setBusy(false);
    }
  };

  const pointsError = problem?.field === 'points' ? `${ids}-points-error` : undefined;
  const textError = problem?.field === 'reasonText' ? `${ids}-text-error` : undefined;
  return (
    <form className="points-form" noValidate onSubmit={approveNow} data-testid="adjust-form">
      <p className="hint">{t('adjust.intro')}</p>
      <div className="points-fields">
        <div className="form-field">
          <label htmlFor={`${ids}-points`} className="field-label">
            {t('adjust.points')}
          </label>
          <input
            id={`${ids}-points`}
            ref={pointsRef}
            className="input input-amount mono"
            inputMode="numeric"
            autoComplete="off"
            maxLength={12}
            placeholder="+50 / −50"
            data-testid="adjust-points"
            aria-invalid={pointsError ? true : undefined}
            aria-describedby={pointsError}
            value={points}
            onChange={(event) => {
              setPoints(event.target.value);
              if (problem?.field === 'points') setProblem(null);
            }}
          />
          {pointsError ? (
            <p id={pointsError} className="field-error" data-testid="adjust-points-error">
              {problem?.text}
            </p>
          ) : null}
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-reason`} className="field-label">
            {t('approval.reason')}
          </label>
          <select
            id={`${ids}-reason`}
            className="input select"
            data-testid="adjust-reason"
            value={reasonCode}
            onChange={(event) => setReasonCode(event.target.value as PointsReason)}
          >
            {POINTS_REASON_CODES.map((code) => (
              <option key={code} value={code}>
                {t(`approval.reasons.${code}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field form-grid-wide">
          <label htmlFor={`${ids}-text`} className="field-label">
            {reasonCode === 'other' ? t('approval.reasonTextRequiredLabel') : t('approval.reasonText')}
          </label>
          <input
            id={`${ids}-text`}
            className="input"
            autoComplete="off"
            maxLength={REASON_TEXT_MAX}
            data-testid="adjust-reason-text"
            aria-invalid={textError ? true : undefined}
            aria-describedby={textError}
            value={reasonText}
            onChange={(event) => setReasonText(event.target.value)}
          />
          {textError ? (
            <p id={textError} className="field-error">
              {problem?.text}
            </p>
          ) : null}
        </div>
      </div>
      {problem?.field === null ? (
        <p className="banner banner-error" role="alert">
          {problem.text}
        </p>
      ) : null}
      <div className="form-actions-row">
        <button type="submit" className="button button-primary" data-testid="adjust-approve-now">
          {t('adjust.approveNow')}
        </button>
        <button
          type="button"
          className="button button-secondary"
          disabled={busy}
          data-testid="adjust-queue"
          onClick={() => void queue()}
        >
          {t('adjust.queue')}
        </button>
      </div>
    </form>
  );
}
