// AEGIS-256 (draft-irtf-cfrg-aegis-aead) decryption of one SQLite3MultipleCiphers page, for tests
// that look at a till's bytes on disk (sqlcipher-scan.ts). Test code only, never the app's: it is
// slow (one table-driven AES round at a time) and not constant-time. Its correctness check is the
// 256-bit tag: a page decrypted wrongly (a wrong key, a wrong page number) does not verify.
//
// SQLite3MultipleCiphers' page format (cipher 'aegis', algorithm aegis-256, raw key): the last 64
// bytes of each page are a 32-byte tag, then a random 32-byte nonce. A one-time key and nonce are
// drawn from the AEGIS-256 keystream of the database key under that nonce (64 bytes, the last 4
// replaced by the page number, big-endian); the page (from byte 24 on page 1, whose first 16 bytes
// hold the file's salt) is encrypted with them, without associated data.
import { timingSafeEqual } from 'node:crypto';

const SBOX = (() => {
  const box = new Uint8Array(256);
  let p = 1;
  let q = 1;
  do {
    p = p ^ ((p << 1) & 0xff) ^ (p & 0x80 ? 0x1b : 0);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const x = q ^ ((q << 1) | (q >> 7)) ^ ((q << 2) | (q >> 6)) ^ ((q << 3) | (q >> 5)) ^ ((q << 4) | (q >> 4));
    box[p] = (x ^ 0x63) & 0xff;
  } while (p !== 1);
  box[0] = 0x63;
  return box;
})();

const xtime = (b: number): number => ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;

/** One AES encryption round (SubBytes, ShiftRows, MixColumns) of `block`, XORed with `roundKey`. */
function aesRound(block: Uint8Array, roundKey: Uint8Array): Uint8Array {
  const s = new Uint8Array(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) s[4 * c + r] = SBOX[block[4 * ((c + r) % 4) + r]!]!;
  const out = new Uint8Array(16);
  for (let c = 0; c < 4; c++) {
    const [a0, a1, a2, a3] = [s[4 * c]!, s[4 * c + 1]!, s[4 * c + 2]!, s[4 * c + 3]!];
    out[4 * c] = xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3 ^ roundKey[4 * c]!;
    out[4 * c + 1] = a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3 ^ roundKey[4 * c + 1]!;
    out[4 * c + 2] = a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3 ^ roundKey[4 * c + 2]!;
    out[4 * c + 3] = xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3) ^ roundKey[4 * c + 3]!;
  }
  return out;
}

const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((value, i) => value ^ b[i]!);
const C0 = Uint8Array.from([
  0x00, 0x01, 0x01, 0x02, 0x03, 0x05, 0x08, 0x0d, 0x15, 0x22, 0x37, 0x59, 0x90, 0xe9, 0x79, 0x62,
]);
const C1 = Uint8Array.from([
  0xdb, 0x3d, 0x18, 0x55, 0x6d, 0xc2, 0x2f, 0xf1, 0x20, 0x11, 0x31, 0x42, 0x73, 0xb5, 0x28, 0xdd,
]);

class Aegis256 {
  private s: Uint8Array[];

  constructor(key: Uint8Array, nonce: Uint8Array) {
    const k0 = key.subarray(0, 16);
    const k1 = key.subarray(16, 32);
    const k0n0 = xor(k0, nonce.subarray(0, 16));
    const k1n1 = xor(k1, nonce.subarray(16, 32));
    this.s = [k0n0, k1n1, C1, C0, xor(k0, C0), xor(k1, C1)];
    for (let i = 0; i < 4; i++) {
      this.update(k0);
      this.update(k1);
      this.update(k0n0);
      this.update(k1n1);
    }
  }

  private update(message: Uint8Array): void {
    const s = this.s;
    this.s = [
      xor(aesRound(s[5]!, s[0]!), message),
      aesRound(s[0]!, s[1]!),
      aesRound(s[1]!, s[2]!),
      aesRound(s[2]!, s[3]!),
      aesRound(s[3]!, s[4]!),
      aesRound(s[4]!, s[5]!),
    ];
  }

  private keystream(): Uint8Array {
    const s = this.s;
    return xor(
      xor(xor(s[1]!, s[4]!), s[5]!),
      s[2]!.map((value, i) => value & s[3]![i]!),
    );
  }

  /** Encrypting zeros: the keystream itself, as aegis256_stream makes it. */
  stream(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 16) {
      const z = this.keystream();
      out.set(z.subarray(0, Math.min(16, length - i)), i);
      this.update(new Uint8Array(16));
    }
    return out;
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    const out = new Uint8Array(ciphertext.length);
    for (let i = 0; i < ciphertext.length; i += 16) {
      const n = Math.min(16, ciphertext.length - i);
      const block = new Uint8Array(16);
      block.set(ciphertext.subarray(i, i + n));
      const plain = xor(block, this.keystream());
      plain.fill(0, n);
      out.set(plain.subarray(0, n), i);
      this.update(plain);
    }
    return out;
  }

  tag(messageLength: number): Uint8Array {
    const lengths = new Uint8Array(16);
    const view = new DataView(lengths.buffer);
    view.setBigUint64(0, 0n, true); // associated data: none
    view.setBigUint64(8, BigInt(messageLength) * 8n, true);
    const t = xor(lengths, this.s[3]!);
    for (let i = 0; i < 7; i++) this.update(t);
    const s = this.s;
    return Uint8Array.from([...xor(xor(s[0]!, s[1]!), s[2]!), ...xor(xor(s[3]!, s[4]!), s[5]!)]);
  }
}

export const AEGIS_RESERVE = 64;
const TAG = 32;
const NONCE = 32;
/** Page 1 keeps its first 24 bytes out of the cipher: the salt (16), then page size and format bytes. */
const PAGE1_OFFSET = 24;

/** One page as SQLite sees it (page 1 with SQLite's header put back). Throws when the tag does not verify. */
export function decryptAegisPage(page: Buffer, pageNumber: number, key: Buffer): Buffer {
  const n = page.length - AEGIS_RESERVE;
  const offset = pageNumber === 1 ? PAGE1_OFFSET : 0;
  const tag = page.subarray(n, n + TAG);
  const nonce = page.subarray(n + TAG, n + TAG + NONCE);
  const otk = new Aegis256(key, nonce).stream(64);
  new DataView(otk.buffer).setUint32(60, pageNumber, false);
  const cipher = new Aegis256(otk.subarray(0, 32), otk.subarray(32, 64));
  const plain = cipher.decrypt(page.subarray(offset, n));
  const expected = cipher.tag(n - offset);
  if (!timingSafeEqual(Buffer.from(expected), tag)) throw new Error(`page ${pageNumber}: AEGIS tag does not verify`);
  const out = Buffer.alloc(page.length);
  page.copy(out, 0, 0, offset);
  if (pageNumber === 1) Buffer.from('SQLite format 3\0', 'latin1').copy(out, 0);
  Buffer.from(plain).copy(out, offset);
  return out;
}
