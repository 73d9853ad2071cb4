/**
 * npm run bench — the counter figures of DESIGN §8, measured on this machine, encrypted (SQLCipher
 * v4, raw key) side by side with a plain SQLite file running the same workload.
 *
 *   npm run bench -- [--sizes 100000,1000000] [--lookups 2000] [--writes 300] [--json FILE]
 *
 * Prints a table and, last, one JSON line. The key is random and held in memory only: this measures
 * the database, not the OS secret store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import DatabaseConstructor, { type Database } from 'better-sqlite3-multiple-ciphers';
import { createAuditLog } from '../src/main/audit/audit-log';
import { migrate } from '../src/main/db/migrations';
import { openDeviceDatabase } from '../src/main/db/open-device-database';
import type { Keychain } from '../src/main/keychain/keychain';
import { createEnrollMember } from '../src/main/members/enroll';
import { createFindMembers } from '../src/main/members/find';
import { createSnapshotIngest, type SnapshotMember } from '../src/main/members/ingest-snapshot';
import { lookupHash } from '../src/main/members/lookup-hash';
import { maskEmail, maskPhone } from '../src/shared/members/mask';
import { withCheckDigit } from '../src/shared/members/card-number';

const GIVEN = [
  'Olivia',
  'Amelia',
  'Isla',
  'Ava',
  'Oliver',
  'George',
  'Harry',
  'Noah',
  'Jack',
  'Leo',
  'Zoë',
  'Ewa',
  'Анна',
  'Мария',
  'Алёна',
  'Дмитрий',
  'Сергей',
  'Иван',
  'Ольга',
  'Никита',
];
const FAMILY_STEMS = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Wright',
  'Ångström',
  'Łukasz',
  'Иванов',
  'Смирнов',
  'Кузнецов',
  'Попов',
  'Васильев',
  'Петров',
  'Соколов',
  'Михайлов',
];
const SUFFIXES = [
  '',
  'son',
  'ford',
  'ley',
  'ton',
  'wood',
  'field',
  'man',
  'er',
  'ski',
  'ова',
  'ин',
  'ский',
  'енко',
  'ич',
];

function memberAt(i: number, lookupKey: string, at: string): SnapshotMember {
  const e164 = `+4474${String(i).padStart(8, '0')}`;
  const email = `member${i}@example.com`;
  const stem = FAMILY_STEMS[i % FAMILY_STEMS.length]!;
  return {
    id: `m-${String(i).padStart(9, '0')}`, // time-ordered like HQ's UUIDv7 ids
    cardNumber: cardAt(i),
    givenName: GIVEN[(i * 7) % GIVEN.length]!,
    familyName: `${stem}${SUFFIXES[Math.floor(i / FAMILY_STEMS.length) % SUFFIXES.length]}${i % 97 === 0 ? '-Hale' : ''}`,
    phoneHash: lookupHash(lookupKey, 'phone', e164),
    emailHash: lookupHash(lookupKey, 'email', email),
    phoneMasked: maskPhone(e164),
    emailMasked: maskEmail(email),
    enrolledAt: at,
    updatedAt: at,
  };
}
const cardAt = (i: number) => withCheckDigit(`6005${String(i).padStart(8, '0')}`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const totalMs = samples.reduce((sum, x) => sum + x, 0);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), totalMs };
}
function time(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A deterministic pseudo-random sequence, so every run asks the same questions. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function memoryKeychain(): Keychain {
  const store = new Map<string, string>();
  return {
    get: async (a) => store.get(a) ?? null,
    set: async (a, v) => void store.set(a, v),
    delete: async (a) => store.delete(a),
  };
}

async function openDb(
  kind: 'encrypted' | 'plain',
  dir: string,
): Promise<{ db: Database; lookupKey: string; auditKey: string; path: string; close(): void }> {
  if (kind === 'encrypted') {
    const device = await openDeviceDatabase({ dataDir: dir, keychain: memoryKeychain() });
    return {
      db: device.db,
      lookupKey: device.secrets.lookupKey,
      auditKey: device.secrets.auditKey,
      path: device.path,
      close: device.close,
    };
  }
  const path = join(dir, 'plain.db');
  const db = new DatabaseConstructor(path);
  for (const pragma of [
    'journal_mode = WAL',
    'synchronous = FULL',
    'secure_delete = ON',
    'temp_store = MEMORY',
    'foreign_keys = ON',
  ])
    db.pragma(pragma);
  migrate(db);
  return {
    db,
    lookupKey: randomBytes(32).toString('hex'),
    auditKey: randomBytes(32).toString('hex'),
    path,
    close: () => db.close(),
  };
}

function fileSize(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      /* not there */
    }
  }
  return total;
}

async function run(kind: 'encrypted' | 'plain', size: number, lookups: number, writes: number) {
  const dir = mkdtempSync(join(tmpdir(), `loyalty-bench-${kind}-`));
  const handle = await openDb(kind, dir);
  const { db, lookupKey } = handle;
  try {
    const at = new Date().toISOString();
    const ingest = createSnapshotIngest(db);
    const batchSize = 10_000;
    // Only the writes (and the index build) are timed: HQ sends members with hashes and masks made.
    let generationNanos = 0n;
    function* batches() {
      for (let from = 0; from < size; from += batchSize) {
        const started = process.hrtime.bigint();
        const batch: SnapshotMember[] = [];
        for (let i = from; i < Math.min(size, from + batchSize); i++) batch.push(memberAt(i, lookupKey, at));
        generationNanos += process.hrtime.bigint() - started;
        yield batch;
      }
    }
    const loadStart = process.hrtime.bigint();
    ingest.loadIntoEmpty(batches());
    const ingestSeconds = Number(process.hrtime.bigint() - loadStart - generationNanos) / 1e9;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('optimize');

    const find = createFindMembers({ db, lookupKey, storeRegion: () => 'GB' });
    const random = rng(42);
    const pick = () => Math.floor(random() * size);
    const measure = (query: () => string, expectHit: boolean) => {
      for (let i = 0; i < 50; i++) find(query()); // warm up
      const samples: number[] = [];
      let misses = 0;
      for (let i = 0; i < lookups; i++) {
        const q = query();
        let found = 0;
        samples.push(time(() => (found = find(q).members.length)));
        if (expectHit && found === 0) misses++;
      }
      if (misses > 0) throw new Error(`bench: ${misses} lookups found nothing (synthetic data broken)`);
      return stats(samples);
    };
    const card = measure(() => cardAt(pick()), true);
    const phone = measure(() => `+4474${String(pick()).padStart(8, '0')}`, true);
    const email = measure(() => `Member${pick()}@Example.com`, true);
    const prefixes = FAMILY_STEMS.flatMap((s) => [s.slice(0, 3), s.slice(0, 4)]).concat(
      GIVEN.map((g) => g.slice(0, 3)),
    );
    const name = measure(() => prefixes[Math.floor(random() * prefixes.length)]!, true);

    const audit = createAuditLog({ db, key: handle.auditKey, now: () => new Date() });
    const enroll = createEnrollMember({ db, audit, lookupKey, storeRegion: () => 'GB', now: () => new Date() });
    const writeSamples: number[] = [];
    for (let i = 0; i < writes; i++) {
      const n = size + i;
      writeSamples.push(
        time(() =>
          enroll(
            {
              givenName: 'Bench',
              familyName: `Writer${String.fromCharCode(97 + (i % 26))}`,
              email: `writer${n}@example.org`,
              phone: undefined,
              cardNumber: cardAt(n),
            },
            'bench',
          ),
        ),
      );
    }
    return {
      kind,
      size,
      ingestMembersPerSecond: Math.round(size / ingestSeconds),
      lookupMs: { card, phone, email, namePrefix: name },
      enrollWriteMs: stats(writeSamples),
      databaseBytes: fileSize(handle.path),
      rssBytes: process.memoryUsage().rss,
    };
  } finally {
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => (n < 10 ? n.toFixed(3) : n.toFixed(1));

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100000,1000000' },
      kinds: { type: 'string', default: 'encrypted,plain' },
      lookups: { type: 'string', default: '2000' },
      writes: { type: 'string', default: '300' },
      json: { type: 'string' },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const results: Awaited<ReturnType<typeof run>>[] = [];
  for (const size of sizes) {
    for (const kind of values.kinds.split(',') as ('encrypted' | 'plain')[]) {
      process.stderr.write(`bench: ${kind} cache of ${size.toLocaleString('en')} members…\n`);
      results.push(await run(kind, size, Number(values.lookups), Number(values.writes)));
    }
  }
  console.log(
    '\n| members | db | ingest /s | card p50/p95/p99 ms | phone p50/p95/p99 | e-mail p50/p95/p99 | name prefix p50/p95/p99 | enroll write p50/p95/p99 | size MiB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const cell = (s: { p50: number; p95: number; p99: number }) => `${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)}`;
    console.log(
      `| ${r.size.toLocaleString('en')} | ${r.kind} | ${r.ingestMembersPerSecond.toLocaleString('en')} | ${cell(r.lookupMs.card)} | ${cell(r.lookupMs.phone)} | ${cell(r.lookupMs.email)} | ${cell(r.lookupMs.namePrefix)} | ${cell(r.enrollWriteMs)} | ${(r.databaseBytes / 2 ** 20).toFixed(0)} |`,
    );
  }
  const ratios = sizes
    .filter(
      (size) =>
        results.some((r) => r.size === size && r.kind === 'plain') &&
        results.some((r) => r.size === size && r.kind === 'encrypted'),
    )
    .map((size) => {
      const enc = results.find((r) => r.size === size && r.kind === 'encrypted')!;
      const plain = results.find((r) => r.size === size && r.kind === 'plain')!;
      // The same workload on both files, compared by its total wall time (p95s alone are too noisy).
      const lookups = (r: typeof enc) =>
        r.lookupMs.card.totalMs + r.lookupMs.phone.totalMs + r.lookupMs.email.totalMs + r.lookupMs.namePrefix.totalMs;
      return {
        size,
        lookupsEncryptedOverPlain: Number((lookups(enc) / lookups(plain)).toFixed(2)),
        writesEncryptedOverPlain: Number((enc.enrollWriteMs.totalMs / plain.enrollWriteMs.totalMs).toFixed(2)),
        ingestEncryptedOverPlain: Number((plain.ingestMembersPerSecond / enc.ingestMembersPerSecond).toFixed(2)),
      };
    });
  console.log('\nencrypted ÷ plain, same workload (total time):');
  for (const r of ratios) {
    console.log(
      `  ${r.size.toLocaleString('en')} members: lookups ${r.lookupsEncryptedOverPlain}×, writes ${r.writesEncryptedOverPlain}×, ingest ${r.ingestEncryptedOverPlain}×`,
    );
  }
  console.log(
    'targets (DESIGN §8): exact lookup p95 ≤ 1 ms, name p95 ≤ 15 ms, write p95 ≤ 10 ms, ratio ≤ 1.3×, ingest ≥ 25,000/s',
  );
  const report = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, results, ratios };
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
