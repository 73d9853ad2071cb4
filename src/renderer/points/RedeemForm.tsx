import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { api, asApiError, type LedgerWrite, type MemberView, type Reward } from '../api/client';
import { errorMessage } from '../app/messages';
import { useLocale } from '../app/locale';
import { formatNumber } from '../app/format-number';
import { useIntent } from '../api/intent';
import { useSession } from '../app/session-context';

/**
 * Rewards from the catalogue. A reward the member cannot pay for now stays visible but cannot be
 * chosen, with the reason: on a paired till only confirmed points less this till's unconfirmed
 * spends count (a standalone till is its own authority). Choosing is one step and confirming
 * another (Enter, Enter; Esc goes back), because a redemption hands a reward over.
 */
export function RedeemForm({
  view,
  rewards,
  firstRef,
  onDone,
}: {
  view: MemberView;
  rewards: readonly Reward[];
  firstRef: Ref<HTMLInputElement>;
  onDone: (write: LedgerWrite, reward: Reward) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const { info } = useSession();
  const [chosen, setChosen] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const intent = useIntent();
  const ids = useId();
  const language = i18n.language === 'ru' ? 'ru' : 'en';
  const reward = rewards.find((r) => r.id === chosen) ?? null;
  const affordable = (r: Reward) => r.costPoints <= view.spendable;
  const firstAffordable = rewards.findIndex(affordable);
  const shortKey = info.paired ? 'redeem.short' : 'redeem.shortStandalone';

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (rewards.length === 0) {
    return (
      <div className="empty" data-testid="redeem-empty">
        <p className="empty-title">{t('redeem.none')}</p>
      </div>
    );
  }

  const back = () => {
    setConfirming(false);
    if (chosen) document.getElementById(`${ids}-${chosen}`)?.focus();
  };
  const onConfirmKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    // Esc steps back to the list here; it must not also reach the till's Esc (clear the search).
    event.preventDefault();
    event.stopPropagation();
    back();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!reward) {
      setError(t('redeem.choose'));
      return;
    }
    if (!confirming) {
      setError(null);
      setConfirming(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const write = await api.redeem({ memberId: view.member.id, rewardId: reward.id, requestId: intent.id() });
      intent.succeeded();
      setChosen(null);
      setConfirming(false);
      onDone(write, reward);
    } catch (caught) {
      const apiError = asApiError(caught);
      setError(
        apiError.code === 'balance_short'
          ? t(shortKey, { n: Number(apiError.details.cost ?? 0) - Number(apiError.details.spendable ?? 0) })
          : errorMessage(t, apiError.code),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="points-form" noValidate onSubmit={(event) => void onSubmit(event)} data-testid="redeem-form">
      <fieldset className="reward-list">
        <legend className="field-label">{t('redeem.legend', { n: formatNumber(view.spendable, locale) })}</legend>
        {rewards.map((r, index) => {
          const ok = affordable(r);
          const id = `${ids}-${r.id}`;
          const assignRef = index === firstAffordable;
          return (
            <div
              key={r.id}
              className={`reward${ok ? '' : ' reward-short'}${chosen === r.id ? ' reward-chosen' : ''}`}
              data-testid="reward"
              data-reward-id={r.id}
            >
              <input
                id={id}
                ref={assignRef ? firstRef : undefined}
                type="radio"
                name={`${ids}-reward`}
                className="radio"
                value={r.id}
                disabled={!ok}
                checked={chosen === r.id}
                aria-describedby={ok ? undefined : `${id}-why`}
                onChange={() => {
                  setChosen(r.id);
                  setConfirming(false);
                  setError(null);
                }}
              />
              <label htmlFor={id} className="reward-label">
                <span className="reward-name">{r.name[language]}</span>
                <span className="reward-cost">{t('redeem.cost', { n: formatNumber(r.costPoints, locale) })}</span>
              </label>
              {ok ? null : (
                <span id={`${id}-why`} className="reward-why" data-testid="reward-why">
                  {t(shortKey, { n: formatNumber(r.costPoints - view.spendable, locale) })}
                </span>
              )}
            </div>
          );
        })}
      </fieldset>
      {info.paired && view.member.balance.pending > 0 ? <p className="hint">{t('redeem.pendingHint')}</p> : null}
      {error ? (
        <p className="banner banner-error" role="alert" data-testid="redeem-error">
          {error}
        </p>
      ) : null}
      {confirming && reward ? (
        <div
          className="redeem-confirm"
          role="group"
          aria-labelledby={`${ids}-confirm-title`}
          aria-describedby={`${ids}-confirm-after ${ids}-confirm-hint`}
          onKeyDown={onConfirmKey}
          data-testid="redeem-confirm"
        >
          <p id={`${ids}-confirm-title`} className="redeem-confirm-title">
            {t('redeem.confirmTitle', { name: reward.name[language], n: formatNumber(reward.costPoints, locale) })}
          </p>
          <p id={`${ids}-confirm-after`} className="hint" data-testid="redeem-balance-after">
            {t('redeem.balanceAfter', { n: formatNumber(view.member.balance.total - reward.costPoints, locale) })}
          </p>
          <div className="form-actions-row">
            <button
              ref={confirmRef}
              type="submit"
              className="button button-primary button-large"
              disabled={busy}
              aria-busy={busy || undefined}
              data-testid="redeem-confirm-submit"
            >
              {t('redeem.confirm')}
            </button>
            <button type="button" className="button button-secondary" onClick={back} data-testid="redeem-back">
              {t('redeem.back')}
            </button>
          </div>
          <p id={`${ids}-confirm-hint`} className="hint">
            {t('redeem.confirmHint')}
          </p>
        </div>
      ) : (
        <button
          type="submit"
          className="button button-primary button-large"
          disabled={busy}
          aria-busy={busy || undefined}
          data-testid="redeem-submit"
        >
          {reward ? t('redeem.submitFor', { name: reward.name[language], n: reward.costPoints }) : t('redeem.submit')}
        </button>
      )}
    </form>
  );
}
