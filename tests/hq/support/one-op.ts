import { expect } from 'vitest';
import type { PairResponse, PushOpOutcome } from '../../../src/shared/sync/protocol';
import type { TestHq } from './hq';
import { enrollOp, newMemberId, type WireOp } from './ops';

/**
 * Pushing one op at a time as a till would: each device's next seq, HQ's outcome for that op, and
 * a member enrolled through a push. `hq` is read at call time (tests start their HQ in beforeAll).
 */
export function oneOpAtATime(hq: () => TestHq) {
  const seqs = new Map<string, number>();
  const next = (device: PairResponse): number => {
    const seq = (seqs.get(device.deviceId) ?? 0) + 1;
    seqs.set(device.deviceId, seq);
    return seq;
  };
  async function pushOne(device: PairResponse, op: WireOp): Promise<PushOpOutcome> {
    const response = await hq().push(device, [op]);
    expect(response.outcomes).toHaveLength(1);
    return response.outcomes[0]!;
  }
  async function member(device: PairResponse): Promise<string> {
    const id = newMemberId();
    expect((await pushOne(device, enrollOp(next(device), id))).outcome).toBe('applied');
    return id;
  }
  /** The last seq given to this device (0 before any). */
  const lastSeq = (device: PairResponse): number => seqs.get(device.deviceId) ?? 0;
  return { next, pushOne, member, lastSeq };
}
