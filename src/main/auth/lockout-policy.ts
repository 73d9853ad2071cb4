/**
 * Brute-force defence (DESIGN §4). Failures are counted per staff id and per device. From the 3rd
 * consecutive failure each further try must wait longer; the 10th disables the PIN until a manager
 * unlocks or resets it. The device counter only ever delays (it never disables), so one person
 * cannot lock everyone out of a till.
 */
export interface LockoutPolicy {
  maxFailures: number;
  /** Seconds to wait after the n-th consecutive failure (index n-1; beyond the list, its last entry). */
  delaysSeconds: readonly number[];
  /** Cap for the device-wide delay. */
  deviceDelayCapSeconds: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = {
  maxFailures: 10,
  // From the 10th failure on the staff PIN is disabled; the device counter keeps the last wait.
  delaysSeconds: [0, 0, 1, 2, 4, 8, 16, 32, 64, 64],
  deviceDelayCapSeconds: 60,
};

/** Scales every delay (the harness uses a small factor so end-to-end tests can walk a lockout). */
export function scaledPolicy(policy: LockoutPolicy, factor: number): LockoutPolicy {
  return {
    ...policy,
    delaysSeconds: policy.delaysSeconds.map((s) => s * factor),
    deviceDelayCapSeconds: policy.deviceDelayCapSeconds * factor,
  };
}

export function delayAfter(policy: LockoutPolicy, consecutive: number): number {
  if (consecutive <= 0) return 0;
  const index = Math.min(consecutive, policy.delaysSeconds.length) - 1;
  return policy.delaysSeconds[index] ?? 0;
}
