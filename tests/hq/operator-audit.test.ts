// HQ's operator audit trail (issue 12 item 5): an HMAC chain appended in the caller's transaction,
// verified entry by entry (a tampered, a deleted and a reordered row each named by its seq), and
// exported as JSON lines an external auditor checks with the key. PGlite and PostgreSQL.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ZodError } from 'zod';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import {
  OPERATOR_AUDIT_GENESIS_HASH,
  createOperatorAuditLog,
  verifyOperatorAuditExport,
  type OperatorAuditLog,
} from '../../packages/hq/src/operators/operator-audit';
import { BACKENDS, openTestDatabase, skipBackend } from './support/hq';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const KEY = Buffer.from('6b'.repeat(32), 'hex');
const OTHER_KEY = Buffer.from('6c'.repeat(32), 'hex');

describe.each(BACKENDS)('the operator audit chain on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let db: HqDatabase;
    let stop: () => Promise<void>;
    let audit: OperatorAuditLog;
    const clock = { now: new Date('2026-12-06T09:00:00.000Z') };
    beforeAll(async () => {
      ({ db, stop } = await openTestDatabase(backend));
      audit = createOperatorAuditLog({ db, key: KEY, now: () => clock.now });
    });
    afterAll(async () => {
      await stop?.();
    });
    beforeEach(async () => {
      await db.query('DELETE FROM operator_audit');
    });

    /** Five entries, one transaction each, one second apart. */
    async function fiveEntries(): Promise<void> {
      for (let i = 1; i <= 5; i++) {
        clock.now = new Date(Date.UTC(2026, 11, 6, 9, 0, i));
        await db.transaction((tx) =>
          audit.append(tx, {
            operatorId: 'op-1',
            action: 'devices.issue_pairing_code',
            subjectType: 'store',
            subjectId: `s-${i}`,
            details: { storeId: `s-${i}`, count: i },
          }),
        );
      }
    }

    test('entries chain from the genesis hash as h = HMAC(k, prev || canonical entry)', async () => {
      clock.now = new Date('2026-12-06T09:00:05.000Z');
      const seq = await db.transaction((tx) =>
        audit.append(tx, {
          operatorId: 'op-7',
          action: 'member.reveal',
          subjectType: 'member',
          subjectId: 'm-42',
          details: { reason: 'member_support', reference: 'TICKET-4711' },
        }),
      );
      expect(seq).toBe(1);
      const expected = createHmac('sha256', KEY)
        .update(OPERATOR_AUDIT_GENESIS_HASH)
        .update(
          '[1,"2026-12-06T09:00:05.000Z","op-7","member.reveal","member","m-42",' +
            '"{\\"reason\\":\\"member_support\\",\\"reference\\":\\"TICKET-4711\\"}"]',
        )
        .digest('hex');
      const [entry] = await collect(audit.entries());
      expect(entry).toEqual({
        seq: 1,
        at: '2026-12-06T09:00:05.000Z',
        operatorId: 'op-7',
        action: 'member.reveal',
        subjectType: 'member',
        subjectId: 'm-42',
        details: { reason: 'member_support', reference: 'TICKET-4711' },
        prevHash: OPERATOR_AUDIT_GENESIS_HASH,
        hash: expected,
      });
      expect(await audit.head()).toEqual({ seq: 1, hash: expected });
    });

    test('an intact chain verifies', async () => {
      await fiveEntries();
      const verified = await audit.verify();
      expect(verified).toEqual({ ok: true, checked: 5, firstBrokenSeq: null, head: await audit.head() });
      expect(verified.head.seq).toBe(5);
    });

    test('a tampered row is named by its seq', async () => {
      await fiveEntries();
      await db.query(`UPDATE operator_audit SET details = '{"count":3,"storeId":"s-9"}'::jsonb WHERE seq = 3`);
      expect(await audit.verify()).toMatchObject({ ok: false, checked: 2, firstBrokenSeq: 3 });
    });

    test('a row re-chained with the wrong key is named by its seq', async () => {
      await fiveEntries();
      const forger = createOperatorAuditLog({ db, key: OTHER_KEY, now: () => clock.now });
      await db.transaction((tx) => forger.append(tx, { operatorId: 'op-2', action: 'stores.create' }));
      expect(await audit.verify()).toMatchObject({ ok: false, checked: 5, firstBrokenSeq: 6 });
    });

    test('a deleted row is named by the seq that is missing', async () => {
      await fiveEntries();
      await db.query('DELETE FROM operator_audit WHERE seq = 2');
      expect(await audit.verify()).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2 });
    });

    test('two rows swapped are named by the first of them', async () => {
      await fiveEntries();
      await db.query('UPDATE operator_audit SET seq = 1000 WHERE seq = 2');
      await db.query('UPDATE operator_audit SET seq = 2 WHERE seq = 4');
      await db.query('UPDATE operator_audit SET seq = 4 WHERE seq = 1000');
      expect(await audit.verify()).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2 });
    });

    test('rows cut off the end are found against a head kept outside HQ', async () => {
      await fiveEntries();
      const kept = await audit.head();
      await db.query('DELETE FROM operator_audit WHERE seq >= 4');
      expect(await audit.verify()).toMatchObject({ ok: true, checked: 3 });
      expect(await audit.verify(kept)).toMatchObject({ ok: false, checked: 3, firstBrokenSeq: 4 });
    });

    test('an entry is written with the caller’s change or not at all', async () => {
      class ChangeFailed extends Error {}
      await expect(
        db.transaction(async (tx) => {
          await audit.append(tx, {
            operatorId: 'op-1',
            action: 'stores.create',
            subjectType: 'store',
            subjectId: 's-1',
          });
          throw new ChangeFailed('the change itself failed');
        }),
      ).rejects.toBeInstanceOf(ChangeFailed);
      expect(await audit.head()).toEqual({ seq: 0, hash: OPERATOR_AUDIT_GENESIS_HASH });
    });

    test('details that look like personal data or free text are refused and nothing is written', async () => {
      const refused = [
        { email: 'anna@example.org' },
        { name: 'Anna Petrova' },
        { phone: '+79161234567' },
        { note: 'called about her card' },
        { nested: { memberId: 'm-1' } },
      ];
      for (const details of refused) {
        await expect(
          db.transaction((tx) =>
            audit.append(tx, { operatorId: 'op-1', action: 'member.search', details } as unknown as Parameters<
              OperatorAuditLog['append']
            >[1]),
          ),
        ).rejects.toBeInstanceOf(ZodError);
      }
      await expect(
        db.transaction((tx) =>
          audit.append(tx, { operatorId: 'op-1', action: 'drop.tables' } as unknown as Parameters<
            OperatorAuditLog['append']
          >[1]),
        ),
      ).rejects.toBeInstanceOf(ZodError);
      expect((await audit.head()).seq).toBe(0);
    });

    test('appends racing in separate transactions make one unbroken chain', async () => {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.transaction((tx) =>
            audit.append(tx, { operatorId: `op-${i}`, action: 'operator.login', subjectType: 'operator' }),
          ),
        ),
      );
      expect(await audit.verify()).toMatchObject({ ok: true, checked: 8, firstBrokenSeq: null });
    });

    test('the export is one JSON line per entry that the key verifies; a changed or garbled line is named', async () => {
      await fiveEntries();
      const lines = await collect(audit.exportJsonLines());
      expect(lines).toHaveLength(5);
      expect(JSON.parse(lines[2] ?? '')).toMatchObject({
        seq: 3,
        subjectId: 's-3',
        details: { storeId: 's-3', count: 3 },
      });
      expect(await verifyOperatorAuditExport(KEY, lines, await audit.head())).toMatchObject({
        ok: true,
        checked: 5,
      });
      expect(await verifyOperatorAuditExport(OTHER_KEY, lines)).toMatchObject({ ok: false, firstBrokenSeq: 1 });
      const edited = [...lines];
      edited[3] = (edited[3] ?? '').replace('"s-4"', '"s-8"');
      expect(await verifyOperatorAuditExport(KEY, edited)).toMatchObject({ ok: false, checked: 3, firstBrokenSeq: 4 });
      const garbled = [...lines];
      garbled[1] = '{"seq":2,';
      expect(await verifyOperatorAuditExport(KEY, garbled)).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2 });
      garbled[1] = '{"seq":2}';
      expect(await verifyOperatorAuditExport(KEY, garbled)).toMatchObject({ ok: false, checked: 1, firstBrokenSeq: 2 });
      expect(await verifyOperatorAuditExport(KEY, lines.slice(0, 4), await audit.head())).toMatchObject({
        ok: false,
        firstBrokenSeq: 5,
      });
    });

    test('the export starts anywhere and reads past one page', async () => {
      await db.transaction(async (tx) => {
        for (let i = 0; i < 1203; i++) await audit.append(tx, { operatorId: 'op-1', action: 'reports.read' });
      });
      const tail = await collect(audit.exportJsonLines(1201));
      expect(tail.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([1201, 1202, 1203]);
      expect(await audit.verify()).toMatchObject({ ok: true, checked: 1203 });
    });
  });
});

describe('the operator audit key', () => {
  test('is at least 32 bytes', async () => {
    const { db, stop } = await openTestDatabase('pglite');
    try {
      expect(() => createOperatorAuditLog({ db, key: Buffer.alloc(16), now: () => new Date() })).toThrow(TypeError);
    } finally {
      await stop();
    }
  });
});
