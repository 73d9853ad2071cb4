import { Secret, TOTP } from 'otpauth';

/**
 * TOTP second factor (RFC 6238) with the `otpauth` package: it implements HOTP/TOTP exactly as the
 * RFC (dynamic truncation, any digits and period), compares codes in constant time and writes the
 * otpauth:// URI authenticator apps scan, so HQ only adds what the RFC leaves to the verifier (§5.2):
 * which steps to accept and that a code is never accepted twice.
 *
 * SHA-1, 6 digits, 30 s: what every authenticator app supports. A code of the step before or after
 * now is accepted too (clock drift, typing time).
 */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block's natural key size (RFC 4226 §4 asks for at least 128). */
export const TOTP_SECRET_BYTES = 20;
export const TOTP_ISSUER = 'Loyalty Desk HQ';

export function newTotpSecret(random: (size: number) => Buffer): string {
  return new Secret({ buffer: toArrayBuffer(random(TOTP_SECRET_BYTES)) }).base32;
}

function totp(secretBase32: string, label = 'operator'): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The link an authenticator app takes (as a QR code) at enrolment; `label` is the operator's e-mail. */
export function totpUri(secretBase32: string, label: string): string {
  return totp(secretBase32, label).toString();
}

/** The code for `at`: for tests and for nothing else in HQ. */
export function totpCodeAt(secretBase32: string, at: Date): string {
  return totp(secretBase32).generate({ timestamp: at.getTime() });
}

export function totpStepAt(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The time step `code` belongs to, if it is right for now ±1 step and newer than `lastUsedStep`
 * (the step of the last code this account used; null before the first): otherwise null. The caller
 * stores the step it gets back, so the same code, or an older one, never works again.
 */
export function matchTotp(secretBase32: string, code: string, at: Date, lastUsedStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: at.getTime(), window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = totpStepAt(at) + delta;
  return lastUsedStep === null || step > lastUsedStep ? step : null;
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return copy;
}
