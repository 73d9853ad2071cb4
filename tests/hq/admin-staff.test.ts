import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addStaff, createStore, resetStaffPin, setStaffStatus } from '../../packages/hq/src/admin';
import { createPinHasher } from '../../src/main/staff/pin-hasher';
import { readPinPepperRing, tillPinPeppers } from '../../packages/hq/src/staff/pin-peppers';
import type { TillPinPeppers } from '../../src/shared/sync/protocol';
import { checkPin } from '../../src/shared/staff/pin-policy';
import { cliConnection, runCli } from './support/admin-cli';
import { firstAdmin, operatorWith } from './support/console';
import { BACKENDS, skipBackend, startTestHq, type TestHq } from './support/hq';

interface StaffRow {
  id: string;
  store_id: string | null;
  display_name: string;
  role: string;
  status: string;
  pin_hash: string;
  must_change_pin: boolean;
  version: unknown;
  updated_at: Date;
}

describe.each(BACKENDS)('HQ staff admin on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let storeId: string;
    let pepper: string;
    let peppers: TillPinPeppers;
    /** A store operator's API token: the staff commands act as them. */
    let storeToken: string;
    beforeAll(async () => {
      hq = await startTestHq(backend, { console: true });
      storeId = (await createStore(deps(), 'Staff Street')).storeId;
      // A till of the store holds the chain pepper (v1) and, since issue 15, its store's peppers (v2).
      const ring = await readPinPepperRing(hq.db);
      pepper = ring.chainPepper;
      peppers = tillPinPeppers(ring, storeId);
      const admin = (await firstAdmin(hq)).client;
      const storeOps = (await operatorWith(hq, admin, ['store_operations'])).client;
      const made = await storeOps.call('createApiToken', { roles: ['store_operations'], expiresInDays: 30 });
      if (made.status !== 200) throw new Error(`createApiToken refused: ${made.text}`);
      storeToken = (made.body as { token: string }).token;
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    function deps() {
      return { db: hq.db, now: () => hq.clock.now };
    }

    const cli = (...argv: string[]) => runCli(cliConnection(hq, storeToken), ...argv);

    async function staffRow(id: string): Promise<StaffRow> {
      const found = await hq.db.query<StaffRow>('SELECT * FROM staff WHERE id = $1', [id]);
      expect(found.rows).toHaveLength(1);
      return found.rows[0]!;
    }

    async function changes(id: string) {
      const found = await hq.db.query<{ entity: string; store_id: string | null; changed_at: Date }>(
        'SELECT entity, store_id, changed_at FROM change_log WHERE entity_id = $1 ORDER BY seq',
        [id],
      );
      return found.rows;
    }

    /** Expects `action` to fail with `code` and to leave every table as it was. */
    async function refused(code: string, action: () => Promise<unknown>) {
      const before = await hq.snapshot();
      await expect(action()).rejects.toMatchObject({ code });
      expect(await hq.snapshot()).toBe(before);
    }

    test("add-staff: a store's cashier with a temporary PIN the till's hasher accepts, logged for pull", async () => {
      const added = await addStaff(deps(), { storeId, displayName: '  Carla   Cashier ', role: 'cashier' });
      expect(added.temporaryPin).toMatch(/^\d{6}$/);
      expect(checkPin(added.temporaryPin)).toBeNull();
      const row = await staffRow(added.staffId);
      expect(row).toMatchObject({
        store_id: storeId,
        display_name: 'Carla Cashier',
        role: 'cashier',
        status: 'active',
        must_change_pin: true,
      });
      expect(Number(row.version)).toBe(1);
      expect(row.updated_at.toISOString()).toBe(hq.clock.now.toISOString());
      const till = createPinHasher(pepper, () => peppers);
      expect(await till.verify(row.pin_hash, added.temporaryPin)).toBe(true);
      expect(await till.verify(row.pin_hash, added.temporaryPin === '482915' ? '482916' : '482915')).toBe(false);
      expect(await changes(added.staffId)).toEqual([{ entity: 'staff', store_id: storeId, changed_at: hq.clock.now }]);
      // HQ keeps no PIN, only its hash.
      expect(await hq.snapshot()).not.toContain(`"${added.temporaryPin}"`);
    });

    test('add-staff --chain: chain-wide staff (store NULL), seen by every store', async () => {
      const added = await addStaff(deps(), { storeId: null, displayName: 'Ольга Орлова', role: 'manager' });
      expect(await staffRow(added.staffId)).toMatchObject({
        store_id: null,
        role: 'manager',
        display_name: 'Ольга Орлова',
      });
      expect(await changes(added.staffId)).toEqual([{ entity: 'staff', store_id: null, changed_at: hq.clock.now }]);
    });

    test('add-staff refuses an unknown store, a bad name or role, and changes nothing', async () => {
      await refused('store_not_found', () =>
        addStaff(deps(), { storeId: 'no-such-store', displayName: 'Nora', role: 'cashier' }),
      );
      for (const displayName of ['', '   ', 'R2D2', 'x'.repeat(61), '<script>']) {
        await refused('invalid_argument', () => addStaff(deps(), { storeId, displayName, role: 'cashier' }));
      }
      await refused('invalid_argument', () =>
        addStaff(deps(), { storeId, displayName: 'Nora', role: 'owner' as 'manager' }),
      );
      await expect(addStaff(deps(), { storeId, displayName: 'R2D2', role: 'cashier' })).rejects.toMatchObject({
        issues: [{ path: 'displayName', code: 'invalid_characters' }],
      });
    });

    test('set-staff-status: inactive and back, each a new version and a change; the same status changes nothing', async () => {
      const { staffId } = await addStaff(deps(), { storeId, displayName: 'Ivan Inactive', role: 'cashier' });
      const off = await setStaffStatus(deps(), staffId, 'inactive');
      expect(off).toEqual({ staffId, status: 'inactive', version: 2, changed: true });
      expect(await staffRow(staffId)).toMatchObject({ status: 'inactive' });

      const before = await hq.snapshot();
      expect(await setStaffStatus(deps(), staffId, 'inactive')).toEqual({
        staffId,
        status: 'inactive',
        version: 2,
        changed: false,
      });
      expect(await hq.snapshot()).toBe(before);

      expect((await setStaffStatus(deps(), staffId, 'active')).version).toBe(3);
      expect(Number((await staffRow(staffId)).version)).toBe(3);
      expect((await changes(staffId)).map((c) => c.entity)).toEqual(['staff', 'staff', 'staff']);

      await refused('staff_not_found', () => setStaffStatus(deps(), 'no-such-staff', 'inactive'));
      await refused('invalid_argument', () => setStaffStatus(deps(), staffId, 'fired'));
    });

    test('reset-staff-pin: a new temporary PIN replaces the old one, must be changed, new version', async () => {
      const added = await addStaff(deps(), { storeId, displayName: 'Rita Reset', role: 'manager' });
      // As if the staff member had changed the temporary PIN at a till.
      await hq.db.query('UPDATE staff SET must_change_pin = false WHERE id = $1', [added.staffId]);
      const reset = await resetStaffPin(deps(), added.staffId);
      expect(reset.version).toBe(2);
      expect(checkPin(reset.temporaryPin)).toBeNull();
      const row = await staffRow(added.staffId);
      expect(row.must_change_pin).toBe(true);
      const till = createPinHasher(pepper, () => peppers);
      expect(await till.verify(row.pin_hash, reset.temporaryPin)).toBe(true);
      if (reset.temporaryPin !== added.temporaryPin)
        expect(await till.verify(row.pin_hash, added.temporaryPin)).toBe(false);
      expect(await changes(added.staffId)).toHaveLength(2);
      await refused('staff_not_found', () => resetStaffPin(deps(), 'no-such-staff'));
    });

    test('CLI: add-staff prints STAFF_ID and TEMPORARY_PIN once; refusals print the field, never the PIN or the name', async () => {
      const added = await cli('add-staff', '--store', storeId, '--name', 'Cleo Cli', '--role', 'cashier');
      expect(added.code).toBe(0);
      expect(added.err).toEqual([]);
      expect(Object.keys(added.values)).toEqual(['STAFF_ID', 'TEMPORARY_PIN']);
      const staffId = added.values.STAFF_ID!;
      expect(
        await createPinHasher(pepper, () => peppers).verify(
          (await staffRow(staffId)).pin_hash,
          added.values.TEMPORARY_PIN!,
        ),
      ).toBe(true);

      const chain = await cli('add-staff', '--chain', '--name', 'Chen Chain', '--role', 'manager');
      expect(chain.code).toBe(0);
      expect((await staffRow(chain.values.STAFF_ID!)).store_id).toBeNull();

      const before = await hq.snapshot();
      for (const argv of [
        ['add-staff', '--name', 'Nobody', '--role', 'cashier'],
        ['add-staff', '--chain', '--store', storeId, '--name', 'Both', '--role', 'cashier'],
        ['add-staff', '--store', storeId, '--role', 'cashier'],
        ['add-staff', '--store', storeId, '--name', 'Nora', '--role', 'owner'],
        ['add-staff', '--store', storeId, '--name', 'Nora', '--role', 'cashier', '--device', 'x'],
        ['add-staff', '--store', storeId, '--name', 'Nora', '--role', 'cashier', '--pin', '123456'],
        ['add-staff', 'extra', '--store', storeId, '--name', 'Nora', '--role', 'cashier'],
        ['set-staff-status', staffId],
        ['set-staff-status', staffId, 'retired'],
        ['reset-staff-pin'],
        ['reset-staff-pin', 'no-such-staff'],
        ['fire-staff', staffId],
      ]) {
        const run = await cli(...argv);
        expect(run.code, argv.join(' ')).toBe(2);
        expect(run.out).toEqual([]);
        expect(run.err[0]).toMatch(/^error: [a-z_]+: /);
      }
      const badName = await cli('add-staff', '--store', storeId, '--name', 'Zed 2000', '--role', 'cashier');
      expect(badName).toEqual({
        code: 2,
        out: [],
        err: [
          'error: invalid_argument: A staff member needs a name (letters, 1 to 60) and a role (cashier or manager).',
          '  at displayName: invalid_characters',
        ],
        values: {},
      });
      expect(badName.err.join('\n')).not.toContain('Zed');
      const badRole = await cli('add-staff', '--store', storeId, '--name', 'Zed', '--role', 'owner');
      expect(badRole).toEqual({
        code: 2,
        out: [],
        err: [
          'error: bad_request: The request does not match the schema.',
          '  at role: invalid_value (one of "cashier", "manager")',
        ],
        values: {},
      });
      expect(await hq.snapshot()).toBe(before);

      const status = await cli('set-staff-status', staffId, 'inactive');
      expect(status).toEqual({
        code: 0,
        out: ['STAFF_STATUS=inactive', 'STAFF_VERSION=2'],
        err: [],
        values: { STAFF_STATUS: 'inactive', STAFF_VERSION: '2' },
      });
      const reset = await cli('reset-staff-pin', staffId);
      expect(reset).toMatchObject({ code: 0, err: [] });
      expect(reset.out).toEqual([`STAFF_ID=${staffId}`, expect.stringMatching(/^TEMPORARY_PIN=\d{6}$/)]);
      expect(
        await createPinHasher(pepper, () => peppers).verify(
          (await staffRow(staffId)).pin_hash,
          reset.values.TEMPORARY_PIN!,
        ),
      ).toBe(true);
      expect(Number((await staffRow(staffId)).version)).toBe(3);
    });
  });
});
