import { randomBytes } from 'node:crypto';
import { CodedError } from '../errors';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * HQ's master key (issue 15): 32 random bytes kept outside the database. It wraps HQ's data keys and
 * the key root (data-keys.ts), from which derived-keys.ts makes one key per purpose (operator audit
 * chain, approval MACs…), and derives the key that does the wrapping. Whoever holds a copy of the
 * database alone must not hold this key.
 *
 * Where it comes from, first match wins:
 * 1. the environment variable LOYALTY_HQ_MASTER_KEY: 32 bytes as base64url (43 characters, an
 *    optional trailing '=') or hex (64 characters); anything else is refused, never ignored;
 * 2. the file `<dataDir>/hq-master.key`: the 32 raw bytes, made on first start (O_EXCL, 0600,
 *    written to a temporary file, fsynced, then hard-linked into place so the name never holds half a
 *    key and two racing starts end with one key), read back on later starts. On POSIX a file that its
 *    group or others may read (mode & 0o077) is refused, not used; so is one of another length.
 *
 * Errors name the variable or the file, never the key or any part of it.
 */
export const MASTER_KEY_ENV = 'LOYALTY_HQ_MASTER_KEY';
export const MASTER_KEY_FILE = 'hq-master.key';
export const MASTER_KEY_BYTES = 32;

/**
 * Where the master key comes from. `loadMasterKey` gives the environment or the data folder's file;
 * a KMS source (issue 15, later) implements the same shape: it unwraps its data key once at start
 * (asynchronously, before the server listens) and then hands it out from `key()` synchronously.
 */
export interface MasterKeySource {
  /**
   * Names the source, never the key: `env:LOYALTY_HQ_MASTER_KEY`, `file:<path>`, a KMS key's
   * resource name. Safe to log; lets an operator tell which key a running HQ used.
   */
  readonly id: string;
  /** The 32 key bytes: a fresh copy each call, so a caller that wipes or edits it harms no other. */
  key(): Buffer;
}

export const MASTER_KEY_ERROR_CODES = [
  /** LOYALTY_HQ_MASTER_KEY is set but is not 32 bytes as base64url or hex (an empty value included). */
  'master_key_env_invalid',
  /** The key file may be read by its group or others (POSIX mode & 0o077). */
  'master_key_file_exposed',
  /** The key file is not a regular file of exactly 32 bytes. */
  'master_key_file_invalid',
] as const;
export type MasterKeyErrorCode = (typeof MASTER_KEY_ERROR_CODES)[number];

/** HQ refuses to start on such a key rather than use it or quietly make another one. */
export class MasterKeyError extends CodedError<MasterKeyErrorCode> {}

export interface LoadMasterKeyOptions {
  /** HQ's data folder (made 0700 if missing, as tls.ts does). */
  dataDir: string;
  /** The process environment, or a test's own. */
  env: Readonly<Record<string, string | undefined>>;
}

export function loadMasterKey(options: LoadMasterKeyOptions): MasterKeySource {
  const fromEnv = options.env[MASTER_KEY_ENV];
  if (fromEnv !== undefined) return fixedSource(`env:${MASTER_KEY_ENV}`, parseEnvKey(fromEnv));
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const path = join(options.dataDir, MASTER_KEY_FILE);
  return fixedSource(`file:${path}`, readKeyFile(path) ?? createKeyFile(path));
}

function fixedSource(id: string, key: Buffer): MasterKeySource {
  const held = Buffer.from(key);
  key.fill(0);
  return { id, key: () => Buffer.from(held) };
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}=?$/;

/** Surrounding whitespace (a newline from a secrets file) is dropped; nothing else is forgiven. */
function parseEnvKey(value: string): Buffer {
  const text = value.trim();
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (BASE64URL_KEY.test(text)) {
    const unpadded = text.replace(/=$/, '');
    const key = Buffer.from(unpadded, 'base64url');
    // 43 characters carry 258 bits: the last character's two spare bits must be zero, so that
    // exactly one text stands for each key.
    if (key.length === MASTER_KEY_BYTES && key.toString('base64url') === unpadded) return key;
  }
  throw new MasterKeyError(
    'master_key_env_invalid',
    `${MASTER_KEY_ENV} must be exactly ${MASTER_KEY_BYTES} bytes as base64url (43 characters) or hex (64 characters).`,
  );
}

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** The key in the file, or undefined when there is no file; a file not fit to use throws. */
function readKeyFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // fstat of the open file: what is checked is what is read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new MasterKeyError('master_key_file_invalid', `The HQ master key file ${path} is not a regular file.`);
    }
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new MasterKeyError(
        'master_key_file_exposed',
        `The HQ master key file ${path} has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}: ` +
          'others than its owner may read it. Make it 0600 (chmod 600) if no one else has read it, or treat the key as leaked.',
      );
    }
    if (stat.size !== MASTER_KEY_BYTES) {
      throw new MasterKeyError(
        'master_key_file_invalid',
        `The HQ master key file ${path} is ${stat.size} bytes, not ${MASTER_KEY_BYTES}.`,
      );
    }
    const key = Buffer.alloc(MASTER_KEY_BYTES);
    let filled = 0;
    while (filled < key.length) {
      const read = readSync(fd, key, filled, key.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    if (filled !== MASTER_KEY_BYTES) {
      key.fill(0);
      throw new MasterKeyError('master_key_file_invalid', `The HQ master key file ${path} ended while being read.`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the key file: 32 random bytes into a temporary file opened O_EXCL with mode 0600, fsynced,
 * then linked to the final name (link refuses an existing name, like O_EXCL, and is atomic), and the
 * folder fsynced so the name survives a power cut. If another start linked its key first, that key is
 * the one used.
 */
function createKeyFile(path: string): Buffer {
  const key = randomBytes(MASTER_KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      // The umask can only take bits away; this makes sure the owner can still read it back.
      if (process.platform !== 'win32') fchmodSync(fd, 0o600);
      let written = 0;
      while (written < key.length) written += writeSync(fd, key, written, key.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, path);
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
      key.fill(0);
      const theirs = readKeyFile(path);
      if (theirs === undefined) throw error;
      return theirs;
    }
  } finally {
    unlinkSync(temp);
  }
  fsyncDirectory(dirname(path));
  return key;
}

/** Windows cannot open a folder to fsync it (NTFS journals the new name itself). */
function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
