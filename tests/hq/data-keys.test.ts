// HQ's data keys (packages/hq/src/keys/data-keys.ts) on a real migrated PGlite: values sealed for a
// place open only there, the keys are stored only wrapped, the wrong master key is refused before
// anything is made, and both rotations keep every value readable.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { HqDatabase } from '../../packages/hq/src/db/database';
import { migrate } from '../../packages/hq/src/db/migrations';
import { openPgliteDatabase } from '../../packages/hq/src/db/pglite';
import {
  DATA_KEY_PURPOSES,
  DataKeyError,
  getOrCreateDataKey,
  openDataKeys,
  openDerivationRoot,
  rewrapDataKeys,
  rotateDataKey,
  type DataKeyErrorCode,
} from '../../packages/hq/src/keys/data-keys';
import { deriveKey } from '../../packages/hq/src/keys/derived-keys';
import { masterKeyWrapper } from '../../packages/hq/src/keys/key-wrapper';
import { createOperatorAuditLog } from '../../packages/hq/src/operators/operator-audit';
import { NEW_MASTER_KEY_ENV, rotateMasterKey } from '../../packages/hq/src/keys/rotate-master-key';
import type { MasterKeySource } from '../../packages/hq/src/keys/master-key';
import { resealColumns } from '../../packages/hq/src/keys/sealed-columns';
import { sealedKeyId } from '../../packages/hq/src/keys/sealed-value';

const source = (key: Buffer): MasterKeySource => ({ id: 'test', key: () => Buffer.from(key) });
const NOW = new Date('2026-03-02T09:00:00.000Z');

async function refusal(run: () => Promise<unknown>, code: DataKeyErrorCode): Promise<void> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DataKeyError);
  expect((thrown as DataKeyError).code).toBe(code);
}

// One migrated database (migrating costs seconds); each test starts with no keys and no members.
let db: HqDatabase;
beforeAll(async () => {
  db = await openPgliteDatabase();
  await migrate(db);
});
beforeEach(async () => {
  await db.query('DELETE FROM data_keys');
  await db.query('DELETE FROM members');
  await db.query('DELETE FROM stores');
});
afterAll(async () => {
  await db.close();
});

describe('data keys', () => {
  test('a sealed value opens at its own place and nowhere else; the table holds no key in clear', async () => {
    const master = randomBytes(32);
    const keys = await openDataKeys(db, masterKeyWrapper(source(master)), { now: () => NOW });
    const here = { table: 'members', column: 'email', rowId: 'm-1' };
    const sealed = keys.seal('member-contacts', 'ada@example.org', here);
    expect(sealed).toMatch(/^sv1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('ada');
    // A fresh nonce each time: the same value seals differently.
    expect(keys.seal('member-contacts', 'ada@example.org', here)).not.toBe(sealed);
    expect(keys.open('member-contacts', sealed, here)).toBe('ada@example.org');

    // Moved to another row, column or table, or opened as another purpose: refused, never garbled.
    expect(() => keys.open('member-contacts', sealed, { ...here, rowId: 'm-2' })).toThrow(DataKeyError);
    expect(() => keys.open('member-contacts', sealed, { ...here, column: 'phone' })).toThrow(DataKeyError);
    expect(() => keys.open('member-contacts', sealed, { ...here, table: 'operators' })).toThrow(DataKeyError);
    expect(() => keys.open('chain-secrets', sealed, here)).toThrow(DataKeyError);
    const flipped = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-1);
    expect(() => keys.open('member-contacts', flipped, here)).toThrow(DataKeyError);

    const rows = (
      await db.query<{ purpose: string; wrapped_key: string; wrapped_by: string }>(
        'SELECT purpose, wrapped_key, wrapped_by FROM data_keys ORDER BY purpose',
      )
    ).rows;
    expect(rows.map((row) => row.purpose)).toEqual(['chain-secrets', 'member-contacts', 'operator-totp']);
    for (const row of rows) {
      // nonce (12) + key (32) + tag (16), and wrapped_by is a fingerprint, not the master key.
      expect(Buffer.from(row.wrapped_key, 'base64url').length).toBe(60);
      expect(row.wrapped_by).toMatch(/^local:[0-9a-f]{32}$/);
      expect(row.wrapped_by).not.toContain(master.toString('hex').slice(0, 16));
    }
  });

  test('reopened with the same master key, the same keys open old values', async () => {
    const master = randomBytes(32);
    const first = await openDataKeys(db, masterKeyWrapper(source(master)), { now: () => NOW });
    const here = { table: 'chain', column: 'lookup_key', rowId: '1' };
    const sealed = first.seal('chain-secrets', 'ab'.repeat(32), here);
    const again = await openDataKeys(db, masterKeyWrapper(source(master)), { now: () => NOW });
    expect(again.open('chain-secrets', sealed, here)).toBe('ab'.repeat(32));
    expect((await db.query('SELECT 1 FROM data_keys')).rows.length).toBe(3);
  });

  test('another master key is refused at start and makes no new key', async () => {
    await openDataKeys(db, masterKeyWrapper(source(randomBytes(32))), { now: () => NOW });
    const before = (await db.query('SELECT * FROM data_keys ORDER BY id')).rows;
    await refusal(() => openDataKeys(db, masterKeyWrapper(source(randomBytes(32)))), 'master_key_mismatch');
    expect((await db.query('SELECT * FROM data_keys ORDER BY id')).rows).toEqual(before);
  });

  test('a wrapped key altered in the table is refused (the tag check), not used', async () => {
    const master = randomBytes(32);
    await openDataKeys(db, masterKeyWrapper(source(master)), { now: () => NOW });
    const row = (
      await db.query<{ id: number; wrapped_key: string }>(
        `SELECT id, wrapped_key FROM data_keys WHERE purpose = 'member-contacts'`,
      )
    ).rows[0];
    if (!row) throw new Error('no key');
    const bytes = Buffer.from(row.wrapped_key, 'base64url');
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    await db.query('UPDATE data_keys SET wrapped_key = $2 WHERE id = $1', [row.id, bytes.toString('base64url')]);
    await refusal(() => openDataKeys(db, masterKeyWrapper(source(master))), 'data_key_unwrap_failed');
  });

  test('two openers racing make one key per purpose', async () => {
    const wrapper = masterKeyWrapper(source(randomBytes(32)));
    const made = await Promise.all([1, 2, 3].map(() => getOrCreateDataKey(db, wrapper, 'operator-totp', NOW)));
    expect(new Set(made.map((k) => k.id)).size).toBe(1);
    expect(made[0]?.key.equals(made[1]?.key ?? Buffer.alloc(0))).toBe(true);
    expect((await db.query(`SELECT 1 FROM data_keys WHERE purpose = 'operator-totp'`)).rows.length).toBe(1);
  });

  test('master key rotation rewraps the data keys: values stay, the old master key is then refused', async () => {
    const oldMaster = masterKeyWrapper(source(randomBytes(32)));
    const newMaster = masterKeyWrapper(source(randomBytes(32)));
    const keys = await openDataKeys(db, oldMaster, { now: () => NOW });
    const here = { table: 'operators', column: 'totp_secret', rowId: 'op-1' };
    const sealed = keys.seal('operator-totp', 'JBSWY3DPEHPK3PXP', here);
    expect(await rewrapDataKeys(db, oldMaster, newMaster)).toBe(3);
    const reopened = await openDataKeys(db, newMaster, { now: () => NOW });
    expect(reopened.open('operator-totp', sealed, here)).toBe('JBSWY3DPEHPK3PXP');
    await refusal(() => openDataKeys(db, oldMaster), 'master_key_mismatch');
  });

  test('data key rotation: old values still open, the reseal pass moves every row to the new key', async () => {
    const wrapper = masterKeyWrapper(source(randomBytes(32)));
    const keys = await openDataKeys(db, wrapper, { now: () => NOW });
    await db.query(`INSERT INTO stores (id, name, created_at) VALUES ('s1', 'S', now())`);
    for (let i = 0; i < 5; i += 1) {
      const id = `m-${i}`;
      await db.query(
        `INSERT INTO members (id, card_number, given_name, family_name, phone, email, home_store_id, enrolled_at, updated_at)
         VALUES ($1, $2, 'A', 'B', $3, $4, 's1', now(), now())`,
        [
          id,
          `c${i}`,
          keys.seal('member-contacts', `+4473000000${i}`, { table: 'members', column: 'phone', rowId: id }),
          keys.seal('member-contacts', `m${i}@example.org`, { table: 'members', column: 'email', rowId: id }),
        ],
      );
    }
    const oldId = keys.currentKeyId('member-contacts');
    const newId = await rotateDataKey(db, wrapper, 'member-contacts', NOW);
    expect(newId).not.toBe(oldId);
    const rotated = await openDataKeys(db, wrapper, { now: () => NOW });
    expect(rotated.currentKeyId('member-contacts')).toBe(newId);
    const none = { 'operators.totp_secret': 0, 'operator_enrolments.totp_secret': 0 };
    // The chain row ensureChain made is still in clear here: the pass seals it on the way.
    const chain = (n: number) => ({
      'chain.pin_pepper': n,
      'chain.lookup_key': n,
      'chain.staff_proof_private_key': n,
      'chain.pin_pepper_root': n,
    });
    expect(await resealColumns(db, rotated, { batch: 2 })).toEqual({
      'members.phone': 5,
      'members.email': 5,
      ...none,
      ...chain(1),
    });
    expect(await resealColumns(db, rotated, { batch: 2 })).toEqual({
      'members.phone': 0,
      'members.email': 0,
      ...none,
      ...chain(0),
    });
    const rows = (
      await db.query<{ id: string; phone: string; email: string }>('SELECT id, phone, email FROM members ORDER BY id')
    ).rows;
    rows.forEach((row, i) => {
      expect(sealedKeyId(row.phone)).toBe(newId);
      expect(rotated.open('member-contacts', row.email, { table: 'members', column: 'email', rowId: row.id })).toBe(
        `m${i}@example.org`,
      );
    });
  });
});

describe('the key root HQ’s own keys derive from (openDerivationRoot)', () => {
  beforeEach(async () => {
    await db.query('DELETE FROM operator_audit');
  });

  test('made once from the first master key, it survives a master key rotation and a data key rotation, so the operator audit chain still verifies', async () => {
    const first = randomBytes(32);
    const second = randomBytes(32);
    const root = await openDerivationRoot(db, masterKeyWrapper(source(first)), first, NOW);
    // Made from the master key HQ had: every key derived from it before is still what it was.
    expect(root.equals(first)).toBe(true);
    const audit = createOperatorAuditLog({ db, key: deriveKey(root, 'operator-audit'), now: () => NOW });
    await db.transaction((tx) => audit.append(tx, { operatorId: 'op-1', action: 'stores.create' }));
    await db.transaction((tx) => audit.append(tx, { operatorId: 'op-1', action: 'devices.revoke' }));
    expect((await audit.verify()).ok).toBe(true);

    // The master key is rotated: the three data keys and the root are rewrapped, nothing else.
    await openDataKeys(db, masterKeyWrapper(source(first)), { now: () => NOW });
    expect(await rewrapDataKeys(db, masterKeyWrapper(source(first)), masterKeyWrapper(source(second)))).toBe(4);
    await refusal(() => openDerivationRoot(db, masterKeyWrapper(source(first)), first, NOW), 'master_key_mismatch');
    const after = await openDerivationRoot(db, masterKeyWrapper(source(second)), second, NOW);
    expect(after.equals(first)).toBe(true);
    const audited = createOperatorAuditLog({ db, key: deriveKey(after, 'operator-audit'), now: () => NOW });
    await db.transaction((tx) => audited.append(tx, { operatorId: 'op-2', action: 'stores.create' }));
    expect(await audited.verify()).toMatchObject({ ok: true });

    // rotate-data-keys (rotateDataKeysOffline) rotates each data key purpose, not the root.
    for (const purpose of DATA_KEY_PURPOSES) await rotateDataKey(db, masterKeyWrapper(source(second)), purpose, NOW);
    expect((await openDerivationRoot(db, masterKeyWrapper(source(second)), second, NOW)).equals(first)).toBe(true);
    const roots = await db.query("SELECT count(*)::int AS n FROM data_keys WHERE purpose = 'derivation-root'");
    expect(roots.rows).toEqual([{ n: 1 }]);
  });
});

describe('a master key rotation on an HQ that has not made its key root yet', () => {
  beforeEach(async () => {
    await db.query('DELETE FROM operator_audit');
  });

  test('rotate-master-key makes the root from the current key first, so the keys derived so far do not change', async () => {
    const first = randomBytes(32);
    const second = randomBytes(32);
    // An HQ from before the key root: data keys, and an audit chain MAC'd with keys of the master key.
    await openDataKeys(db, masterKeyWrapper(source(first)), { now: () => NOW });
    await db.query("DELETE FROM data_keys WHERE purpose = 'derivation-root'");
    const before = createOperatorAuditLog({ db, key: deriveKey(first, 'operator-audit'), now: () => NOW });
    await db.transaction((tx) => before.append(tx, { operatorId: 'op-1', action: 'stores.create' }));
    const { rewrapped } = await rotateMasterKey(
      db,
      source(first),
      { [NEW_MASTER_KEY_ENV]: second.toString('hex') },
      '/nonexistent',
    );
    expect(rewrapped).toBe(4);
    const root = await openDerivationRoot(db, masterKeyWrapper(source(second)), second, NOW);
    expect(root.equals(first)).toBe(true);
    const after = createOperatorAuditLog({ db, key: deriveKey(root, 'operator-audit'), now: () => NOW });
    expect(await after.verify()).toMatchObject({ ok: true });
  });
});
