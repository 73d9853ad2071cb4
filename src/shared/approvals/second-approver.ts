import { MAX_ADJUST_POINTS } from '../points/rules';

/**
 * Four-eyes on large corrections (store policy): an adjustment or a reversal that moves more points
 * than this must be approved by a manager other than the staff member who asked. On by default so
 * that a manager alone at a till cannot hand points to someone they know; HQ applies the same rule
 * to every correction a till pushes, since a till is not a trust boundary.
 */
export const DEFAULT_SECOND_APPROVER_ABOVE_POINTS = 500;

/** 0 means every correction needs a second person; MAX_ADJUST_POINTS means none does. */
export const SECOND_APPROVER_BOUNDS = { min: 0, max: MAX_ADJUST_POINTS } as const;

export function needsSecondApprover(points: number, abovePoints: number): boolean {
  return Math.abs(points) > abovePoints;
}
