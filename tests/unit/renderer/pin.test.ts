import { describe, expect, it } from 'vitest';
import {
  checkNewPin,
  effectivePinLength,
  issueFor,
  onlyDigits,
  parseRetryAfter,
  pinRefusal,
  secondsLeft,
} from '../../../src/renderer/auth/pin';

describe('PIN entry helpers', () => {
  it('keeps only digits, at most 12 by default', () => {
    expect(onlyDigits('12 34-56')).toBe('123456');
    expect(onlyDigits('abc')).toBe('');
    expect(onlyDigits('1234567890123456')).toBe('123456789012');
    expect(onlyDigits('98765', 4)).toBe('9876');
    expect(onlyDigits('٣٤٥')).toBe('');
  });

  it('reads retryAfterSeconds only when it is a positive string of digits', () => {
    expect(parseRetryAfter({ retryAfterSeconds: '30' })).toBe(30);
    expect(parseRetryAfter({ retryAfterSeconds: '1' })).toBe(1);
    expect(parseRetryAfter({ retryAfterSeconds: '0' })).toBeNull();
    expect(parseRetryAfter({ retryAfterSeconds: '-5' })).toBeNull();
    expect(parseRetryAfter({ retryAfterSeconds: '3.5' })).toBeNull();
    expect(parseRetryAfter({ retryAfterSeconds: '' })).toBeNull();
    expect(parseRetryAfter({ retryAfterSeconds: '9999999' })).toBeNull();
    expect(parseRetryAfter({})).toBeNull();
  });

  it('counts down in whole seconds, rounding up, never below zero', () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 1)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 20_000)).toBe(0);
  });

  it('checks a new PIN with the shared policy, the repeat and reuse of the current PIN', () => {
    expect(checkNewPin('', '', 6)).toEqual({ newPin: 'required', repeat: 'required' });
    expect(checkNewPin('12a456', '12a456', 6)).toEqual({ newPin: 'pin_format' });
    expect(checkNewPin('58204', '58204', 6)).toEqual({ newPin: 'pin_too_short' });
    expect(checkNewPin('123456', '123456', 6)).toEqual({ newPin: 'pin_weak' });
    expect(checkNewPin('111111', '111111', 6)).toEqual({ newPin: 'pin_weak' });
    expect(checkNewPin('582047', '582074', 6)).toEqual({ repeat: 'pin_mismatch' });
    expect(checkNewPin('582047', '', 6)).toEqual({ repeat: 'required' });
    expect(checkNewPin('582047', '582047', 6)).toEqual({});
    expect(checkNewPin('582047', '582047', 6, '582047')).toEqual({ newPin: 'pin_reused' });
    expect(checkNewPin('5820', '5820', 4)).toEqual({});
  });

  it('applies the PIN length the policy really uses', () => {
    expect(effectivePinLength(6)).toBe(6);
    expect(effectivePinLength(2)).toBe(4);
    expect(effectivePinLength(20)).toBe(12);
  });

  it('finds the issue about one of several paths', () => {
    const issues = [
      { path: 'displayName', code: 'too_long' },
      { path: 'newPin', code: 'pin_weak' },
    ];
    expect(issueFor(issues, 'newPin', 'pin')).toBe('pin_weak');
    expect(issueFor(issues, 'pin')).toBeUndefined();
  });

  it('tells a wrong PIN (maybe with the wait it triggered) from a try made during a wait', () => {
    expect(pinRefusal('login_failed', {})).toEqual({ kind: 'wrong', wait: null });
    expect(pinRefusal('login_failed', { retryAfterSeconds: '8' })).toEqual({ kind: 'wrong', wait: 8 });
    expect(pinRefusal('login_delayed', { retryAfterSeconds: '4' })).toEqual({ kind: 'delayed', wait: 4 });
    expect(pinRefusal('login_delayed', {})).toEqual({ kind: 'delayed', wait: null });
    expect(pinRefusal('approval_invalid', { retryAfterSeconds: '4' })).toBeNull();
  });
});
