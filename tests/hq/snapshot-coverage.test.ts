import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

/** The "changes nothing" checks of tests/hq rely on hq.snapshot() seeing every table there is. */
describe.each(BACKENDS)('HQ test snapshots on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    beforeAll(async () => {
      hq = await startTestHq(backend);
    });
    afterAll(async () => {
      await hq?.close();
    });

    test('a row written to a table added after the tests were written changes the snapshot', async () => {
      await hq.db.query('CREATE TABLE added_by_a_later_migration (id integer PRIMARY KEY, note text)');
      const before = await hq.snapshot();
      await hq.db.query(`INSERT INTO added_by_a_later_migration VALUES (1, 'new')`);
      expect(await hq.snapshot()).not.toBe(before);
      await hq.db.query('DROP TABLE added_by_a_later_migration');
    });

    test('a change in any of the tables HQ had when this was written changes the snapshot', async () => {
      const before = await hq.snapshot();
      await hq.pairedDevice('Snapshot till');
      // stores, devices, pairing_codes, card_blocks… all covered; at least these rows changed.
      expect(await hq.snapshot()).not.toBe(before);
      const parsed = JSON.parse(await hq.snapshot()) as Record<string, unknown[]>;
      expect(Object.keys(parsed)).toEqual(
        expect.arrayContaining([
          'stores',
          'devices',
          'pairing_codes',
          'ops',
          'members',
          'ledger',
          'consents',
          'change_log',
          'staff',
          'rewards',
          'store_settings',
          'chain',
          'card_blocks',
          'change_log_horizon',
          'day_ends',
        ]),
      );
      expect(parsed.devices).toHaveLength(1);
    });
  });
});
