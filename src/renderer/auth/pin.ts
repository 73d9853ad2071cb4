import { checkPin, MAX_PIN_LENGTH, MIN_PIN_LENGTH, type PinProblem } from '../../shared/staff/pin-policy';
import type { FieldIssue } from '../../shared/errors';

/** Pure PIN-entry helpers (no DOM, no React) so they are unit-tested in Node. */

/** Keeps the digits of what was typed or pasted, at most `max` of them. */
export function onlyDigits(value: string, max: number = MAX_PIN_LENGTH): string {
  return value.replace(/\D+/g, '').slice(0, max);
}

/** `login_delayed` carries `retryAfterSeconds` as a string of digits; anything else is ignored. */
export function parseRetryAfter(details: Readonly<Record<string, string>>): number | null {
  const raw = details.retryAfterSeconds;
  if (raw === undefined || !/^\d{1,6}$/.test(raw)) return null;
  const seconds = Number(raw);
  return seconds > 0 ? seconds : null;
}

/** Whole seconds left until `deadline` (ms since the epoch), rounded up, never negative. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** Why a new PIN is refused before it is even sent: the shared PIN policy, plus a typo check. */
export type NewPinProblem = PinProblem | 'pin_mismatch' | 'pin_reused' | 'required';

export interface NewPinCheck {
  newPin?: NewPinProblem;
  repeat?: 'required' | 'pin_mismatch';
}

/**
 * Checks a new PIN and its repetition with the same rules the main process applies, so staff learn
 * what is wrong without a round trip. `currentPin` (when known) must not be reused as the new one.
 */
export function checkNewPin(newPin: string, repeat: string, pinLength: number, currentPin?: string): NewPinCheck {
  const result: NewPinCheck = {};
  if (!newPin) result.newPin = 'required';
  else {
    const problem = checkPin(newPin, pinLength);
    if (problem) result.newPin = problem;
    else if (currentPin !== undefined && currentPin === newPin) result.newPin = 'pin_reused';
  }
  if (!repeat) result.repeat = 'required';
  else if (newPin && repeat !== newPin) result.repeat = 'pin_mismatch';
  return result;
}

/** The first issue a refusal reports about one of `paths` (e.g. `newPin`), if any. */
export function issueFor(issues: readonly FieldIssue[], ...paths: string[]): string | undefined {
  return issues.find((issue) => paths.includes(issue.path))?.code;
}

/** The PIN length the policy really applies (HQ's setting, kept between 4 and 12). */
export function effectivePinLength(pinLength: number): number {
  return Math.min(MAX_PIN_LENGTH, Math.max(MIN_PIN_LENGTH, pinLength));
}

/**
 * A refused PIN, from the code and details of the refusal: `wrong` (login_failed), which may
 * already carry the wait before the next try, or `delayed` (login_delayed: tried during a wait).
 */
export type PinRefusal = { kind: 'wrong'; wait: number | null } | { kind: 'delayed'; wait: number | null };

export function pinRefusal(code: string, details: Readonly<Record<string, string>>): PinRefusal | null {
  if (code === 'login_failed') return { kind: 'wrong', wait: parseRetryAfter(details) };
  if (code === 'login_delayed') return { kind: 'delayed', wait: parseRetryAfter(details) };
  return null;
}
