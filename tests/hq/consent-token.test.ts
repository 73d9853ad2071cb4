// The double opt-in link token (packages/hq/src/privacy/consent-confirmation.ts): its format pinned to
// a value made outside the code, and every way a token can be wrong refused.
import { describe, expect, test } from 'vitest';
import { parseHash } from '../../packages/hq/console/src/app/routes';
import { CONFIRMATION_TOKEN_PATTERN } from '../../packages/hq/src/console/contract';
import {
  confirmationToken,
  confirmationTokenHash,
  marketingEmailConfirmedSql,
  MARKETING_EMAIL_CONFIRMED_SQL,
  verifyConfirmationToken,
} from '../../packages/hq/src/privacy/consent-confirmation';

// Key bytes 0x00..0x1f, confirmation 0190f3a2-7b4c-7d8e-9f01-23456789abcd expiring 2026-03-05T09:00:00Z
// (1772701200 s = 0x69a94610). Expected values made once outside the code under test:
//   printf '0190f3a27b4c7d8e9f0123456789abcd0000000069a94610' | xxd -r -p > body.bin
//   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f -binary body.bin > mac.bin
//   basenc --base64url -w0 body.bin mac.bin (padding removed), and sha256sum of the token text.
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const ID = '0190f3a2-7b4c-7d8e-9f01-23456789abcd';
const EXPIRES = new Date('2026-03-05T09:00:00.000Z');
const TOKEN = 'AZDzontMfY6fASNFZ4mrzQAAAABpqUYQ.uKb0YjCsv-nBIK3du-JdE2tThHNLDc53FFh37vLhP6s';
const TOKEN_SHA256 = 'de59edd7ca646284f7c7702598fe1d0274d15d7486766ca924b4dba6656e4242';

/** The token with the character at `index` replaced by another base64url character. */
function flipped(token: string, index: number): string {
  const char = token[index];
  const other = char === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${other}${token.slice(index + 1)}`;
}

describe('confirmation token', () => {
  test('is base64url(id ‖ expiry seconds) "." base64url(HMAC-SHA256), as computed with OpenSSL', () => {
    expect(confirmationToken(KEY, ID, EXPIRES)).toBe(TOKEN);
    expect(confirmationTokenHash(TOKEN)).toBe(TOKEN_SHA256);
    expect(CONFIRMATION_TOKEN_PATTERN.test(TOKEN)).toBe(true);
    // Milliseconds are not part of it: the row's expiry is kept in whole seconds.
    expect(confirmationToken(KEY, ID, new Date('2026-03-05T09:00:00.999Z'))).toBe(TOKEN);
  });

  test('verifies to the id and expiry it was made for', () => {
    expect(verifyConfirmationToken(KEY, TOKEN)).toEqual({ id: ID, expiresAt: EXPIRES });
  });

  test('any one character changed is refused, in the id, the expiry, the separator or the MAC', () => {
    for (let index = 0; index < TOKEN.length; index++) {
      if (index === 32) continue;
      expect(verifyConfirmationToken(KEY, flipped(TOKEN, index)), `character ${index}`).toBeNull();
    }
    expect(verifyConfirmationToken(KEY, `${TOKEN.slice(0, 32)}-${TOKEN.slice(33)}`)).toBeNull();
  });

  test('a cut-short or lengthened token is refused', () => {
    for (const cut of [1, 2, 43, 44, TOKEN.length - 1]) {
      expect(verifyConfirmationToken(KEY, TOKEN.slice(0, TOKEN.length - cut)), `cut ${cut}`).toBeNull();
    }
    expect(verifyConfirmationToken(KEY, TOKEN.slice(1))).toBeNull();
    expect(verifyConfirmationToken(KEY, `${TOKEN}A`)).toBeNull();
    expect(verifyConfirmationToken(KEY, `${TOKEN}=`)).toBeNull();
    expect(verifyConfirmationToken(KEY, '')).toBeNull();
    expect(verifyConfirmationToken(KEY, TOKEN.split('.')[0] ?? '')).toBeNull();
  });

  test('a token made under another key, or the right MAC on another body, is refused', () => {
    const otherKey = Buffer.alloc(32, 0x42);
    expect(verifyConfirmationToken(otherKey, TOKEN)).toBeNull();
    const other = confirmationToken(KEY, '0190f3a2-7b4c-7d8e-9f01-23456789abce', EXPIRES);
    expect(verifyConfirmationToken(KEY, `${other.split('.')[0] ?? ''}.${TOKEN.split('.')[1] ?? ''}`)).toBeNull();
    const later = confirmationToken(KEY, ID, new Date('2026-03-05T09:00:01.000Z'));
    expect(verifyConfirmationToken(KEY, `${later.split('.')[0] ?? ''}.${TOKEN.split('.')[1] ?? ''}`)).toBeNull();
  });

  test('a second spelling of the same bytes (unused low bits of the last character) is refused', () => {
    // 'Q' ends the body (24 bytes: no unused bits) and 's' ends the MAC (32 bytes: 2 unused bits);
    // 't' decodes to the same MAC bytes as 's'.
    const [body = '', macText = ''] = TOKEN.split('.');
    const variant = `${body}.${macText.slice(0, -1)}t`;
    expect(Buffer.from(macText.slice(0, -1) + 't', 'base64url').equals(Buffer.from(macText, 'base64url'))).toBe(true);
    expect(verifyConfirmationToken(KEY, variant)).toBeNull();
  });

  test('text that is not a token at all is refused without an exception', () => {
    for (const text of ['%00', '../../etc/passwd', 'ldhq_abc', 'a'.repeat(76), `${TOKEN} `, `${TOKEN}\n`]) {
      expect(verifyConfirmationToken(KEY, text), text).toBeNull();
    }
  });

  test('an id that is not a UUID cannot be made into a token', () => {
    expect(() => confirmationToken(KEY, 'member-1', EXPIRES)).toThrow(TypeError);
  });
});

describe('the one copy of the marketing e-mail rule', () => {
  test('granted and confirmed, for a named table', () => {
    expect(MARKETING_EMAIL_CONFIRMED_SQL).toBe(
      '(members.marketing_email AND members.marketing_email_confirmed_at IS NOT NULL)',
    );
    expect(marketingEmailConfirmedSql('m')).toBe('(m.marketing_email AND m.marketing_email_confirmed_at IS NOT NULL)');
    expect(() => marketingEmailConfirmedSql('m; DROP TABLE members')).toThrow(TypeError);
  });
});

describe('the console route of a confirmation link', () => {
  test('#/confirm/<token> carries the token; anything else there carries none', () => {
    expect(parseHash(`#/confirm/${TOKEN}`)).toEqual({ kind: 'confirm', token: TOKEN });
    expect(parseHash(`#/confirm/${TOKEN.slice(1)}`)).toEqual({ kind: 'confirm', token: null });
    expect(parseHash('#/confirm')).toEqual({ kind: 'confirm', token: null });
  });
});
