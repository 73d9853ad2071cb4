// A till as the code before issue 15 left it (key-info format 1): the raw database key in the OS
// secret store at `<installId>/database-key`, a SQLCipher v4 file (`PRAGMA cipher='sqlcipher';
// PRAGMA legacy=4; PRAGMA key="x'..'"`), the key-info holding only its check value. Tests make one,
// fill it through the counter's own services, and read it back with the old scheme.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import DatabaseConstructor, { type Database } from 'better-sqlite3-multiple-ciphers';
import { createCounterServices } from '../../src/main/app/create-counter-services';
import { createAuditLog } from '../../src/main/audit/audit-log';
import { migrate } from '../../src/main/db/migrations';
import { ensureSecondaryIndexes } from '../../src/main/db/secondary-indexes';
import { seedDemoCounter } from '../../src/main/demo/seed-demo-counter';
import { memberAt } from '../../src/main/demo/synthetic-members';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import type { Keychain } from '../../src/main/keychain/keychain';
import { createSnapshotIngest } from '../../src/main/members/ingest-snapshot';
import { CONSENTS } from './members';
import { prng } from './prng';

export const LEGACY_DATABASE_FILE = 'loyalty.db';
export const LEGACY_KEY_INFO_FILE = 'loyalty.keyinfo.json';

export interface LegacyTill {
  installId: string;
  keyHex: string;
  auditKey: string;
  lookupKey: string;
}

/** Opens a SQLCipher v4 file exactly as open-device-database.ts did before issue 15. */
export function openLegacy(path: string, keyHex: string): Database {
  const db = new DatabaseConstructor(path, { fileMustExist: true });
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${keyHex}'"`);
  return db;
}

/** The format-1 key check value (HMAC-SHA256 of a label under the key, 16 bytes hex). */
function legacyKeyCheck(keyHex: string): string {
  return createHmac('sha256', Buffer.from(keyHex, 'hex'))
    .update('loyalty-desk/database-key-check/v1')
    .digest('hex')
    .slice(0, 32);
}

/**
 * Makes a format-1 till in `dataDir`: secrets in the secret store, a migrated SQLCipher v4 file
 * built under a temporary name and renamed in, the format-1 key-info with databaseCreated.
 */
export async function createLegacyTill(dataDir: string, keychain: Keychain): Promise<LegacyTill> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const installId = randomUUID();
  const till: LegacyTill = {
    installId,
    keyHex: randomBytes(32).toString('hex'),
    auditKey: randomBytes(32).toString('hex'),
    lookupKey: randomBytes(32).toString('hex'),
  };
  const accounts = secretAccounts(installId);
  await keychain.set(accounts.databaseKey, till.keyHex);
  await keychain.set(accounts.lookupKey, till.lookupKey);
  await keychain.set(accounts.pinPepper, randomBytes(32).toString('hex'));
  await keychain.set(accounts.auditKey, till.auditKey);
  const keyInfo = { format: 1, installId, keyCheck: legacyKeyCheck(till.keyHex) };
  writeFileSync(join(dataDir, LEGACY_KEY_INFO_FILE), JSON.stringify(keyInfo, null, 2), { mode: 0o600 });
  const path = join(dataDir, LEGACY_DATABASE_FILE);
  const building = `${path}.creating`;
  closeSync(openSync(building, 'w', 0o600));
  const db = new DatabaseConstructor(building);
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${till.keyHex}'"`);
  db.pragma('journal_mode = WAL');
  migrate(db);
  ensureSecondaryIndexes(db);
  db.close();
  const fd = openSync(building, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(building, path);
  chmodSync(path, 0o600);
  writeFileSync(join(dataDir, LEGACY_KEY_INFO_FILE), JSON.stringify({ ...keyInfo, databaseCreated: true }, null, 2), {
    mode: 0o600,
  });
  return till;
}

/**
 * Fills a legacy till through the counter's services (members from a snapshot, enrolments and
 * earns with their ops, ledger and audit entries, then member views), seeded. Returns the number
 * of audit entries written.
 */
export function fillLegacyTill(
  dataDir: string,
  till: LegacyTill,
  sizes: { snapshotMembers: number; enrolments: number; earns: number; views: number },
  seed: number,
): void {
  const random = prng(seed);
  const db = openLegacy(join(dataDir, LEGACY_DATABASE_FILE), till.keyHex);
  try {
    db.pragma('journal_mode = WAL');
    // The fill is test set-up: no fsync per transaction.
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = ON');
    let clock = Date.parse('2026-11-02T09:00:00.000Z');
    const now = () => new Date((clock += 1000));
    const audit = createAuditLog({ db, key: till.auditKey, now });
    const services = createCounterServices({
      db,
      audit,
      lookupKey: till.lookupKey,
      storeRegion: () => 'GB',
      language: () => 'en',
      now,
      adjustLimit: () => 10_000,
    });
    db.transaction(() =>
      seedDemoCounter({
        rules: services.rules,
        rewards: services.rewards,
        cardBlock: services.cardBlock,
        hasCardBlock: () => services.cardBlock.current() !== null,
      }),
    ).immediate();
    const ingest = createSnapshotIngest(db);
    const at = new Date(clock).toISOString();
    for (let start = 0; start < sizes.snapshotMembers; start += 500) {
      const batch = [];
      for (let i = start; i < Math.min(start + 500, sizes.snapshotMembers); i++)
        batch.push(memberAt(i, till.lookupKey, at));
      ingest.writeBatch(batch, { fresh: start === 0 });
    }
    const enrolled: string[] = [];
    for (let i = 0; i < sizes.enrolments; i++) {
      const member = services.enroll(
        {
          givenName: `Legacy${i}`,
          familyName: `Member${Math.floor(random() * 1e6)}`,
          phone: `07911 1${String(i).padStart(5, '0')}`,
          email: `legacy.${i}@example.org`,
          birthDate: undefined,
          cardNumber: services.cardBlock.peek(),
          consents: CONSENTS,
        },
        'staff-1',
      );
      enrolled.push(member.id);
    }
    for (let i = 0; i < sizes.earns; i++) {
      const memberId = enrolled[Math.floor(random() * enrolled.length)]!;
      services.earn({ memberId, amountMinor: 100 + Math.floor(random() * 20_000), reference: `L-${i}` }, 'staff-1');
    }
    const view = db.transaction((memberId: string) =>
      audit.append({ staffId: 'staff-1', action: 'member.viewed', subjectType: 'member', subjectId: memberId }),
    );
    for (let i = 0; i < sizes.views; i++) view(enrolled[Math.floor(random() * enrolled.length)]!);
    if (!audit.verify().ok) throw new Error('the filled legacy till’s audit chain does not verify');
  } finally {
    db.close();
  }
}

/** Per table: row count and SHA-256 of every row (all columns, in primary-key/rowid order). */
export function tableDigests(db: Database): Record<string, { rows: number; sha256: string }> {
  const tables = (
    db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as {
      name: string;
    }[]
  ).map((row) => row.name);
  const out: Record<string, { rows: number; sha256: string }> = {};
  for (const table of tables) {
    const columns = db.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as {
      name: string;
      pk: number;
    }[];
    const pk = columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => `"${c.name}"`);
    const order = pk.length > 0 ? pk.join(', ') : 'rowid';
    const hash = createHash('sha256');
    let rows = 0;
    const statement = db.prepare(`SELECT * FROM "${table}" ORDER BY ${order}`).raw(true);
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      rows++;
      hash.update(
        JSON.stringify(row, (_key, value: unknown) =>
          Buffer.isBuffer(value) ? `b64:${value.toString('base64')}` : typeof value === 'bigint' ? `${value}n` : value,
        ),
      );
      hash.update('\n');
    }
    out[table] = { rows, sha256: hash.digest('hex') };
  }
  return out;
}
