import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/main/audit/audit-log';
import { keyOpensFile } from '../../src/main/db/connection';
import { readKeyState } from '../../src/main/db/database-keys';
import { DATABASE_FILE, KEY_INFO_FILE, openDeviceDatabase } from '../../src/main/db/open-device-database';
import { rekeyDeviceDatabase } from '../../src/main/db/rekey-database';
import { auditVerifies, copyTill, runChild } from '../support/cipher-kill';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import { createLegacyTill, fillLegacyTill, tableDigests } from '../support/legacy-sqlcipher';
import { prng } from '../support/prng';
import { makeTempDir } from '../support/temp-dir';

/**
 * rekeyDeviceDatabase: a new key in the pending slot (durable), the rekey audited, PRAGMA rekey in
 * WAL mode, then the slot promoted. A child process is SIGKILLed at each step and at seeded random
 * moments; after each kill the till opens with a key the key-info holds, every row is there, the
 * audit chain verifies with exactly one entry for the rekey (written by the open that finished it
 * when the kill came first), and the old key opens nothing.
 * REKEY_KILL_SEED replays a schedule.
 */
const SEED = Number(process.env.REKEY_KILL_SEED ?? 20261207);
const STEPS = [
  'rekey.pending_written',
  'rekey.audited',
  'rekey.started',
  'rekey.committed',
  'rekey.checkpointed',
  'rekey.promoted',
];
const RANDOM_KILLS = 4;

describe('rekeying the till database', () => {
  const template = makeTempDir('loyalty-rekey-');
  let keychain: TestKeychain;
  let installId: string;
  let oldKey: string;
  let before: ReturnType<typeof tableDigests>;

  beforeAll(async () => {
    console.log(`rekey kill test: seed ${SEED} (REKEY_KILL_SEED=${SEED} replays it)`);
    keychain = await createTestKeychain();
    // A till with a few thousand rows: made the old way and migrated, as an existing till would be.
    const legacy = await createLegacyTill(template.path, keychain.keychain);
    fillLegacyTill(template.path, legacy, { snapshotMembers: 2000, enrolments: 200, earns: 400, views: 1000 }, SEED);
    const device = await openDeviceDatabase({ dataDir: template.path, keychain: keychain.keychain });
    installId = device.installId;
    oldKey = device.secrets.databaseKey;
    before = tableDigests(device.db);
    device.close();
  }, 120_000);

  afterAll(async () => {
    await keychain.cleanup();
    template.remove();
  });

  /** Every table but the audit log as before; the audit log as before or with one database.rekeyed entry. */
  async function expectWhole(
    dir: string,
    kc: TestKeychain,
  ): Promise<{ rekeyed: boolean; audited: boolean; finishedAtStart: unknown }> {
    const device = await openDeviceDatabase({ dataDir: dir, keychain: kc.keychain });
    let audited: boolean;
    let lastDetails: Record<string, unknown> = {};
    try {
      const { audit: auditNow, ...restNow } = tableDigests(device.db);
      const { audit: auditBefore, ...restBefore } = before;
      expect(restNow).toEqual(restBefore);
      audited = auditNow!.rows === auditBefore!.rows + 1;
      if (!audited) expect(auditNow).toEqual(auditBefore);
      else {
        const last = device.db
          .prepare<[], { action: string; details: string }>(
            'SELECT action, details FROM audit ORDER BY seq DESC LIMIT 1',
          )
          .get();
        expect(last?.action).toBe('database.rekeyed');
        lastDetails = JSON.parse(last!.details) as Record<string, unknown>;
      }
      expect(auditVerifies(device.db, device.secrets.auditKey)).toBe(true);
      expect(device.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      device.close();
    }
    const state = await readKeyState(kc.keychain, join(dir, KEY_INFO_FILE));
    expect(state.pending).toBeNull();
    const path = join(dir, DATABASE_FILE);
    expect(keyOpensFile(path, state.current, undefined)).toBe(true);
    const rekeyed = state.current.keyHex !== oldKey;
    if (rekeyed) expect(keyOpensFile(path, { scheme: 'aegis-256', keyHex: oldKey }, undefined)).toBe(false);
    // A rekey is audited once, naming the key it moved to: by the rekey itself, or (killed before its
    // entry was committed) by the open that finished it.
    expect(audited).toBe(rekeyed);
    if (audited) {
      const { finishedAtStart, ...entry } = lastDetails;
      expect(entry).toEqual({ reason: 'suspected_compromise', keyCheck: state.info.current.keyCheck });
      expect([undefined, true]).toContain(finishedAtStart);
    }
    return { rekeyed, audited, finishedAtStart: lastDetails.finishedAtStart };
  }

  it('re-encrypts under a new key in WAL mode, promotes it, audits the reason and the new key’s check value only, and leaves no page under the old key', async () => {
    const till = await copyTill(template.path, keychain.keychain, installId);
    try {
      const device = await openDeviceDatabase({ dataDir: till.dir, keychain: till.keychain.keychain });
      expect(device.db.pragma('journal_mode', { simple: true })).toBe('wal');
      const now = () => new Date('2026-12-06T10:00:00.000Z');
      const audit = createAuditLog({ db: device.db, key: device.secrets.auditKey, now });
      const walPath = join(till.dir, `${DATABASE_FILE}-wal`);
      let walAfterCheckpoint = -1;
      await rekeyDeviceDatabase(device, 'reprovisioned', {
        keychain: till.keychain.keychain,
        audit,
        staffId: 'manager-1',
        now,
        step: (name) => {
          if (name === 'rekey.checkpointed') walAfterCheckpoint = statSync(walPath).size;
        },
      });
      // Every page under the new key is in the file and the -wal emptied before anything else is written.
      expect(walAfterCheckpoint).toBe(0);
      expect(device.secrets.databaseKey).not.toBe(oldKey);
      // The open connection goes on working under the new key.
      expect(device.db.prepare('SELECT count(*) AS n FROM members').get()).toEqual({ n: before.members!.rows });
      const last = device.db
        .prepare('SELECT staff_id, action, subject_type, subject_id, details FROM audit ORDER BY seq DESC LIMIT 1')
        .get();
      expect(last).toEqual({
        staff_id: 'manager-1',
        action: 'database.rekeyed',
        subject_type: null,
        subject_id: null,
        details: expect.any(String),
      });
      device.close();
      const info = JSON.parse(readFileSync(join(till.dir, KEY_INFO_FILE), 'utf8')) as {
        pending?: unknown;
        current: { keyCheck: string };
      };
      expect(info.pending).toBeUndefined();
      // The reason and the new key's check value (key-info's, not secret): nothing else.
      expect(JSON.parse((last as { details: string }).details)).toEqual({
        reason: 'reprovisioned',
        keyCheck: info.current.keyCheck,
      });
      const path = join(till.dir, DATABASE_FILE);
      expect(keyOpensFile(path, { scheme: 'aegis-256', keyHex: oldKey }, undefined)).toBe(false);
      const again = await openDeviceDatabase({ dataDir: till.dir, keychain: till.keychain.keychain });
      expect(again.db.prepare('SELECT count(*) AS n FROM members').get()).toEqual({ n: before.members!.rows });
      expect(auditVerifies(again.db, again.secrets.auditKey)).toBe(true);
      again.close();
    } finally {
      await till.remove();
    }
  }, 60_000);

  for (const step of STEPS) {
    it(`killed at ${step}: opens with a key the key-info holds and loses nothing`, async () => {
      const till = await copyTill(template.path, keychain.keychain, installId);
      try {
        const run = await runChild('rekey', till, step);
        expect(run.killed).toBe(true);
        expect(run.steps.at(-1)).toBe(step);
        const { rekeyed, finishedAtStart } = await expectWhole(till.dir, till.keychain);
        // An interrupted rekey is finished at the next open: the new key is in use either way.
        expect(rekeyed).toBe(true);
        // Killed before its own entry: the open that finished it wrote the entry.
        expect(finishedAtStart).toBe(step === 'rekey.pending_written' ? true : undefined);
      } finally {
        await till.remove();
      }
    }, 60_000);
  }

  it('killed before its entry, then the open that finishes it killed after writing the entry: one entry, the new key', async () => {
    const till = await copyTill(template.path, keychain.keychain, installId);
    try {
      expect((await runChild('rekey', till, 'rekey.pending_written')).killed).toBe(true);
      const open = await runChild('open', till, 'open.rekey_audited');
      expect(open.killed).toBe(true);
      expect(open.steps).toContain('rekey.committed');
      // Still pending in the key-info: the entry is there, the slot not yet promoted.
      const between = JSON.parse(readFileSync(join(till.dir, KEY_INFO_FILE), 'utf8')) as { pending?: unknown };
      expect(between.pending).toBeDefined();
      const { rekeyed, finishedAtStart } = await expectWhole(till.dir, till.keychain);
      expect(rekeyed).toBe(true);
      expect(finishedAtStart).toBe(true);
    } finally {
      await till.remove();
    }
  }, 60_000);

  it(`killed at ${RANDOM_KILLS} seeded random moments (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const probe = await copyTill(template.path, keychain.keychain, installId);
    const whole = (await runChild('rekey', probe, null)).stepAt['rekey.promoted'] ?? 0;
    expect(whole).toBeGreaterThan(0);
    await probe.remove();
    const seen: string[] = [];
    for (let round = 0; round < RANDOM_KILLS; round++) {
      const at = Math.floor(random() * whole);
      const till = await copyTill(template.path, keychain.keychain, installId);
      try {
        const run = await runChild('rekey', till, null, at);
        const outcome = await expectWhole(till.dir, till.keychain);
        seen.push(
          `${at} ms: ${run.killed ? `killed after ${run.steps.at(-1) ?? 'start'}` : 'finished'}, rekeyed ${outcome.rekeyed}`,
        );
      } finally {
        await till.remove();
      }
    }
    console.log(`seed ${SEED}, a whole rekey ${whole} ms: ${seen.join('; ')}`);
  }, 120_000);
});
