import { useId, useRef, useState, type FormEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney, pointsForPurchase } from '../../shared/points/rules';
import { REFERENCE_MAX } from '../../shared/points/schemas';
import { api, asApiError, type EarnRules, type LedgerWrite, type MemberSummary } from '../api/client';
import { errorMessage, issueMessage } from '../app/messages';
import { parseAmount } from './money';
import { useLocale } from '../app/locale';
import { formatMoneyUnit, formatMultiplier, formatNumber } from '../app/format-number';
import { useIntent } from '../api/intent';

/**
 * Points for a purchase: the cashier types the amount and the receipt number and sees the points
 * before anything is written. The main process computes them again and refuses if they differ.
 */
export function EarnForm({
  member,
  rules,
  amountRef,
  onDone,
  onRulesChanged,
}: {
  /** The member as found: enough to earn, so the form is ready before the member screen has loaded. */
  member: MemberSummary;
  /** `undefined` while loading, `null` when the till has none. */
  rules: EarnRules | null | undefined;
  amountRef: Ref<HTMLInputElement>;
  onDone: (write: LedgerWrite) => void;
  /** HQ changed the earn rules since they were read: read them again so the quote is right. */
  onRulesChanged: () => void;
}) {
  const { t } = useTranslation();
  const locale = useLocale();
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [problem, setProblem] = useState<{ field: 'amount' | 'reference' | null; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const intent = useIntent();
  const referenceRef = useRef<HTMLInputElement>(null);
  const ids = useId();

  if (rules === null) {
    return (
      <div className="empty" data-testid="earn-no-rules">
        <p className="empty-title">{t('errors.earn_rules_missing')}</p>
      </div>
    );
  }

  const parsed = amount.trim() && rules ? parseAmount(amount, rules.minorPerUnit) : null;
  const minor = parsed && 'minor' in parsed ? parsed.minor : null;
  const quote = minor === null || !rules ? null : pointsForPurchase(minor, member.tier, rules);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!parsed || !('minor' in parsed)) {
      setProblem({
        field: 'amount',
        text: issueMessage(t, parsed && 'problem' in parsed ? parsed.problem : 'required'),
      });
      return;
    }
    if (!reference.trim()) {
      setProblem({ field: 'reference', text: issueMessage(t, 'required') });
      referenceRef.current?.focus();
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const write = await api.earn({
        memberId: member.id,
        amountMinor: parsed.minor,
        reference,
        expectedPoints: quote?.points ?? 0,
        requestId: intent.id(),
      });
      intent.succeeded();
      setAmount('');
      setReference('');
      onDone(write);
    } catch (caught) {
      const error = asApiError(caught);
      const amountIssue = error.issues.find((issue) => issue.path === 'amountMinor');
      const referenceIssue = error.issues.find((issue) => issue.path === 'reference');
      if (amountIssue) setProblem({ field: 'amount', text: issueMessage(t, amountIssue.code) });
      else if (referenceIssue)
        setProblem({ field: 'reference', text: issueMessage(t, referenceIssue.code, { max: REFERENCE_MAX }) });
      else if (error.code === 'reference_used') setProblem({ field: 'reference', text: errorMessage(t, error.code) });
      else setProblem({ field: null, text: errorMessage(t, error.code) });
      if (error.code === 'earn_quote_changed') onRulesChanged();
    } finally {
      setBusy(false);
    }
  };

  const amountError = problem?.field === 'amount' ? `${ids}-amount-error` : undefined;
  const referenceError = problem?.field === 'reference' ? `${ids}-reference-error` : undefined;
  const money = minor === null || !rules ? '' : formatMoney(minor, rules.currency, rules.minorPerUnit, locale);

  return (
    <form className="points-form" noValidate onSubmit={(event) => void onSubmit(event)} data-testid="earn-form">
      <div className="points-fields">
        <div className="form-field">
          <label htmlFor={`${ids}-amount`} className="field-label">
            {/* The rules (and so the currency) arrive a moment after the form: never "amount ()". */}
            {rules ? t('earn.amount', { currency: rules.currency }) : t('earn.amountNoCurrency')}
          </label>
          <input
            id={`${ids}-amount`}
            ref={amountRef}
            className="input input-amount mono"
            inputMode="decimal"
            autoComplete="off"
            maxLength={16}
            data-testid="earn-amount"
            aria-invalid={amountError ? true : undefined}
            aria-describedby={amountError}
            value={amount}
            onChange={(event) => {
              setAmount(event.target.value);
              if (problem?.field === 'amount') setProblem(null);
            }}
          />
          {amountError ? (
            <p id={amountError} className="field-error" data-testid="earn-amount-error">
              {problem?.text}
            </p>
          ) : null}
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-reference`} className="field-label">
            {t('earn.reference')}
          </label>
          <input
            id={`${ids}-reference`}
            ref={referenceRef}
            className="input mono"
            autoComplete="off"
            maxLength={REFERENCE_MAX}
            data-testid="earn-reference"
            aria-invalid={referenceError ? true : undefined}
            aria-describedby={referenceError}
            value={reference}
            onChange={(event) => {
              setReference(event.target.value);
              if (problem?.field === 'reference') setProblem(null);
            }}
          />
          {referenceError ? (
            <p id={referenceError} className="field-error" data-testid="earn-reference-error">
              {problem?.text}
            </p>
          ) : null}
        </div>
      </div>
      <p className="quote" role="status" data-testid="earn-quote">
        {quote && rules
          ? t('earn.quote', {
              money,
              points: formatNumber(quote.points, locale),
              // The store's base rate and the member's tier multiplier, so the figure can be checked.
              rate: formatNumber(rules.pointsPerUnit, locale),
              unit: formatMoneyUnit(rules.currency, locale),
              multiplier: formatMultiplier(quote.multiplierPermille, locale),
              tier: t(`tiers.${member.tier}`),
            })
          : t('earn.quoteEmpty')}
      </p>
      {problem?.field === null ? (
        <p className="banner banner-error" role="alert" data-testid="earn-error">
          {problem.text}
        </p>
      ) : null}
      <button
        type="submit"
        className="button button-primary button-large"
        disabled={busy || !rules || (quote !== null && quote.points <= 0)}
        aria-busy={busy || undefined}
        data-testid="earn-submit"
      >
        {quote && quote.points > 0
          ? t('earn.submitPoints', { points: formatNumber(quote.points, locale) })
          : t('earn.submit')}
      </button>
    </form>
  );
}
