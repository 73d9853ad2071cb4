import catalog from '../../resources/demo/hq-catalog.json';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createStore, loadCatalog, requestErasure } from '../../packages/hq/src/admin';
import { DATABASE_FILE, openDeviceDatabase, openSecondConnection } from '../../src/main/db/open-device-database';
import { LATEST_SCHEMA_VERSION } from '../../src/main/db/migrations';
import { createSyncEngine } from '../../src/main/sync/engine/sync-engine';
import { createWalTruncate } from '../../src/main/sync/engine/wal-truncate';
import { createMemberErasure } from '../../src/main/sync/engine/erase-member';
import { createSnapshotIngest } from '../../src/main/members/ingest-snapshot';
import { cardAt, memberAt, memberIdAt } from '../../src/main/demo/synthetic-members';
import { canonicalJson } from '../../src/shared/canonical-json';
import { HQ_ROUTES } from '../../src/shared/sync/protocol';
import { startTestHq, type TestHq } from '../hq/support/hq';
import { createTestKeychain } from '../support/keychain';
import { decryptAegisPage } from '../support/aegis256-page';
import { PAGE_SIZE, readDatabaseKey, readTillFiles, SQLITE_HEADER, whereFound } from '../support/sqlcipher-scan';
import { makeTempDir } from '../support/temp-dir';
import { CONSENTS, pairedTill, type Till } from '../support/till';

describe('the byte scan of a till’s files (test helper)', () => {
  test('decrypts page 1 to SQLite’s header with AEGIS-256’s 64-byte reserve, finds the schema and a value just written, in the WAL and after a checkpoint in the file', async () => {
    const dir = makeTempDir('loyalty-scan-');
    const keychain = await createTestKeychain();
    try {
      const device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
      const key = await readDatabaseKey(dir.path, keychain.keychain);
      expect(key.toString('hex')).toBe(device.secrets.databaseKey);
      const file = readFileSync(join(dir.path, DATABASE_FILE));
      // On disk page 1 starts with the random salt, not the plain header.
      expect(file.subarray(0, 16).equals(SQLITE_HEADER)).toBe(false);
      expect(device.cipher).toBe('aegis-256');
      const page1 = decryptAegisPage(file.subarray(0, PAGE_SIZE), 1, key);
      expect(page1.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
      expect(page1.readUInt16BE(16)).toBe(4096); // page size
      expect(page1[20]).toBe(64); // reserved bytes per page: AEGIS-256 tag + nonce
      // A wrong key, or the right page read as another page number, does not pass as "nothing found".
      const wrong = Buffer.alloc(32, 7);
      expect(() => decryptAegisPage(file.subarray(0, PAGE_SIZE), 1, wrong)).toThrow(/tag does not verify/);
      expect(() => decryptAegisPage(file.subarray(PAGE_SIZE, 2 * PAGE_SIZE), 3, key)).toThrow(/tag does not verify/);

      device.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('scan-probe', 'Zyxwvut-probe-42');
      const inWal = await readTillFiles(dir.path, keychain.keychain);
      expect(inWal.frames).toBeGreaterThan(0);
      const walHits = whereFound(inWal, ['Zyxwvut-probe-42', 'CREATE TABLE members'])['Zyxwvut-probe-42'];
      expect(walHits?.some((where) => where.startsWith(`${DATABASE_FILE}-wal frame`))).toBe(true);
      device.db.pragma('wal_checkpoint(TRUNCATE)');
      const inFile = await readTillFiles(dir.path, keychain.keychain);
      expect(inFile.frames).toBe(0);
      const found = whereFound(inFile, ['Zyxwvut-probe-42', 'CREATE TABLE members']);
      expect(found['Zyxwvut-probe-42']?.some((where) => /^loyalty\.db page \d+$/.test(where))).toBe(true);
      expect(found['CREATE TABLE members']?.some((where) => /^loyalty\.db page \d+$/.test(where))).toBe(true);
      // Nothing of it in the files as they are on disk: the scan really decrypts.
      const raw = Buffer.concat(inFile.files.map((name) => readFileSync(join(dir.path, name))));
      expect(raw.includes(Buffer.from('Zyxwvut-probe-42'))).toBe(false);
      device.close();
    } finally {
      await keychain.cleanup();
      dir.remove();
    }
  });
});

describe('migration 6: a till that synced before receipts existed', () => {
  test('its answered outbox rows become receipts at the next open, pending ones stay whole, and once the owed WAL wipe runs no file holds the old payloads', async () => {
    const dir = makeTempDir('loyalty-receipts-');
    const keychain = await createTestKeychain();
    try {
      let device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
      const at = '2026-03-02T09:00:00.000Z';
      const insert = device.db.prepare(
        `INSERT INTO outbox (seq, op_id, type, staff_id, device_time, payload, state)
         VALUES (?, ?, ?, 'staff-1', '${at}', ?, ?)`,
      );
      const enrolled = {
        memberId: 'member-p',
        cardNumber: '6004993000000041',
        givenName: 'Perpetua',
        familyName: 'Xanthopoulos',
        phone: '+447911123464',
        email: 'perpetua.x@example.com',
        birthDate: '1991-07-14',
        enrolledAt: at,
      };
      insert.run(1, 'op-1', 'member.enrolled', canonicalJson(enrolled), 'acked');
      const pinHash = '$argon2id$v=19$m=65536,t=3,p=1$b2xkc2FsdA$b2xkcGluaGFzaA';
      insert.run(
        2,
        'op-2',
        'staff.pin_changed',
        canonicalJson({ staffId: 'staff-1', pinHash, mustChangePin: false, at }),
        'rejected',
      );
      const pending = canonicalJson({
        memberId: 'member-p',
        changes: { email: 'perpetua.new@example.com' },
        updatedAt: at,
      });
      insert.run(3, 'op-3', 'member.updated', pending, 'pending');
      // Back to how a version-5 database looked: what migrations 7, 8 and 9 add goes too, so they run again.
      device.db.exec(
        'DROP TABLE staff_holds; DROP TABLE detection_alerts; ' +
          'ALTER TABLE members DROP COLUMN erasure_requested_at; DROP TABLE audit_retention; ' +
          'ALTER TABLE audit DROP COLUMN key_version; ALTER TABLE approvals DROP COLUMN key_version; ' +
          'ALTER TABLE requests DROP COLUMN key_version;',
      );
      device.db.pragma('user_version = 5');
      device.close();
      const answered = [
        'Perpetua',
        'Xanthopoulos',
        '+447911123464',
        'perpetua.x@example.com',
        '1991-07-14',
        '6004993000000041',
        pinHash,
      ];
      const scan = async () =>
        whereFound(await readTillFiles(dir.path, keychain.keychain), [...answered, 'perpetua.new@example.com']);
      // Positive control: the old payloads are in the file before the migration.
      for (const [value, where] of Object.entries(await scan())) expect(where, value).not.toEqual([]);

      device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
      expect(device.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(device.db.prepare('SELECT seq, state, payload FROM outbox ORDER BY seq').all()).toEqual([
        { seq: 1, state: 'acked', payload: `{"enrolledAt":"${at}","memberId":"member-p"}` },
        { seq: 2, state: 'rejected', payload: `{"at":"${at}","staffId":"staff-1"}` },
        { seq: 3, state: 'pending', payload: pending },
      ]);
      expect(device.db.prepare("SELECT value FROM sync_state WHERE key = 'wal_truncate_due'").get()).toEqual({
        value: '1',
      });
      // The sync worker's next answer or page settles the owed wipe; the counter keeps its connection.
      const worker = openSecondConnection(device.path, device.secrets.databaseKey, undefined, device.cipher);
      expect(createWalTruncate(worker).settle()).toBe(true);
      worker.close();
      expect(device.db.prepare("SELECT value FROM sync_state WHERE key = 'wal_truncate_due'").get()).toBeUndefined();
      const after = await scan();
      expect(after).toEqual({
        ...Object.fromEntries(answered.map((value) => [value, []])),
        'perpetua.new@example.com': after['perpetua.new@example.com'],
      });
      expect(after['perpetua.new@example.com']).not.toEqual([]);
      device.close();
    } finally {
      await keychain.cleanup();
      dir.remove();
    }
  });
});

describe('erasure in a cache of 10,000 members (b-trees several levels deep)', () => {
  test('60 members erased among them leave no byte of their names, name tokens or card numbers in any file', async () => {
    const dir = makeTempDir('loyalty-erase-many-');
    const keychain = await createTestKeychain();
    try {
      const device = await openDeviceDatabase({ dataDir: dir.path, keychain: keychain.keychain });
      const at = '2026-03-02T09:00:00.000Z';
      const erasedIndexes = Array.from({ length: 60 }, (_, k) => 83 + k * 166);
      // Names no synthetic member has: a letter pattern per index, so every one is its own token.
      const spell = (i: number) => [...String(i).padStart(5, '0')].map((d) => 'qwrtypsdfg'[Number(d)]).join('');
      const distinct = new Map(erasedIndexes.map((i) => [i, { given: `Xo${spell(i)}`, family: `Vuk${spell(i)}` }]));
      const ingest = createSnapshotIngest(device.db);
      for (let from = 0; from < 10_000; from += 1_000) {
        const batch = Array.from({ length: 1_000 }, (_, k) => {
          const member = memberAt(from + k, device.secrets.lookupKey, at);
          const names = distinct.get(from + k);
          return names ? { ...member, givenName: names.given, familyName: names.family } : member;
        });
        ingest.writeBatch(batch);
      }
      const values = erasedIndexes.flatMap((i) => {
        const names = distinct.get(i);
        return names ? [names.given, names.family, names.family.toLowerCase(), cardAt(i)] : [];
      });
      expect(values).toHaveLength(240);
      const scan = async () => whereFound(await readTillFiles(dir.path, keychain.keychain), values);
      // Positive control: every one of them is on disk before the erasure.
      const before = await scan();
      expect(Object.entries(before).filter(([, where]) => where.length === 0)).toEqual([]);

      const erase = createMemberErasure(device.db);
      const wal = createWalTruncate(device.db);
      device.db.transaction(() => {
        for (const i of erasedIndexes) expect(erase(memberIdAt(i), at)).toEqual({ erased: true, wiped: true });
        wal.owe();
      })();
      expect(wal.settle()).toBe(true);
      expect(await scan()).toEqual(Object.fromEntries(values.map((value) => [value, []])));
      // The others are still there: the scan still reads the file.
      expect((await readTillFiles(dir.path, keychain.keychain)).pages).toBeGreaterThan(1_000);
      expect(whereFound(await readTillFiles(dir.path, keychain.keychain), [cardAt(84)])[cardAt(84)]).not.toEqual([]);
      device.close();
    } finally {
      await keychain.cleanup();
      dir.remove();
    }
  });
});

describe('personal data on a paired till, byte by byte (real HQ on PGlite, HTTPS, pinned)', () => {
  let hq: TestHq;
  let storeId: string;
  const tills: Till[] = [];
  beforeAll(async () => {
    hq = await startTestHq('pglite');
    storeId = (await createStore({ db: hq.db, now: () => hq.clock.now }, 'High Street')).storeId;
    await loadCatalog({ db: hq.db, now: () => hq.clock.now }, catalog);
  });
  afterEach(async () => {
    while (tills.length > 0) await tills.pop()?.close();
  });
  afterAll(async () => {
    await hq?.close();
  });

  async function till(name: string): Promise<Till> {
    const t = await pairedTill(hq, name, storeId);
    tills.push(t);
    return t;
  }

  const scan = async (t: Till, values: readonly string[]) =>
    whereFound(await readTillFiles(t.dataDir, t.keychain.keychain), values);
  const nowhere = (values: readonly string[]) => Object.fromEntries(values.map((value) => [value, []]));
  const outboxOf = (t: Till) =>
    (
      t.db.prepare('SELECT type, state, payload FROM outbox ORDER BY seq').all() as {
        type: string;
        state: string;
        payload: string;
      }[]
    ).map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown }));

  test('once HQ has acknowledged an enrolment and a profile edit, their outbox rows keep ids, types and times, and no file of the till holds the full phone or e-mail', async () => {
    const a = await till('Till A');
    await a.engine().run();
    const enrolledAt = a.clock.now.toISOString();
    const member = a.services.enroll(
      {
        givenName: 'Wilhelmina',
        familyName: 'Quackenbush',
        phone: '07911 123461',
        email: 'Wilhelmina.Q@Example.org',
        birthDate: '1984-02-29',
        cardNumber: a.services.cardBlock.peek(),
        consents: CONSENTS,
      },
      'staff-1',
    );
    a.clock.now = new Date(a.clock.now.getTime() + 60_000);
    const updatedAt = a.clock.now.toISOString();
    a.services.updateProfile({ memberId: member.id, email: 'w.quackenbush@example.net' }, 'staff-1');
    // The full contacts as the till stores them: E.164 phone, lower-cased e-mail (old and new).
    const contacts = ['+447911123461', 'wilhelmina.q@example.org', 'w.quackenbush@example.net'];
    // Positive control: before HQ acknowledges, the scan sees every one of them.
    for (const [value, where] of Object.entries(await scan(a, contacts))) {
      expect(where, `${value} before the acknowledgement`).not.toEqual([]);
    }

    expect((await a.engine().run()).pushed).toEqual({ applied: 5, rejected: 0, duplicate: 0 });

    const consent = (purpose: string, granted: boolean) => ({
      type: 'consent.changed',
      state: 'acked',
      payload: {
        memberId: member.id,
        purpose,
        granted,
        noticeVersion: CONSENTS.noticeVersion,
        noticeLanguage: 'en',
        channel: 'counter',
        at: enrolledAt,
      },
    });
    expect(outboxOf(a)).toEqual([
      { type: 'member.enrolled', state: 'acked', payload: { memberId: member.id, enrolledAt } },
      consent('terms', true),
      consent('marketing_email', false),
      consent('marketing_sms', false),
      { type: 'member.updated', state: 'acked', payload: { memberId: member.id, updatedAt } },
    ]);
    // What the design keeps at a till: display name, masks, lookup hashes; HQ sends the birth date.
    expect(
      a.db
        .prepare(
          `SELECT given_name, family_name, phone_masked, email_masked, phone_e164, email, birth_date,
                  phone_hash IS NOT NULL AS phone_hashed, email_hash IS NOT NULL AS email_hashed
             FROM members WHERE id = ?`,
        )
        .get(member.id),
    ).toEqual({
      given_name: 'Wilhelmina',
      family_name: 'Quackenbush',
      phone_masked: '+44•••461',
      email_masked: 'w•••@e•••.net',
      phone_e164: null,
      email: null,
      birth_date: '1984-02-29',
      phone_hashed: 1,
      email_hashed: 1,
    });
    // No copy in any file: database pages (freed ones too), WAL frames, -shm, key info.
    expect(await scan(a, contacts)).toEqual(nowhere(contacts));
  });

  test('erasure at HQ: after the pull, no byte of the member’s personal data is in any file of the till, the sync engine on its own connection as the worker runs it', async () => {
    const a = await till('Till B');
    await a.engine().run();
    const member = a.services.enroll(
      {
        givenName: 'Ottoline',
        familyName: 'Fairweather-Blenkinsop',
        phone: '07911 123462',
        email: 'Ottoline.F@Example.com',
        birthDate: '1979-11-03',
        cardNumber: a.services.cardBlock.peek(),
        consents: CONSENTS,
      },
      'staff-1',
    );
    a.services.earn({ memberId: member.id, amountMinor: 2_000, reference: 'R-ER1' }, 'staff-1');
    await a.engine().run();
    // Edited here after that sync: the row holds the new full contacts until HQ has them.
    a.services.updateProfile({ memberId: member.id, phone: '07911 123463', email: 'Otto.FB@Example.com' }, 'staff-1');
    expect(a.services.find('Blenkinsop').members.map((m) => m.id)).toEqual([member.id]);
    const personal = [
      'Ottoline',
      'Fairweather-Blenkinsop',
      'Blenkinsop',
      // Folded name tokens of the name search.
      'ottoline',
      'fairweather',
      'blenkinsop',
      '+447911123463',
      'otto.fb@example.com',
      '1979-11-03',
      member.cardNumber,
    ];
    // Positive control: the scan sees every value while the till still holds the member.
    for (const [value, where] of Object.entries(await scan(a, personal))) {
      expect(where, `${value} before the erasure`).not.toEqual([]);
    }

    await requestErasure({ db: hq.db, now: () => hq.clock.now }, member.id);
    // The sync worker's own connection; the counter's stays open and keeps working meanwhile.
    const worker = openSecondConnection(a.device.path, a.device.secrets.databaseKey, undefined, a.device.cipher);
    try {
      let wrote = false;
      const engine = createSyncEngine({
        db: worker,
        lookupKey: a.device.secrets.lookupKey,
        now: () => a.clock.now,
        client: {
          async post(path, body, schema) {
            if (path === HQ_ROUTES.pull && !wrote) {
              // Between this run's push and its pull the cashier edits the member: still pending.
              wrote = true;
              a.services.updateProfile({ memberId: member.id, familyName: 'Blenkinsop' }, 'staff-1');
            }
            return a.client.post(path, body, schema);
          },
        },
      });
      expect((await engine.run()).pulled.erased).toBe(1);
      expect(a.services.find('Blenkinsop').members).toEqual([]);
      expect(await scan(a, personal)).toEqual(nowhere(personal));
      // The scrubbed pending op still goes to HQ (which refuses it); still nothing anywhere after.
      await engine.run();
      expect(a.services.outbox.pendingCount()).toBe(0);
      expect(await scan(a, personal)).toEqual(nowhere(personal));
    } finally {
      worker.close();
    }
  });
  async function enrolAndSync(t: Till, givenName: string, familyName: string, phone: string) {
    await t.engine().run();
    const member = t.services.enroll(
      {
        givenName,
        familyName,
        phone,
        email: undefined,
        birthDate: undefined,
        cardNumber: t.services.cardBlock.peek(),
        consents: CONSENTS,
      },
      'staff-1',
    );
    await t.engine().run();
    return member;
  }

  test('erasure: an answered outbox row still whole (as an older version left it) becomes a receipt, and a manager’s free-text reason about the member goes', async () => {
    const a = await till('Till C');
    const member = await enrolAndSync(a, 'Leopoldina', 'Marchbanks', '07911 123465');
    const at = a.clock.now.toISOString();
    const whole = {
      memberId: member.id,
      cardNumber: member.cardNumber,
      givenName: 'Leopoldina',
      familyName: 'Marchbanks',
      phone: '+447911123465',
      email: null,
      birthDate: null,
      enrolledAt: at,
    };
    a.db.prepare("UPDATE outbox SET payload = ? WHERE type = 'member.enrolled'").run(canonicalJson(whole));
    a.db
      .prepare(
        `INSERT INTO approvals (id, action, payload_mac, payload_json, target_member_id, reason_code, reason_text,
                                requested_by, requested_at, status)
         VALUES ('approval-l', 'points.adjust', 'mac', ?, ?, 'other', 'Leopoldina Marchbanks rang about her points',
                 'staff-1', ?, 'pending')`,
      )
      .run(canonicalJson({ memberId: member.id, points: 50 }), member.id, at);
    const personal = ['Leopoldina', 'Marchbanks', '+447911123465', member.cardNumber];
    for (const [value, where] of Object.entries(await scan(a, personal))) expect(where, value).not.toEqual([]);

    await requestErasure({ db: hq.db, now: () => hq.clock.now }, member.id);
    expect((await a.engine().run()).pulled.erased).toBe(1);
    expect(a.db.prepare("SELECT payload FROM outbox WHERE type = 'member.enrolled'").get()).toEqual({
      payload: `{"enrolledAt":"${at}","memberId":"${member.id}"}`,
    });
    expect(a.db.prepare("SELECT reason_code, reason_text FROM approvals WHERE id = 'approval-l'").get()).toEqual({
      reason_code: 'other',
      reason_text: null,
    });
    expect(await scan(a, personal)).toEqual(nowhere(personal));
  });

  test('erasure while the counter’s connection holds a read open: the WAL wipe is owed, not skipped, and done at the next pull page once the reader lets go', async () => {
    const a = await till('Till D');
    const member = await enrolAndSync(a, 'Hephzibah', 'Grimthorpe', '07911 123466');
    const personal = ['Hephzibah', 'Grimthorpe', 'hephzibah', 'grimthorpe', member.cardNumber];
    for (const [value, where] of Object.entries(await scan(a, personal))) expect(where, value).not.toEqual([]);
    await requestErasure({ db: hq.db, now: () => hq.clock.now }, member.id);

    const worker = openSecondConnection(a.device.path, a.device.secrets.databaseKey, undefined, a.device.cipher);
    // Short, so the test does not wait the production 5 s for a reader that will not finish.
    worker.pragma('busy_timeout = 50');
    const engine = createSyncEngine({
      db: worker,
      client: a.client,
      lookupKey: a.device.secrets.lookupKey,
      now: () => a.clock.now,
    });
    const reading = a.db.prepare('SELECT id FROM members').iterate();
    try {
      reading.next();
      expect((await engine.run()).pulled.erased).toBe(1);
      // The reader's snapshot keeps the old pages in use: the wipe could not finish, and is owed.
      expect(worker.prepare("SELECT value FROM sync_state WHERE key = 'wal_truncate_due'").get()).toEqual({
        value: '1',
      });
      const meanwhile = await scan(a, personal);
      expect(meanwhile['Grimthorpe']).not.toEqual([]);
    } finally {
      reading.return?.();
    }
    try {
      await engine.run();
      expect(worker.prepare("SELECT value FROM sync_state WHERE key = 'wal_truncate_due'").get()).toBeUndefined();
      expect(await scan(a, personal)).toEqual(nowhere(personal));
    } finally {
      worker.close();
    }
  });
});
