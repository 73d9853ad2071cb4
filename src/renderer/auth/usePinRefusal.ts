import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/client';
import { useCountdown } from '../common/useCountdown';
import { pinRefusal, type PinRefusal } from './pin';

/**
 * Wrong-PIN handling shared by every PIN box (sign-in, approvals, PIN change): the message, the
 * live countdown while the main process makes staff wait, and a one-off announcement for screen
 * readers (the countdown itself ticks every second and is not announced at each tick).
 */
export function usePinRefusal() {
  const { t } = useTranslation();
  const { remaining, start, stop } = useCountdown();
  const [refusal, setRefusal] = useState<PinRefusal | null>(null);

  /** Takes a refusal if it is about the PIN (true), or leaves it to the caller (false). */
  const take = useCallback(
    (error: ApiError): boolean => {
      const found = pinRefusal(error.code, error.details);
      if (!found) return false;
      setRefusal(found);
      if (found.wait) start(found.wait);
      else stop();
      return true;
    },
    [start, stop],
  );

  const clear = useCallback(() => {
    setRefusal(null);
    stop();
  }, [stop]);

  const waiting = remaining > 0;
  let message: string | null = null;
  let announcement: string | null = null;
  if (refusal?.kind === 'wrong') {
    message = waiting ? t('lock.wrongPinWait', { n: remaining }) : t('lock.wrongPin');
    announcement = refusal.wait ? t('lock.wrongPinWait', { n: refusal.wait }) : t('lock.wrongPin');
  } else if (refusal?.kind === 'delayed') {
    message = waiting ? t('lock.delayed', { n: remaining }) : refusal.wait ? null : t('errors.login_delayed');
    announcement = refusal.wait ? t('lock.delayed', { n: refusal.wait }) : t('errors.login_delayed');
  }
  return { refusal, take, clear, waiting, message, announcement };
}
