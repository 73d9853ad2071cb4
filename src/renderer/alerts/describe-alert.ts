import type { TFunction } from 'i18next';
import type { TillAlert } from '../api/client';
import { formatDateTime } from '../app/format-date';
import { formatNumber } from '../app/format-number';

/** An alert as the store manager reads it: every part a sentence or a label in the page language. */
export interface AlertWords {
  /** The rule in plain words ("Many members opened"). */
  rule: string;
  /** Who: the staff member's roster name, or "a former staff member". Never a bare id. */
  who: string;
  /** What triggered it: the count against the store's threshold, in the window, naming who. */
  trigger: string;
  /** When it fired. */
  when: string;
  /** Notify only, or enforced (and the hold it placed while that still holds). */
  mode: string;
  hold: string | null;
  /** Where it was noticed (this till or head office). */
  source: string;
  /** The members as masked labels ("O. B. ••0016"), or "a member no longer on this till". */
  members: string[];
  /** Acknowledged by whom and when, or null while open. */
  acknowledged: string | null;
}

/**
 * The words for one alert. `staffName` names a staff id from the roster (the main process sends
 * ids only); numbers and times follow the page's formatting locale.
 */
export function describeAlert(
  t: TFunction,
  alert: TillAlert,
  staffName: (staffId: string) => string | null,
  locale: string,
): AlertWords {
  const nameOf = (staffId: string) => staffName(staffId) ?? t('alerts.formerStaff');
  const who = nameOf(alert.staffId);
  return {
    rule: t(`alerts.rules.${alert.rule}`),
    who,
    trigger: t(`alerts.triggers.${alert.rule}`, {
      name: who,
      count: formatNumber(alert.count, locale),
      threshold: formatNumber(alert.threshold, locale),
      from: formatDateTime(alert.windowStart, locale),
      to: formatDateTime(alert.windowEnd, locale),
    }),
    when: formatDateTime(alert.raisedAt, locale),
    mode: t(`alerts.modes.${alert.mode}`),
    hold: alert.hold ? t(`alerts.holds.${alert.hold}`) : null,
    source: t(`alerts.source.${alert.source}`),
    members: alert.members.map((member) => member.label ?? t('alerts.memberGone')),
    acknowledged:
      alert.acknowledgedAt === null
        ? null
        : t('alerts.acknowledgedBy', {
            name: alert.acknowledgedBy ? nameOf(alert.acknowledgedBy) : t('alerts.formerStaff'),
            when: formatDateTime(alert.acknowledgedAt, locale),
          }),
  };
}
