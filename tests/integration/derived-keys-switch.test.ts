import { createHmac, hkdfSync } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { openDeviceDatabase } from '../../src/main/db/open-device-database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from '../../src/main/db/migrations';
import { canonicalJson } from '../../src/shared/canonical-json';
import { startTestApp } from '../support/app';
import { manualClock } from '../support/clock';
import { createTestKeychain } from '../support/keychain';
import { PINS, errorCode, login, seedStaff, type Result } from '../support/staff';
import { makeTempDir } from '../support/temp-dir';

/*
 * Before migration 9 the till's audit key itself MACed the audit chain, approval payloads and request
 * fingerprints (the last two behind a text prefix). Those constructions are written out here, apart
 * from the code, so a till's rows from then are reproduced as that code wrote them.
 */
const GENESIS = '0'.repeat(64);
/** One link of the chain, HMAC(key, prev || canonical entry): before migration 9 the key was the audit key. */
function chainLink(auditKeyHex: string, prevHash: string, e: OldEntry): string {
  const canonical = canonicalJson([e.seq, e.at, e.staffId, e.action, e.subjectType, e.subjectId, e.details]);
  return createHmac('sha256', Buffer.from(auditKeyHex, 'hex')).update(prevHash).update(canonical).digest('hex');
}
const oldApprovalMac = (auditKeyHex: string, action: string, payload: unknown) =>
  createHmac('sha256', Buffer.from(auditKeyHex, 'hex'))
    .update('loyalty-desk/approval/v1\n')
    .update(canonicalJson({ action, payload }))
    .digest('hex');
const oldFingerprint = (auditKeyHex: string, channel: string, staffId: string | null, request: unknown) =>
  createHmac('sha256', Buffer.from(auditKeyHex, 'hex'))
    .update('loyalty-desk/request/v1\n')
    .update(canonicalJson({ channel, staffId, request }))
    .digest('hex');

interface OldEntry {
  seq: number;
  at: string;
  staffId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: string;
}

/** A few days of an old till's chain: what it recorded, in the shape its audit log wrote. */
function oldEntries(count: number): OldEntry[] {
  const actions = ['session.login', 'member.viewed', 'session.locked', 'settings.changed'];
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    at: new Date(Date.parse('2026-11-20T09:00:00Z') + i * 60_000).toISOString(),
    staffId: i % 2 === 0 ? 'old-manager' : 'old-cashier',
    action: actions[i % actions.length] ?? 'session.login',
    subjectType: i % 4 === 1 ? 'member' : null,
    subjectId: i % 4 === 1 ? `member-${i}` : null,
    details: canonicalJson(i % 4 === 3 ? { setting: 'idleLockSeconds', value: 300 } : {}),
  }));
}

/** Writes the old chain into `db` as the old code did: no key version (the column's default, 1). */
function writeOldChain(db: Database.Database, auditKeyHex: string, entries: OldEntry[]): void {
  const insert = db.prepare(
    `INSERT INTO audit (seq, at, staff_id, action, subject_type, subject_id, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let prev = GENESIS;
  for (const e of entries) {
    const hash = chainLink(auditKeyHex, prev, e);
    insert.run(e.seq, e.at, e.staffId, e.action, e.subjectType, e.subjectId, e.details, prev, hash);
    prev = hash;
  }
}

describe('migration 9: derived keys, with what the audit key itself MACed before', () => {
  it('marks every row it finds as key version 1, rewrites none, and allows only versions 1 and 2', () => {
    const db = new Database(':memory:');
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 8),
    );
    const key = 'ab'.repeat(32);
    writeOldChain(db, key, oldEntries(3));
    db.prepare(
      `INSERT INTO approvals (id, action, payload_mac, payload_json, reason_code, requested_by, requested_at, status)
       VALUES ('a1', 'staff.unlock', ?, '{"staffId":"carl"}', 'locked_out', 'nina', '2026-11-20T09:00:00.000Z', 'pending')`,
    ).run(oldApprovalMac(key, 'staff.unlock', { staffId: 'carl' }));
    db.prepare(
      `INSERT INTO requests (request_id, channel, fingerprint, answer, at)
       VALUES ('r1', 'settings.setIdleLock', 'f', '{}', '2026-11-20T09:00:00.000Z')`,
    ).run();
    const before = db.prepare('SELECT seq, prev_hash, hash FROM audit ORDER BY seq').all();

    migrate(db);

    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT seq, prev_hash, hash FROM audit ORDER BY seq').all()).toEqual(before);
    const versions = (table: string) =>
      db
        .prepare(`SELECT key_version FROM ${table}`)
        .all()
        .map((row) => (row as { key_version: number }).key_version);
    expect(versions('audit')).toEqual([1, 1, 1]);
    expect(versions('approvals')).toEqual([1]);
    expect(versions('requests')).toEqual([1]);
    for (const table of ['audit', 'approvals', 'requests']) {
      expect(() => db.prepare(`UPDATE ${table} SET key_version = 3`).run(), table).toThrow(/CHECK constraint/);
    }
    db.close();
  });
});

describe('a till from before migration 9, on the real secret store and encrypted database', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * The old till's chain in its real encrypted file (with the audit key from the real secret store),
   * then the app started on it, as after an update: it appends under the derived key.
   */
  async function oldTillThenApp(oldCount: number) {
    const dir = makeTempDir();
    const keychain = await createTestKeychain();
    cleanups.push(
      () => dir.remove(),
      () => keychain.cleanup(),
    );
    const device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
    const auditKey = device.secrets.auditKey;
    writeOldChain(device.db, auditKey, oldEntries(oldCount));
    device.close();
    const clock = manualClock();
    const app = await startTestApp({ dataDir: dir.path, keychain }, { now: clock.now, signedIn: null });
    cleanups.push(() => app.services.close());
    return { app, auditKey, clock };
  }

  it('the audit chain verifies across the switch, and tampering either side or the version breaks it', async () => {
    const { app, auditKey } = await oldTillThenApp(6);
    await seedStaff(app);
    await login(app, 'mia', PINS.mia);
    await app.call('settings.setIdleLock', { seconds: 300 });
    const db = app.services.database.db;
    const rows = db.prepare('SELECT seq, key_version FROM audit ORDER BY seq').all() as {
      seq: number;
      key_version: number;
    }[];
    // 6 old entries, then the app's: 3 staff added, a login, a setting changed.
    expect(rows.map((r) => r.key_version)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(app.services.audit.verify()).toEqual({ ok: true, checked: 11, firstBrokenSeq: null });

    /** Runs `sql` in a savepoint, verifies, and undoes it. */
    const verifyTampered = (sql: string) => {
      db.exec('SAVEPOINT tamper');
      expect(db.prepare(sql).run().changes).toBe(1);
      const result = app.services.audit.verify();
      db.exec('ROLLBACK TO tamper; RELEASE tamper');
      return result;
    };
    // An old entry edited: its MAC under the audit key itself no longer matches.
    expect(verifyTampered(`UPDATE audit SET staff_id = 'old-cashier' WHERE seq = 3`)).toMatchObject({
      ok: false,
      firstBrokenSeq: 3,
    });
    // A new entry edited: its MAC under the derived key no longer matches.
    expect(verifyTampered(`UPDATE audit SET details = '{"setting":"x"}' WHERE seq = 11`)).toMatchObject({
      ok: false,
      firstBrokenSeq: 11,
    });
    // The version relabelled either way: the other key does not make the stored MAC, and a chain
    // never goes back to the old key after a derived entry.
    expect(verifyTampered('UPDATE audit SET key_version = 2 WHERE seq = 6')).toMatchObject({
      ok: false,
      firstBrokenSeq: 6,
    });
    expect(verifyTampered('UPDATE audit SET key_version = 1 WHERE seq = 9')).toMatchObject({
      ok: false,
      firstBrokenSeq: 9,
    });
    expect(app.services.audit.verify()).toEqual({ ok: true, checked: 11, firstBrokenSeq: null });

    // An auditor with the export and the audit key checks every line under the key its version
    // names: the audit key itself for the old lines, its HKDF key (derived here) for the new.
    const exported = await app.call<Result<{ jsonl: string; next: unknown }>>('audit.export', { language: 'en' });
    if (!exported.ok) throw new Error(`audit.export refused: ${exported.error.code}`);
    expect(exported.value.next).toBeNull();
    const [, ...lines] = exported.value.jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byVersion: Record<number, string> = {
      1: auditKey,
      2: Buffer.from(
        hkdfSync('sha256', Buffer.from(auditKey, 'hex'), Buffer.alloc(0), 'loyalty-desk/till/audit-chain/v1', 32),
      ).toString('hex'),
    };
    let prev = GENESIS;
    // The range is fixed before the export's own audit.exported entry is appended: the 11 entries.
    expect(lines.map((line) => line.key_version)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    for (const line of lines) {
      const entry: OldEntry = {
        seq: line.seq as number,
        at: line.at as string,
        staffId: line.staffId as string | null,
        action: line.action as string,
        subjectType: line.subjectType as string | null,
        subjectId: line.subjectId as string | null,
        details: canonicalJson(line.details),
      };
      expect(line.prev_hash).toBe(prev);
      expect(chainLink(byVersion[line.key_version as number] ?? '', prev, entry), `seq ${entry.seq}`).toBe(line.hash);
      prev = line.hash as string;
    }
  });

  it("an approval queued before the switch is decided under the audit key itself, and only under its row's version", async () => {
    const { app, auditKey, clock } = await oldTillThenApp(0);
    await seedStaff(app);
    const db = app.services.database.db;
    const call = <T = unknown>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
    const queue = async () => {
      const asked = await call<{ approvalId: string }>('approvals.request', {
        action: 'staff.unlock',
        payload: { staffId: 'carl' },
        reasonCode: 'locked_out',
      });
      if (!asked.ok) throw new Error(`approvals.request refused: ${asked.error.code}`);
      return asked.value.approvalId;
    };
    // Carl locked out, then Nina queues his unlock; the row made as the old code made it.
    for (let i = 0; i < 10; i++) {
      clock.advance(120);
      await login(app, 'carl', '864219');
    }
    clock.advance(120);
    await login(app, 'mia', PINS.mia);
    const old = await queue();
    const made = await queue();
    const oldMac = oldApprovalMac(auditKey, 'staff.unlock', { staffId: 'carl' });
    db.prepare('UPDATE approvals SET payload_mac = ?, key_version = 1 WHERE id = ?').run(oldMac, old);
    // A row claiming the derived key with the old MAC is something else, and is refused.
    db.prepare('UPDATE approvals SET payload_mac = ?, key_version = 2 WHERE id = ?').run(oldMac, made);
    expect(errorCode(await call('approvals.decide', { approvalId: made, decision: 'approve', pin: PINS.mia }))).toBe(
      'approval_invalid',
    );
    expect(await call('approvals.decide', { approvalId: old, decision: 'approve', pin: PINS.mia })).toMatchObject({
      ok: true,
      value: { status: 'used', decidedBy: 'mia' },
    });
    expect(app.services.staff.roster().staff.find((s) => s.staffId === 'carl')?.pinLocked).toBe(false);
    expect(app.services.audit.verify()).toMatchObject({ ok: true });
  });

  it('a write answered before the switch is answered again on retry, once, from the old fingerprint', async () => {
    const { app, auditKey } = await oldTillThenApp(0);
    await seedStaff(app);
    await login(app, 'mia', PINS.mia);
    const db = app.services.database.db;
    const changes = () =>
      (db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'settings.changed'").get() as { n: number }).n;
    const requestId = '0193a1f0-0000-7000-8000-000000000009';
    const first = await app.call('settings.setIdleLock', { requestId, seconds: 300 });
    expect(first).toMatchObject({ ok: true });
    expect(changes()).toBe(1);
    // The stored row as the old code wrote it: the fingerprint under the audit key itself.
    const old = oldFingerprint(auditKey, 'settings.setIdleLock', 'mia', { seconds: 300 });
    db.prepare('UPDATE requests SET fingerprint = ?, key_version = 1 WHERE request_id = ?').run(old, requestId);

    expect(await app.call('settings.setIdleLock', { requestId, seconds: 300 })).toEqual(first);
    expect(changes()).toBe(1);
    expect(errorCode((await app.call('settings.setIdleLock', { requestId, seconds: 600 })) as Result)).toBe(
      'request_id_reused',
    );
    // The same old fingerprint read as a derived one does not match: the version picks the key.
    db.prepare('UPDATE requests SET key_version = 2 WHERE request_id = ?').run(requestId);
    expect(errorCode((await app.call('settings.setIdleLock', { requestId, seconds: 300 })) as Result)).toBe(
      'request_id_reused',
    );
    expect(changes()).toBe(1);
  });
});
