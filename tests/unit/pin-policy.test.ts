import { describe, expect, it } from 'vitest';
import { checkPin } from '../../src/shared/staff/pin-policy';

describe('PIN policy', () => {
  it.each(['731946', '582047', '419375', '860247', '1357924'])('accepts %s', (pin) => {
    expect(checkPin(pin)).toBeNull();
  });

  it.each([
    ['111111', 'one digit repeated'],
    ['123456', 'ascending run'],
    ['987654', 'descending run'],
    ['890123', 'ascending run that wraps'],
    ['135791', 'run in steps of two'],
    ['121212', 'repeated pair'],
    ['456456', 'repeated triple'],
    ['123321', 'mirrored'],
    ['112233', 'common'],
    ['159753', 'common keypad pattern'],
    ['696969', 'common'],
  ])('refuses %s (%s) as weak', (pin) => {
    expect(checkPin(pin)).toBe('pin_weak');
  });

  it('enforces the length HQ sets, never below 4', () => {
    expect(checkPin('7319', 6)).toBe('pin_too_short');
    expect(checkPin('7319', 4)).toBeNull();
    expect(checkPin('731', 2)).toBe('pin_too_short');
    expect(checkPin('7319461', 6)).toBeNull();
    expect(checkPin('7319465820471', 6)).toBe('pin_too_long');
  });

  it('takes digits only', () => {
    expect(checkPin('73194a')).toBe('pin_format');
    expect(checkPin(' 731946')).toBe('pin_format');
    expect(checkPin('')).toBe('pin_format');
  });
});

describe('who may reset whose PIN', () => {
  it('a cashier may not learn a manager temporary PIN; everything else is allowed', async () => {
    const { mayResetPinOf } = await import('../../src/shared/auth/permissions');
    expect(mayResetPinOf('cashier', 'manager')).toBe(false);
    expect(mayResetPinOf('cashier', 'cashier')).toBe(true);
    expect(mayResetPinOf('manager', 'manager')).toBe(true);
    expect(mayResetPinOf('manager', 'cashier')).toBe(true);
  });
});
