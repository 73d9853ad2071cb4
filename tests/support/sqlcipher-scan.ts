// A byte-level look at every file of a till's data folder, for tests that must prove a value is
// gone from disk (DESIGN §6: "no trace stays in any file"). The cache is encrypted (AEGIS-256 since
// issue 15, SQLCipher v4 before), so a plain grep of the files would find nothing either way; this
// decrypts every page of the database and every frame of its write-ahead log with the key the
// key-info wraps under the KEK in the OS secret store, as the app reads it, and reads every other
// file raw. Each page's tag (AEGIS) or HMAC (SQLCipher) is checked, so a wrong decryption (or a page
// the scan could not read) fails loudly instead of passing as "not found".
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CipherScheme } from '../../src/main/db/cipher-scheme';
import { readKeyState } from '../../src/main/db/database-keys';
import { DATABASE_FILE, KEY_INFO_FILE } from '../../src/main/db/open-device-database';
import type { Keychain } from '../../src/main/keychain/keychain';
import { decryptAegisPage } from './aegis256-page';

/** SQLCipher v4 defaults, as the till set them before issue 15 (cipher 'sqlcipher', legacy 4). */
export const PAGE_SIZE = 4096;
const SALT_SIZE = 16;
const IV_SIZE = 16;
const HMAC_SIZE = 64;
/** Per-page reserve: the IV, then HMAC-SHA512 over ciphertext, IV and page number. */
const RESERVE = IV_SIZE + HMAC_SIZE;
/** SQLCipher derives the HMAC key from the encryption key with the salt XOR 0x3a and 2 rounds. */
const HMAC_SALT_MASK = 0x3a;
const HMAC_KDF_ITERATIONS = 2;
const WAL_HEADER_SIZE = 32;
const WAL_FRAME_HEADER_SIZE = 24;
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** One decrypted (or, for files SQLite does not encrypt, raw) region of a till file. */
export interface PlainRegion {
  /** Where it came from, for a failure message: "loyalty.db page 3", "loyalty.db-wal frame 2 (page 7)". */
  where: string;
  bytes: Buffer;
}

export interface TillFiles {
  /** Every file of the folder, by name. */
  files: string[];
  regions: PlainRegion[];
  /** Database pages and WAL frames decrypted (and authenticated). */
  pages: number;
  frames: number;
}

/** The raw 256-bit database key, unwrapped from the key-info with the KEK in the secret store, as the app does. */
export async function readDatabaseKey(dataDir: string, keychain: Keychain): Promise<Buffer> {
  return Buffer.from((await readKeyState(keychain, join(dataDir, KEY_INFO_FILE))).current.keyHex, 'hex');
}

/** The page cipher the key-info names for the file. */
function readScheme(dataDir: string): CipherScheme {
  return (JSON.parse(readFileSync(join(dataDir, KEY_INFO_FILE), 'utf8')) as { current: { scheme: CipherScheme } })
    .current.scheme;
}

type PageDecryptor = (page: Buffer, pageNumber: number) => Buffer;

function pageDecryptor(scheme: CipherScheme, key: Buffer, salt: Buffer): PageDecryptor {
  if (scheme === 'aegis-256') return (page, pageNumber) => decryptAegisPage(page, pageNumber, key);
  if (scheme === 'sqlcipher-v4') {
    const macKey = hmacKey(key, salt);
    return (page, pageNumber) => decryptPage(page, pageNumber, key, salt, macKey);
  }
  throw new Error(`the byte scan does not read ${scheme} files`);
}

/** The key of the per-page HMAC, derived once per file (the salt is the file's). */
export function hmacKey(key: Buffer, salt: Buffer): Buffer {
  return pbkdf2Sync(key, Buffer.from(salt.map((byte) => byte ^ HMAC_SALT_MASK)), HMAC_KDF_ITERATIONS, 32, 'sha512');
}

/**
 * One SQLCipher v4 page as SQLite sees it. Page 1 begins with the salt in place of the first 16
 * header bytes, which SQLite's header then takes back. Throws when the HMAC does not verify.
 */
export function decryptPage(page: Buffer, pageNumber: number, key: Buffer, salt: Buffer, macKey?: Buffer): Buffer {
  if (page.length !== PAGE_SIZE) throw new Error(`page ${pageNumber}: ${page.length} bytes, not ${PAGE_SIZE}`);
  const start = pageNumber === 1 ? SALT_SIZE : 0;
  const end = PAGE_SIZE - RESERVE;
  const iv = page.subarray(end, end + IV_SIZE);
  const mac = page.subarray(end + IV_SIZE, PAGE_SIZE);
  const pageNo = Buffer.alloc(4);
  pageNo.writeUInt32LE(pageNumber);
  const expected = createHmac('sha512', macKey ?? hmacKey(key, salt))
    .update(page.subarray(start, end + IV_SIZE))
    .update(pageNo)
    .digest();
  if (!timingSafeEqual(expected, mac)) throw new Error(`page ${pageNumber}: HMAC does not verify`);
  const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(page.subarray(start, end)), decipher.final()]);
  const out = Buffer.alloc(PAGE_SIZE);
  if (pageNumber === 1) SQLITE_HEADER.copy(out, 0);
  plain.copy(out, start);
  return out;
}

function decryptDatabase(
  path: string,
  scheme: CipherScheme,
  key: Buffer,
): { regions: PlainRegion[]; decrypt: PageDecryptor | null } {
  const file = readFileSync(path);
  if (file.length % PAGE_SIZE !== 0) throw new Error(`${path}: not a whole number of pages`);
  if (file.length === 0) return { regions: [], decrypt: null };
  const decrypt = pageDecryptor(scheme, key, file.subarray(0, SALT_SIZE));
  const regions: PlainRegion[] = [];
  for (let n = 1; n * PAGE_SIZE <= file.length; n++) {
    const page = file.subarray((n - 1) * PAGE_SIZE, n * PAGE_SIZE);
    regions.push({ where: `${DATABASE_FILE} page ${n}`, bytes: decrypt(page, n) });
  }
  return { regions, decrypt };
}

function decryptWal(path: string, decrypt: PageDecryptor | null): PlainRegion[] {
  const file = readFileSync(path);
  if (file.length === 0) return [];
  if (decrypt === null) throw new Error('a WAL without its database: no salt to read it with');
  const frameSize = WAL_FRAME_HEADER_SIZE + PAGE_SIZE;
  if ((file.length - WAL_HEADER_SIZE) % frameSize !== 0) throw new Error(`${path}: torn frame`);
  const regions: PlainRegion[] = [{ where: `${DATABASE_FILE}-wal header`, bytes: file.subarray(0, WAL_HEADER_SIZE) }];
  // Every frame, not only the ones the WAL index still counts: an old frame left behind is a copy too.
  for (let offset = WAL_HEADER_SIZE, frame = 1; offset < file.length; offset += frameSize, frame++) {
    const pageNumber = file.readUInt32BE(offset);
    const page = file.subarray(offset + WAL_FRAME_HEADER_SIZE, offset + frameSize);
    regions.push({
      where: `${DATABASE_FILE}-wal frame ${frame} (page ${pageNumber})`,
      bytes: Buffer.concat([file.subarray(offset, offset + WAL_FRAME_HEADER_SIZE), decrypt(page, pageNumber)]),
    });
  }
  return regions;
}

/** Every file in the till's data folder as plaintext: database pages and WAL frames decrypted, the rest raw. */
export async function readTillFiles(dataDir: string, keychain: Keychain): Promise<TillFiles> {
  const key = await readDatabaseKey(dataDir, keychain);
  const scheme = readScheme(dataDir);
  const files = readdirSync(dataDir).sort();
  const db = files.includes(DATABASE_FILE)
    ? decryptDatabase(join(dataDir, DATABASE_FILE), scheme, key)
    : { regions: [], decrypt: null };
  const wal = files.includes(`${DATABASE_FILE}-wal`)
    ? decryptWal(join(dataDir, `${DATABASE_FILE}-wal`), db.decrypt)
    : [];
  const regions = [...db.regions, ...wal];
  for (const name of files) {
    if (name === DATABASE_FILE || name === `${DATABASE_FILE}-wal`) continue;
    // -shm (the WAL index SQLite never encrypts), the key-info file, anything else: as it is on disk.
    regions.push({ where: name, bytes: readFileSync(join(dataDir, name)) });
  }
  return { files, regions, pages: db.regions.length, frames: Math.max(0, wal.length - 1) };
}

/** For each value, where its UTF-8 bytes occur in the till's files (an empty list: nowhere). */
export function whereFound(till: TillFiles, values: readonly string[]): Record<string, string[]> {
  // One pass over everything per value; regions are only searched one by one for a value found.
  // NUL between regions: no value holds one, so no match can straddle two regions.
  const all = Buffer.concat(till.regions.flatMap((region) => [region.bytes, Buffer.alloc(1)]));
  const found: Record<string, string[]> = {};
  for (const value of values) {
    const needle = Buffer.from(value, 'utf8');
    if (needle.length === 0 || needle.includes(0)) throw new Error('a value to look for must be non-empty text');
    found[value] = all.includes(needle)
      ? till.regions.filter((region) => region.bytes.includes(needle)).map((region) => region.where)
      : [];
  }
  return found;
}
