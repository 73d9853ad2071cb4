import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createPinHasher } from '../../src/main/staff/pin-hasher';
import { hashStaffPin, newTemporaryPin, verifyStaffPin } from '../../packages/hq/src/staff/pin-hash';
import { checkPin } from '../../src/shared/staff/pin-policy';

describe('staff PIN hashes made at HQ and on a till', () => {
  const pepper = randomBytes(32).toString('hex');

  test('HQ and the till hash with the same parameters (argon2id, 64 MiB, 3 passes, one lane)', async () => {
    const params = /^\$argon2id\$v=19\$m=65536,t=3,p=1\$/;
    expect(await hashStaffPin(pepper, '482915')).toMatch(params);
    expect(await createPinHasher(pepper).hash('482915')).toMatch(params);
  });

  test('a hash made at HQ verifies on a till with the chain pepper, and only with the right PIN and pepper', async () => {
    const hqHash = await hashStaffPin(pepper, '482915');
    expect(hqHash).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    expect(hqHash).not.toContain('482915');
    const till = createPinHasher(pepper);
    expect(await till.verify(hqHash, '482915')).toBe(true);
    expect(await till.verify(hqHash, '482916')).toBe(false);
    expect(await createPinHasher(randomBytes(32).toString('hex')).verify(hqHash, '482915')).toBe(false);
  });

  test('a hash made on a till verifies at HQ', async () => {
    const tillHash = await createPinHasher(pepper).hash('739154');
    expect(await verifyStaffPin(pepper, tillHash, '739154')).toBe(true);
    expect(await verifyStaffPin(pepper, tillHash, '739155')).toBe(false);
    expect(await verifyStaffPin(pepper, 'not a hash', '739154')).toBe(false);
  });

  test('a pepper that is not hex is refused rather than used as something else', async () => {
    await expect(hashStaffPin('not-hex', '482915')).rejects.toThrow(/hex/);
  });

  test('temporary PINs are 6 digits the PIN policy accepts, and vary', () => {
    const pins = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const pin = newTemporaryPin();
      expect(pin).toMatch(/^\d{6}$/);
      expect(checkPin(pin)).toBeNull();
      pins.add(pin);
    }
    // 5,000 draws from ~10^6 PINs: collisions are rare.
    expect(pins.size).toBeGreaterThan(4900);
    expect(checkPin(newTemporaryPin(8), 8)).toBeNull();
  });
});
