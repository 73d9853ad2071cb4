import { describe, expect, it } from 'vitest';
import { createTouchThrottle, idleTimeoutMs, TOUCH_INTERVAL_MS } from '../../../src/renderer/app/activity';
import { staffAbilities, viewsFor } from '../../../src/renderer/app/views';
import { moveIndex, nextByLetter } from '../../../src/renderer/auth/roving';
import { IDLE_LOCK_CHOICES, idleLockChoices, splitDuration } from '../../../src/renderer/staff/idle';

describe('activity reports', () => {
  it('touch at most once per 20 s, starting from sign-in', () => {
    const throttle = createTouchThrottle(1_000);
    expect(TOUCH_INTERVAL_MS).toBe(20_000);
    expect(throttle.shouldTouch(1_000)).toBe(false);
    expect(throttle.shouldTouch(20_999)).toBe(false);
    expect(throttle.shouldTouch(21_000)).toBe(true);
    expect(throttle.shouldTouch(21_001)).toBe(false);
    expect(throttle.shouldTouch(40_999)).toBe(false);
    expect(throttle.shouldTouch(41_000)).toBe(true);
  });

  it('turns the idle-lock setting into a timeout', () => {
    expect(idleTimeoutMs(120)).toBe(120_000);
    expect(idleTimeoutMs(30)).toBe(30_000);
    expect(idleTimeoutMs(0)).toBe(1_000);
  });
});

describe('role gating', () => {
  it('shows cashiers the counter, staff and sync sections only', () => {
    expect(viewsFor('cashier')).toEqual(['find', 'enroll', 'staff', 'sync']);
    expect(staffAbilities('cashier')).toEqual({ addStaff: false, idleLock: false });
  });

  it('shows managers approvals and the audit log too', () => {
    expect(viewsFor('manager')).toEqual([
      'find',
      'enroll',
      'staff',
      'approvals',
      'audit',
      'sync',
      'dashboard',
      'alerts',
    ]);
    expect(staffAbilities('manager')).toEqual({ addStaff: true, idleLock: true });
  });
});

describe('staff list keys', () => {
  it('moves with arrows, Home and End in a plain list', () => {
    expect(moveIndex('ArrowDown', 0, 3)).toBe(1);
    expect(moveIndex('ArrowDown', 2, 3)).toBe(2);
    expect(moveIndex('ArrowRight', 2, 3)).toBe(0);
    expect(moveIndex('ArrowUp', 0, 3)).toBe(0);
    expect(moveIndex('ArrowUp', 2, 3)).toBe(1);
    expect(moveIndex('ArrowLeft', 0, 3)).toBe(2);
    expect(moveIndex('Home', 2, 3)).toBe(0);
    expect(moveIndex('End', 0, 3)).toBe(2);
    expect(moveIndex('Enter', 0, 3)).toBeNull();
    expect(moveIndex('ArrowDown', 0, 0)).toBeNull();
  });

  it('moves by rows in a grid of buttons', () => {
    // 3 columns, 7 items: rows [0 1 2] [3 4 5] [6]
    expect(moveIndex('ArrowDown', 1, 7, 3)).toBe(4);
    expect(moveIndex('ArrowDown', 4, 7, 3)).toBe(6);
    expect(moveIndex('ArrowDown', 6, 7, 3)).toBe(6);
    expect(moveIndex('ArrowUp', 6, 7, 3)).toBe(3);
    expect(moveIndex('ArrowUp', 2, 7, 3)).toBe(2);
    expect(moveIndex('ArrowRight', 2, 7, 3)).toBe(3);
    expect(moveIndex('ArrowLeft', 0, 7, 3)).toBe(6);
  });

  it('jumps to the next name starting with a typed letter, in any script', () => {
    const names = ['Mia Manager', 'Carl Cashier', 'Ольга Орлова', 'Marta', 'Нина Новикова'];
    expect(nextByLetter(names, 0, 'c')).toBe(1);
    expect(nextByLetter(names, 0, 'M')).toBe(3);
    expect(nextByLetter(names, 3, 'm')).toBe(0);
    expect(nextByLetter(names, -1, 'о')).toBe(2);
    expect(nextByLetter(names, 0, 'Н')).toBe(4);
    expect(nextByLetter(names, 0, 'z')).toBeNull();
    expect(nextByLetter(names, 0, 'ArrowDown')).toBeNull();
    expect(nextByLetter(names, 0, ' ')).toBeNull();
  });
});

describe('auto-lock choices', () => {
  it('offers 30 s to 15 min, plus the current setting when it is another value', () => {
    expect(idleLockChoices(120)).toEqual([...IDLE_LOCK_CHOICES]);
    expect(idleLockChoices(45)).toEqual([30, 45, 60, 120, 300, 600, 900]);
    expect(idleLockChoices(3600)).toEqual([30, 60, 120, 300, 600, 900, 3600]);
    expect(idleLockChoices(5)).toEqual([...IDLE_LOCK_CHOICES]);
  });

  it('reads whole minutes as minutes', () => {
    expect(splitDuration(30)).toEqual({ unit: 'seconds', n: 30 });
    expect(splitDuration(90)).toEqual({ unit: 'seconds', n: 90 });
    expect(splitDuration(120)).toEqual({ unit: 'minutes', n: 2 });
  });
});
