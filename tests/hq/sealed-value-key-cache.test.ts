import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openText, sealText } from '../../packages/hq/src/keys/sealed-value';

const where = { table: 'members', column: 'phone', rowId: 'm-1' };

describe('sealed values: the cached key object follows the key bytes', () => {
  it('a value sealed and opened many times with one key opens to its plaintext each time', () => {
    const key = randomBytes(32);
    for (let i = 0; i < 50; i++) {
      const sealed = sealText(7, key, `+4477009001${String(i).padStart(2, '0')}`, where);
      expect(openText(7, key, sealed, where)).toBe(`+4477009001${String(i).padStart(2, '0')}`);
    }
  });

  it('a key buffer changed in place no longer opens what the old bytes sealed', () => {
    const key = randomBytes(32);
    const sealed = sealText(7, key, '+447700900123', where);
    expect(openText(7, key, sealed, where)).toBe('+447700900123');
    key.fill(0);
    expect(openText(7, key, sealed, where)).toBeNull();
  });

  it('two keys with the same id each open only their own values', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const sealedA = sealText(3, a, 'a@example.com', where);
    const sealedB = sealText(3, b, 'b@example.com', where);
    expect(openText(3, a, sealedA, where)).toBe('a@example.com');
    expect(openText(3, b, sealedB, where)).toBe('b@example.com');
    expect(openText(3, a, sealedB, where)).toBeNull();
    expect(openText(3, b, sealedA, where)).toBeNull();
  });
});
