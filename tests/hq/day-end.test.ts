import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { opIdsDigest } from '../../src/node-shared/op-ids-digest';
import { DayEndReport, HQ_ROUTES, type DayEndManifest, type PairResponse } from '../../src/shared/sync/protocol';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';
import { consentOp, earnOp, enrollOp, newMemberId, redeemOp, type WireOp } from './support/ops';

describe.each(BACKENDS)('HQ day end, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    const push = (device: PairResponse, ops: WireOp[]) => hq.push(device, ops);

    /** The manifest a till makes from its outbox (src/main/sync does the same). */
    function manifestOf(ops: WireOp[], fromSeq: number, auditSeq: number): DayEndManifest {
      const counts: DayEndManifest['counts'] = {};
      for (const op of ops) counts[op.type] = (counts[op.type] ?? 0) + 1;
      return {
        fromSeq,
        toSeq: fromSeq + ops.length,
        counts,
        opIdsSha256: opIdsDigest(ops.map((op) => op.opId)),
        auditHead: { seq: auditSeq, hash: 'ab'.repeat(32) },
        deviceTime: '2026-03-02T18:00:00.000Z',
      };
    }

    async function dayEnd(device: PairResponse, manifest: DayEndManifest, dayEndId = randomUUID()) {
      const response = await hq.send(HQ_ROUTES.dayEnd, { dayEndId, manifest }, { token: device.deviceToken });
      return response;
    }

    async function day(device: PairResponse): Promise<WireOp[]> {
      const member = newMemberId();
      const other = newMemberId();
      const ops = [
        enrollOp(1, member),
        consentOp(2, member, true),
        earnOp(3, member, 300),
        redeemOp(4, member, 150),
        earnOp(5, other, 10), // unknown member: rejected, still counted as held
      ];
      await push(device, ops);
      return ops;
    }

    test('a matching manifest is reconciled and acknowledged with HQ’s figures; resending it returns the same report', async () => {
      const device = await hq.pairedDevice();
      const ops = await day(device);
      const id = randomUUID();
      const response = await dayEnd(device, manifestOf(ops, 0, 40), id);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const report = DayEndReport.parse(response.body);
      expect(report).toMatchObject({
        status: 'reconciled',
        problems: [],
        fromSeq: 0,
        toSeq: 5,
        pointsEarned: 300,
        pointsSpent: 150,
        overdrafts: 0,
      });
      expect(report.hq['points.earned']).toEqual({ applied: 1, rejected: 1 });
      const before = await hq.snapshot();
      const again = await dayEnd(device, manifestOf(ops, 0, 40), id);
      expect(again.body).toEqual(response.body);
      expect(await hq.snapshot()).toBe(before);
    });

    test('a manifest that does not match what HQ holds is reported as a mismatch, naming each problem', async () => {
      const device = await hq.pairedDevice();
      const ops = await day(device);
      const wrongCounts = manifestOf(ops, 0, 40);
      wrongCounts.counts['points.earned'] = 1;
      const report1 = DayEndReport.parse((await dayEnd(device, wrongCounts)).body);
      expect(report1.status).toBe('mismatch');
      expect(report1.problems).toEqual(['count_mismatch']);

      const swapped = manifestOf([ops[1], ops[0], ...ops.slice(2)] as WireOp[], 0, 40);
      const report2 = DayEndReport.parse((await dayEnd(device, { ...swapped, fromSeq: 0 })).body);
      expect(report2.problems).toContain('op_ids_mismatch');
    });

    test('the audit head going backwards between two day ends is reported (a truncated chain)', async () => {
      const device = await hq.pairedDevice();
      const ops = await day(device);
      expect(DayEndReport.parse((await dayEnd(device, manifestOf(ops, 0, 40))).body).status).toBe('reconciled');
      const member = newMemberId();
      const next = [enrollOp(6, member)];
      await push(device, next);
      const report = DayEndReport.parse((await dayEnd(device, manifestOf(next, 5, 12))).body);
      expect(report.problems).toEqual(['audit_went_back']);
    });

    test('a day end for ops HQ has not received yet is refused (push_first) and changes nothing', async () => {
      const device = await hq.pairedDevice();
      const ops = await day(device);
      const ahead = manifestOf([...ops, earnOp(6, newMemberId(), 1)], 0, 40);
      const before = await hq.snapshot();
      const response = await dayEnd(device, ahead);
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ code: 'push_first' });
      expect(await hq.snapshot()).toBe(before);
    });
  });
});
