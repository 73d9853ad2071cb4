import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../shared/points/rules';
import type { EarnRules, LedgerEntry, Reward } from '../api/client';
import { useLocale } from '../app/locale';
import { formatDateTime } from '../app/format-date';
import { formatSigned } from '../app/format-number';

/** The member's recent ledger, newest first; an earn or a redemption not yet reversed can be reversed with approval. */
export function LedgerTable({
  entries,
  rewards,
  rules,
  canReverse,
  onReverse,
}: {
  entries: readonly LedgerEntry[];
  rewards: readonly Reward[];
  rules: EarnRules | null;
  canReverse: boolean;
  onReverse: (entry: LedgerEntry, opener: HTMLElement) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = useLocale();
  const language = i18n.language === 'ru' ? 'ru' : 'en';
  if (entries.length === 0) {
    return (
      <div className="empty" data-testid="ledger-empty">
        <p className="empty-title">{t('ledger.empty')}</p>
        <p className="hint">{t('ledger.emptyHint')}</p>
      </div>
    );
  }
  const detail = (entry: LedgerEntry): string => {
    switch (entry.kind) {
      case 'earn': {
        const money =
          entry.amountMinor !== null && entry.currency && rules
            ? formatMoney(entry.amountMinor, entry.currency, rules.minorPerUnit, locale)
            : '';
        return t('ledger.earnDetail', { reference: entry.reference ?? '', money });
      }
      case 'redeem': {
        const reward = rewards.find((r) => r.id === entry.rewardId);
        return reward ? reward.name[language] : (entry.rewardId ?? '');
      }
      case 'adjust':
      case 'reversal':
        return entry.reasonCode ? t(`approval.reasons.${entry.reasonCode}` as 'approval.reasons.other') : '';
    }
  };
  return (
    <div className="table-wrap">
      <table className="table ledger" data-testid="ledger">
        <caption className="sr-only">{t('ledger.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('ledger.at')}</th>
            <th scope="col">{t('ledger.what')}</th>
            <th scope="col" className="num">
              {t('ledger.points')}
            </th>
            <th scope="col">{t('ledger.state')}</th>
            {canReverse ? (
              <th scope="col">
                <span className="sr-only">{t('ledger.actions')}</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.opId} data-testid="ledger-row" data-kind={entry.kind} data-op-id={entry.opId}>
              <td>{formatDateTime(entry.at, locale)}</td>
              <td>
                <span className="ledger-kind">{t(`ledger.kinds.${entry.kind}`)}</span>
                <span className="cell-note">{detail(entry)}</span>
                {entry.reversedBy ? <span className="cell-note">{t('ledger.reversed')}</span> : null}
              </td>
              <td className={`num mono ${entry.points < 0 ? 'points-minus' : 'points-plus'}`}>
                {formatSigned(entry.points, locale)}
              </td>
              <td>
                <span className={`status status-${entry.state}`}>{t(`ledger.states.${entry.state}`)}</span>
              </td>
              {canReverse ? (
                <td>
                  {(entry.kind === 'earn' || entry.kind === 'redeem') && !entry.reversedBy ? (
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      data-testid="ledger-reverse"
                      onClick={(event) => onReverse(entry, event.currentTarget)}
                    >
                      {t('ledger.reverse')}
                    </button>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
