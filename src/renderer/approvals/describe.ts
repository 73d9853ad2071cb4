import type { TFunction } from 'i18next';
import type { QueueEntry, RestrictedAction } from '../../shared/approvals/schemas';
import { formatSignedPlain } from '../app/format-number';

/** "+50" or "−50": the sign is the point of an adjustment, so it is always shown. */
export function signedPoints(points: number): string {
  return formatSignedPlain(points);
}

/** One sentence naming a restricted action and whom it is about, for dialogs and the queue. */
export function describeAction(
  t: TFunction,
  action: RestrictedAction,
  subject: { name: string; points?: number | null },
): string {
  const signed = subject.points == null ? '' : signedPoints(subject.points);
  // An adjustment whose amount is not known (approved on the spot before the amount was kept) says
  // so without a dangling "by".
  const text =
    action === 'points.adjust' && !signed
      ? t('approval.describe.points.adjustUnknown', { name: subject.name })
      : action === 'points.reverse' && subject.points != null && subject.points > 0
        ? // Undoing a redemption gives points back; undoing an earn takes them.
          t('approval.describe.points.reverseRedeem', { name: subject.name })
        : t(`approval.describe.${action}`, { name: subject.name, signed });
  // A reversal names the points it takes back when they are known (the queue only has the entry id).
  return action === 'points.reverse' && signed ? `${text} (${t('approval.pointsChange', { signed })})` : text;
}

/** The sentence for a queued or decided approval, naming whom it is about as well as the till knows. */
export function describeEntry(t: TFunction, entry: QueueEntry): string {
  return describeAction(t, entry.action, {
    name: entry.targetName ?? entry.targetStaffId ?? entry.targetMemberId ?? '',
    points: entry.points,
  });
}
