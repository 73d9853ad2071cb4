// The operator credential building blocks of issue 12, without a database: the password policy
// (NIST SP 800-63B rev. 4), argon2id password hashes, RFC 6238 TOTP and the recovery code format.
import { describe, expect, test } from 'vitest';
import { checkOperatorPassword } from '../../packages/hq/src/operators/password-policy';
import {
  hashOperatorPassword,
  passwordNeedsRehash,
  verifyOperatorPassword,
} from '../../packages/hq/src/operators/passwords';
import { looksLikeRecoveryCode, normalizeRecoveryCode } from '../../packages/hq/src/operators/recovery-codes';
import { matchTotp, newTotpSecret, totpCodeAt, totpStepAt, totpUri } from '../../packages/hq/src/operators/totp';
import { accountKey, clientKey, waitAfterFailures } from '../../packages/hq/src/operators/login-throttle';

const ANNA = { email: 'anna.smirnova@example.com', displayName: 'Anna Smirnova' };

describe('operator password policy (NIST SP 800-63B rev. 4)', () => {
  test.each([
    ['violet kettle 42 marsh', 'any characters, spaces included, no composition rules'],
    ['синий чайник сорок два', 'any script'],
    ['glacier-fennel-orbit', 'lower-case only is fine'],
  ])('accepts %j (%s)', (password) => {
    expect(checkOperatorPassword(password, ANNA)).toEqual({ ok: true, password });
  });

  test.each([
    ['mauve-oak-19', []], // exactly 12 code points: accepted
    ['mauve-oak-1', ['too_short']],
    ['ключ🔑замок🔒', ['too_short']], // 13 UTF-16 units but 11 code points
    ['', ['too_short']],
  ])('length is counted in code points: %j', (password, reasons) => {
    const result = checkOperatorPassword(password, ANNA);
    expect(result.ok ? [] : result.reasons).toEqual(reasons);
  });

  test('at most 128 code points', () => {
    const sentence128 =
      'The quick brown fox jumps over the lazy dog while five boxing wizards jump quickly; sphinx of black quartz, judge my vow. Amen!!';
    expect([...sentence128].length).toBe(128);
    expect(checkOperatorPassword(sentence128, ANNA).ok).toBe(true);
    expect(checkOperatorPassword(`${sentence128}?`, ANNA)).toEqual({ ok: false, reasons: ['too_long'] });
  });

  test.each([
    ['password1234', ['common']],
    ['PASSWORD1234', ['common']], // case-insensitive
    ['Password2024!', ['common']], // a listed word padded with digits and symbols
    ['iloveyou!!!!2024', ['common']],
    ['passwordpassword', ['common', 'repetitive']],
    ['123456789012', ['common', 'repetitive']],
  ])('refuses common and breached passwords: %j', (password, reasons) => {
    expect(checkOperatorPassword(password, ANNA)).toEqual({ ok: false, reasons });
  });

  test('normalizes with NFKC before checking: full-width "password1234" is "password1234"', () => {
    expect(checkOperatorPassword('ｐａｓｓｗｏｒｄ１２３４', ANNA)).toEqual({ ok: false, reasons: ['common'] });
  });

  test('returns the NFKC form, the one to hash', () => {
    // U+FB01 (the "fi" ligature) becomes "fi"
    expect(checkOperatorPassword('ﬁnal-orbit-lantern', ANNA)).toEqual({ ok: true, password: 'final-orbit-lantern' });
  });

  test.each([
    ['blue-smirnova-kettle', 'the family name'],
    ['ANNA.SMIRNOVA rocks 7', 'the e-mail local part, case-insensitively'],
    ['annasmirnova-orbit', 'the name without spaces'],
    ['kettle anna orbit 9', 'the given name'],
  ])('refuses %j (contains %s)', (password) => {
    expect(checkOperatorPassword(password, ANNA)).toEqual({ ok: false, reasons: ['contains_context'] });
  });

  test('a two-letter name part is not a context word (it would match by chance)', () => {
    expect(checkOperatorPassword('lilac harbour 58', { email: 'li@example.com', displayName: 'Li Wu' }).ok).toBe(true);
  });

  test.each([
    ['aaaaaaaaaaaa', 'one character'],
    ['abcabcabcabc', 'one unit repeated'],
    ['abcdefghijkl', 'ascending letters'],
    ['zyxwvutsrqpo', 'descending letters'],
    ['987654321098', 'descending digits, wrapping 0 to 9'],
    ['ababababbaba', 'fewer than 4 distinct characters'],
  ])('refuses %j as repetitive (%s)', (password) => {
    expect(checkOperatorPassword(password, ANNA)).toEqual({ ok: false, reasons: ['repetitive'] });
  });

  test('every reason at once, in a fixed order', () => {
    expect(checkOperatorPassword('anna', ANNA)).toEqual({
      ok: false,
      reasons: ['too_short', 'common', 'contains_context', 'repetitive'], // 'anna': 3 distinct characters
    });
  });
});

describe('operator passwords (argon2id)', () => {
  test('a hash is argon2id with 64 MiB, 3 passes, 1 lane, and verifies only the right password', async () => {
    const stored = await hashOperatorPassword('violet kettle 42 marsh');
    expect(stored.startsWith('$argon2id$v=19$m=65536,t=3,p=1$')).toBe(true);
    expect(passwordNeedsRehash(stored)).toBe(false);
    expect(await verifyOperatorPassword(stored, 'violet kettle 42 marsh')).toBe(true);
    expect(await verifyOperatorPassword(stored, 'violet kettle 42 marsH')).toBe(false);
  });

  test('hashes and verifies the NFKC form: the ligature and its letters are one password', async () => {
    const stored = await hashOperatorPassword('ﬁnal-orbit-lantern');
    expect(await verifyOperatorPassword(stored, 'final-orbit-lantern')).toBe(true);
  });

  test('no stored hash (unknown account) and a malformed hash are false, not errors', async () => {
    expect(await verifyOperatorPassword(null, 'violet kettle 42 marsh')).toBe(false);
    expect(await verifyOperatorPassword('not-a-hash', 'violet kettle 42 marsh')).toBe(false);
  });

  test('an unknown account costs an argon2 run too (at least 1/3 of a real verification)', async () => {
    const stored = await hashOperatorPassword('violet kettle 42 marsh');
    await verifyOperatorPassword(null, 'warm-up: the dummy hash is made once per process');
    const time = async (hash: string | null) => {
      const start = performance.now();
      for (let i = 0; i < 3; i++) await verifyOperatorPassword(hash, 'wrong password 123');
      return performance.now() - start;
    };
    const known = await time(stored);
    const unknown = await time(null);
    expect(unknown).toBeGreaterThan(known / 3);
  });

  test('a hash made with weaker parameters needs a rehash', () => {
    expect(passwordNeedsRehash('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
  });
});

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 Appendix B, SHA-1 rows: the key is the ASCII "12345678901234567890"; the RFC lists
  // 8 digits, a 6-digit code is its last 6.
  const RFC_KEY_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  const RFC_SHA1_ROWS = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ] as const;

  test('the secret is 20 random bytes in base32', () => {
    expect(newTotpSecret(() => Buffer.from('12345678901234567890', 'ascii'))).toBe(RFC_KEY_BASE32);
  });

  test.each(RFC_SHA1_ROWS)('T = %i s gives the last 6 digits of %s', (seconds, eightDigits) => {
    const at = new Date(seconds * 1000);
    expect(totpCodeAt(RFC_KEY_BASE32, at)).toBe(eightDigits.slice(2));
    expect(matchTotp(RFC_KEY_BASE32, eightDigits.slice(2), at, null)).toBe(Math.floor(seconds / 30));
  });

  test('accepts the step before and after now, not two steps away', () => {
    // 287082 is step 1 (30..59 s)
    expect(matchTotp(RFC_KEY_BASE32, '287082', new Date(29_000), null)).toBe(1);
    expect(matchTotp(RFC_KEY_BASE32, '287082', new Date(89_000), null)).toBe(1);
    expect(matchTotp(RFC_KEY_BASE32, '287082', new Date(90_000), null)).toBeNull();
    expect(matchTotp(RFC_KEY_BASE32, '287083', new Date(59_000), null)).toBeNull();
  });

  test('never the same code twice: a step at or before the last used one is refused', () => {
    expect(matchTotp(RFC_KEY_BASE32, '287082', new Date(59_000), 0)).toBe(1);
    expect(matchTotp(RFC_KEY_BASE32, '287082', new Date(59_000), 1)).toBeNull();
    expect(matchTotp(RFC_KEY_BASE32, '287082', new Date(59_000), 2)).toBeNull();
  });

  test('only six digits are a code', () => {
    expect(matchTotp(RFC_KEY_BASE32, '94287082', new Date(59_000), null)).toBeNull();
    expect(matchTotp(RFC_KEY_BASE32, ' 287082', new Date(59_000), null)).toBeNull();
  });

  test('steps are 30 s', () => {
    expect(totpStepAt(new Date(59_000))).toBe(1);
    expect(totpStepAt(new Date(60_000))).toBe(2);
  });

  test('the enrolment URI names HQ, the operator, the secret and the parameters', () => {
    expect(totpUri(RFC_KEY_BASE32, 'anna.smirnova@example.com')).toBe(
      'otpauth://totp/Loyalty%20Desk%20HQ:anna.smirnova%40example.com?issuer=Loyalty%20Desk%20HQ&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30',
    );
  });
});

describe('recovery code format', () => {
  test('typed in any case, with spaces, dashes and look-alikes, is the code issued', () => {
    expect(normalizeRecoveryCode('abcd-efgh-jkmn')).toBe('ABCDEFGHJKMN');
    expect(normalizeRecoveryCode(' o1il 2345-6789 ')).toBe('01112345' + '6789');
    expect(looksLikeRecoveryCode('abcd-efgh-jkmn')).toBe(true);
    expect(looksLikeRecoveryCode('ABCD-EFGH-JKMU')).toBe(false); // U is not in the alphabet
    expect(looksLikeRecoveryCode('ABCD-EFGH-JKM')).toBe(false);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
  });
});

describe('login throttle keys and waits', () => {
  test('an account key is the SHA-256 of the e-mail, trimmed and lower-cased', () => {
    // printf '%s' anna.smirnova@example.com | sha256sum
    expect(accountKey('  Anna.Smirnova@EXAMPLE.com ')).toBe(
      'aee7b796e807adfc91f7d611bf1389bf11f2c4d0751e6268947295afcd5327bd',
    );
  });

  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:aaaa:bbbb:1:2:3:4', '2001:db8:aaaa:bbbb::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:0:ffff::9', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('the client address %s counts as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });

  test.each([
    [0, 0],
    [4, 0],
    [5, 2_000],
    [6, 4_000],
    [9, 32_000],
    [14, 900_000],
    [40, 900_000],
  ])('after %i failures in 15 min the next try waits %i ms', (failures, ms) => {
    expect(waitAfterFailures(failures)).toBe(ms);
  });
});
