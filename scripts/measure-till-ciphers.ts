// Run: node --import ./tests/support/ts-child-loader.mjs scripts/measure-till-ciphers.ts [rows] [reads] [rounds]
// Measures plain vs SQLCipher v4 vs AEGIS-256 vs ChaCha20-Poly1305 through the app's applyCipher:
// an insert-heavy and a read-heavy loop, CPU time via process.cpuUsage, same schema, same data.
import DatabaseConstructor from 'better-sqlite3-multiple-ciphers';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyCipher, type CipherScheme } from '../src/main/db/cipher-scheme';

const ROWS = Number(process.argv[2] ?? 20000);
const READS = Number(process.argv[3] ?? 40000);
const ROUNDS = Number(process.argv[4] ?? 3);
const KEY = 'ab'.repeat(32);
type Scheme = CipherScheme | 'plain';
const schemes: Scheme[] = ['plain', 'sqlcipher-v4', 'aegis-256', 'chacha20-poly1305'];

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function run(scheme: Scheme): { insert: number; read: number } {
  const dir = mkdtempSync('/tmp/cipher-measure-');
  const db = new DatabaseConstructor(join(dir, 'm.db'));
  if (scheme !== 'plain') applyCipher(db, scheme, KEY);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -256'); // 256 KiB of pages, less than the file: most reads decrypt a page
  db.exec(
    `CREATE TABLE members (id INTEGER PRIMARY KEY, card TEXT UNIQUE, name TEXT, phone_hash BLOB, points INTEGER)`,
  );
  const insert = db.prepare('INSERT INTO members (card, name, phone_hash, points) VALUES (?, ?, ?, ?)');
  const one = db.transaction((i: number) =>
    insert.run(`6004${String(i).padStart(9, '0')}`, `Member ${i} Smith`, Buffer.alloc(32, i & 255), i),
  );
  let start = process.cpuUsage();
  for (let i = 0; i < ROWS; i++) one(i); // a transaction per row, as the counter writes
  const insertMs = cpuMs(start);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const byCard = db.prepare('SELECT * FROM members WHERE card = ?');
  let x = 12345;
  start = process.cpuUsage();
  for (let i = 0; i < READS; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    byCard.get(`6004${String(x % ROWS).padStart(9, '0')}`);
  }
  const readMs = cpuMs(start);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { insert: insertMs, read: readMs };
}

const results = Object.fromEntries(schemes.map((s) => [s, { insert: [] as number[], read: [] as number[] }])) as Record<
  Scheme,
  { insert: number[]; read: number[] }
>;
for (let round = 0; round < ROUNDS; round++) {
  for (const scheme of schemes) {
    const r = run(scheme);
    results[scheme].insert.push(r.insert);
    results[scheme].read.push(r.read);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const plain = results.plain;
console.log(
  `${ROWS} single-row insert transactions, ${READS} card lookups (page cache 256 KiB), median of ${ROUNDS}, CPU ms (ratio to plain)`,
);
for (const scheme of schemes) {
  const r = results[scheme];
  const i = median(r.insert),
    rd = median(r.read);
  console.log(
    `${scheme.padEnd(18)} insert ${i.toFixed(0).padStart(6)} (${(i / median(plain.insert)).toFixed(2)}x)  read ${rd.toFixed(0).padStart(6)} (${(rd / median(plain.read)).toFixed(2)}x)`,
  );
}
