import { IDLE_LOCK_MAX_SECONDS, IDLE_LOCK_MIN_SECONDS } from '../../shared/ipc/contract';

/** The auto-lock choices offered to managers: 30 s, 1, 2, 5, 10 and 15 minutes. */
export const IDLE_LOCK_CHOICES: readonly number[] = [30, 60, 120, 300, 600, 900];

/** The choices, plus the current setting when it is not one of them (set at HQ, say), in order. */
export function idleLockChoices(current: number): number[] {
  const choices = new Set(IDLE_LOCK_CHOICES);
  if (current >= IDLE_LOCK_MIN_SECONDS && current <= IDLE_LOCK_MAX_SECONDS) choices.add(current);
  return [...choices].sort((a, b) => a - b);
}

/** How a duration reads: whole minutes as minutes, anything else in seconds. */
export function splitDuration(seconds: number): { unit: 'minutes'; n: number } | { unit: 'seconds'; n: number } {
  return seconds >= 60 && seconds % 60 === 0 ? { unit: 'minutes', n: seconds / 60 } : { unit: 'seconds', n: seconds };
}
