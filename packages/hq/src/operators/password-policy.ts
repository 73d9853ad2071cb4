import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Operator passwords, after NIST SP 800-63B rev. 4 (§3.1.1.2): a length floor and ceiling, any
 * characters, no composition rules, and a blocklist of common, expected or context-specific values.
 * The floor is 12, not 15, because every operator also has a second factor. The text is
 * NFKC-normalized first (so the same password typed on two keyboards hashes the same), and length
 * counts code points, as NIST asks.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export const PASSWORD_REFUSALS = ['too_short', 'too_long', 'common', 'contains_context', 'repetitive'] as const;
export type PasswordRefusal = (typeof PASSWORD_REFUSALS)[number];

export interface PasswordContext {
  email: string;
  displayName: string;
}

export type PasswordCheck = { ok: true; password: string } | { ok: false; reasons: PasswordRefusal[] };

/** zxcvbn-ts's list of ~49,000 passwords seen most often in breaches, lower-cased. */
const COMMON = new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));

/** Context words shorter than this are too likely to occur by chance (e.g. 'li', 'jo'). */
const MIN_CONTEXT_WORD = 3;
/** Fewer distinct characters than this over 12+ characters is a pattern, not a secret. */
const MIN_DISTINCT = 4;

export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** The checks, all of them: a form can show every reason at once. */
export function checkOperatorPassword(password: string, context: PasswordContext): PasswordCheck {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const reasons: PasswordRefusal[] = [];
  if (length < PASSWORD_MIN_LENGTH) reasons.push('too_short');
  if (length > PASSWORD_MAX_LENGTH) reasons.push('too_long');
  const lower = normalized.toLowerCase();
  if (isCommon(lower)) reasons.push('common');
  if (contextWords(context).some((word) => lower.includes(word))) reasons.push('contains_context');
  if (isRepetitive(lower)) reasons.push('repetitive');
  return reasons.length === 0 ? { ok: true, password: normalized } : { ok: false, reasons };
}

/**
 * Listed as it is, or once the digits and symbols people pad a listed word with are taken off
 * ('Password2024!' is 'password'): padding is the first thing a guesser tries.
 */
function isCommon(lower: string): boolean {
  if (COMMON.has(lower)) return true;
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return core.length > 0 && core !== lower && COMMON.has(core);
}

/** The e-mail's local part whole and in pieces, the name whole (no spaces) and word by word. */
function contextWords(context: PasswordContext): string[] {
  const local = normalizePassword(context.email).toLowerCase().split('@')[0] ?? '';
  const name = normalizePassword(context.displayName).toLowerCase();
  const words = [local, ...local.split(/[^\p{L}\p{N}]+/u), name.replace(/\s+/gu, ''), ...name.split(/[^\p{L}\p{N}]+/u)];
  return [...new Set(words)].filter((word) => [...word].length >= MIN_CONTEXT_WORD);
}

/**
 * One unit repeated ('abcabcabcabc', 'aaaaaaaaaaaa'), one step up or down all along
 * ('123456789012', 'zyxwvutsrqpo'; digits wrap 9→0), or hardly any distinct characters.
 */
function isRepetitive(lower: string): boolean {
  const chars = [...lower];
  if (chars.length === 0) return false;
  if (new Set(chars).size < MIN_DISTINCT) return true;
  if (isRepeatedUnit(chars)) return true;
  return isSequence(chars, 1) || isSequence(chars, -1);
}

function isRepeatedUnit(chars: string[]): boolean {
  for (let unit = 1; unit <= chars.length / 2; unit++) {
    if (chars.length % unit !== 0) continue;
    if (chars.every((char, i) => char === chars[i % unit])) return true;
  }
  return false;
}

function isSequence(chars: string[], step: 1 | -1): boolean {
  for (let i = 1; i < chars.length; i++) {
    const prev = chars[i - 1] ?? '';
    const next = chars[i] ?? '';
    if (/^\d$/.test(prev) && /^\d$/.test(next)) {
      if ((Number(prev) + step + 10) % 10 !== Number(next)) return false;
    } else if ((next.codePointAt(0) ?? 0) - (prev.codePointAt(0) ?? 0) !== step) {
      return false;
    }
  }
  return true;
}
