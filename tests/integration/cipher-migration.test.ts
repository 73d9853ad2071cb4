import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOpensFile } from '../../src/main/db/connection';
import { KEY_INFO_FILE, openDeviceDatabase } from '../../src/main/db/open-device-database';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { kekAccount } from '../../src/main/keychain/key-wrapping';
import { auditVerifies, copyTill, runChild } from '../support/cipher-kill';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import {
  createLegacyTill,
  fillLegacyTill,
  LEGACY_DATABASE_FILE,
  openLegacy,
  tableDigests,
  type LegacyTill,
} from '../support/legacy-sqlcipher';
import { prng } from '../support/prng';
import { makeTempDir } from '../support/temp-dir';

/**
 * A SQLCipher v4 till (key-info format 1, raw key in the secret store) is moved to AEGIS-256 with a
 * wrapped key when it opens. A child process does it and is SIGKILLed at every named step and at
 * seeded random moments; after each kill the till opens, holds exactly the rows it held (count and
 * SHA-256 of every row, per table), its audit chain verifies, and the key-info names one key that
 * opens the file. CIPHER_KILL_SEED replays a schedule.
 */
const SEED = Number(process.env.CIPHER_KILL_SEED ?? 20261206);
const STEPS = [
  'wrap.kek_created',
  'wrap.keyinfo_written',
  'wrap.raw_deleted',
  'migrate.pending_written',
  'migrate.started',
  'migrate.copied',
  'migrate.checked',
  'migrate.old_closed',
  'migrate.synced',
  'migrate.renamed',
  'migrate.dir_synced',
  'migrate.promoted',
];
const RANDOM_KILLS = 5;

describe('cipher migration from SQLCipher v4', () => {
  const template = makeTempDir('loyalty-legacy-');
  let keychain: TestKeychain;
  let legacy: LegacyTill;
  let before: ReturnType<typeof tableDigests>;

  beforeAll(async () => {
    console.log(`cipher migration kill test: seed ${SEED} (CIPHER_KILL_SEED=${SEED} replays it)`);
    keychain = await createTestKeychain();
    legacy = await createLegacyTill(template.path, keychain.keychain);
    fillLegacyTill(template.path, legacy, { snapshotMembers: 2500, enrolments: 250, earns: 600, views: 1500 }, SEED);
    const db = openLegacy(join(template.path, LEGACY_DATABASE_FILE), legacy.keyHex);
    before = tableDigests(db);
    db.close();
  }, 120_000);

  afterAll(async () => {
    await keychain.cleanup();
    template.remove();
  });

  /** After whatever happened: the till opens with a known key and lost nothing. */
  async function expectWhole(dir: string, kc: TestKeychain): Promise<void> {
    const device = await openDeviceDatabase({ dataDir: dir, keychain: kc.keychain, hasAesInstructions: true });
    try {
      expect(device.cipher).toBe('aegis-256');
      expect(device.installId).toBe(legacy.installId);
      expect(tableDigests(device.db)).toEqual(before);
      expect(auditVerifies(device.db, device.secrets.auditKey)).toBe(true);
    } finally {
      device.close();
    }
    const info = JSON.parse(readFileSync(join(dir, KEY_INFO_FILE), 'utf8')) as Record<string, unknown>;
    expect(info.format).toBe(2);
    expect(info.pending).toBeUndefined();
    expect((info.current as { scheme: string }).scheme).toBe('aegis-256');
    // The raw key is gone from the secret store, the old key opens nothing, no half-built file is left.
    expect(await kc.keychain.get(secretAccounts(legacy.installId).databaseKey)).toBeNull();
    expect(
      keyOpensFile(join(dir, LEGACY_DATABASE_FILE), { scheme: 'sqlcipher-v4', keyHex: legacy.keyHex }, undefined),
    ).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes('.migrating'))).toEqual([]);
  }

  it('migrates in place: every row, the schema and user_version, the audit chain; the old -wal does not survive', async () => {
    const till = await copyTill(template.path, keychain.keychain, legacy.installId);
    try {
      const run = await runChild('open', till, null);
      expect(run.stderr).toBe('');
      expect(run.steps).toEqual(STEPS);
      const device = await openDeviceDatabase({ dataDir: till.dir, keychain: till.keychain.keychain });
      const legacyDb = openLegacy(join(template.path, LEGACY_DATABASE_FILE), legacy.keyHex);
      const schema = (db: typeof device.db) =>
        db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name').all();
      expect(schema(device.db)).toEqual(schema(legacyDb));
      expect(device.db.pragma('user_version', { simple: true })).toBe(
        legacyDb.pragma('user_version', { simple: true }),
      );
      legacyDb.close();
      expect(device.db.pragma('cipher', { simple: true })).toBe('aegis');
      expect(device.db.pragma('integrity_check', { simple: true })).toBe('ok');
      device.close();
      await expectWhole(till.dir, till.keychain);
      // The KEK is the one entry that opens it now.
      expect(await till.keychain.keychain.get(kekAccount(legacy.installId, 'a'))).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await till.remove();
    }
  }, 60_000);

  it('on a CPU without AES instructions the same till moves to ChaCha20-Poly1305, rows and chain intact', async () => {
    const till = await copyTill(template.path, keychain.keychain, legacy.installId);
    try {
      const device = await openDeviceDatabase({
        dataDir: till.dir,
        keychain: till.keychain.keychain,
        hasAesInstructions: false,
      });
      expect(device.cipher).toBe('chacha20-poly1305');
      expect(device.db.pragma('cipher', { simple: true })).toBe('chacha20');
      expect(tableDigests(device.db)).toEqual(before);
      expect(auditVerifies(device.db, device.secrets.auditKey)).toBe(true);
      device.close();
      const path = join(till.dir, LEGACY_DATABASE_FILE);
      expect(keyOpensFile(path, { scheme: 'sqlcipher-v4', keyHex: legacy.keyHex }, undefined)).toBe(false);
      expect(keyOpensFile(path, { scheme: 'chacha20-poly1305', keyHex: device.secrets.databaseKey }, undefined)).toBe(
        true,
      );
      expect(keyOpensFile(path, { scheme: 'aegis-256', keyHex: device.secrets.databaseKey }, undefined)).toBe(false);
    } finally {
      await till.remove();
    }
  }, 60_000);

  for (const step of STEPS) {
    it(`killed at ${step}: opens with a known key and loses nothing`, async () => {
      const till = await copyTill(template.path, keychain.keychain, legacy.installId);
      try {
        const run = await runChild('open', till, step);
        expect(run.killed).toBe(true);
        expect(run.steps.at(-1)).toBe(step);
        await expectWhole(till.dir, till.keychain);
      } finally {
        await till.remove();
      }
    }, 60_000);
  }

  it(`killed at ${RANDOM_KILLS} seeded random moments (seed ${SEED}): opens with a known key and loses nothing`, async () => {
    const random = prng(SEED);
    // A calibration run: how long a whole migration takes here, so the kills land inside it.
    const probe = await copyTill(template.path, keychain.keychain, legacy.installId);
    const whole = (await runChild('open', probe, null)).stepAt['migrate.promoted'] ?? 0;
    expect(whole).toBeGreaterThan(0);
    await probe.remove();
    const seen: string[] = [];
    for (let round = 0; round < RANDOM_KILLS; round++) {
      const at = Math.floor(random() * whole);
      const till = await copyTill(template.path, keychain.keychain, legacy.installId);
      try {
        const run = await runChild('open', till, null, at);
        seen.push(`${at} ms: ${run.killed ? `killed after ${run.steps.at(-1) ?? 'start'}` : 'finished'}`);
        await expectWhole(till.dir, till.keychain);
      } finally {
        await till.remove();
      }
    }
    console.log(`seed ${SEED}, a whole run ${whole} ms: ${seen.join('; ')}`);
  }, 120_000);
});
