import { describe, expect, it } from 'vitest';
import { formatPhoneForStore, normalizePhone, phoneIssue } from '../../src/shared/members/phone';

describe('phone numbers typed at the till', () => {
  it('accepts a complete number in use, in national or international form', () => {
    expect(phoneIssue('020 7946 0018', 'GB')).toBeNull();
    expect(phoneIssue('+44 7400 758713', 'GB')).toBeNull();
    expect(normalizePhone('07400 758713', 'GB')).toBe('+447400758713');
  });

  it('says a number with too few digits, or no area code, is not a whole number', () => {
    expect(phoneIssue('+44 12', 'GB')).toBe('phone_invalid');
    expect(phoneIssue('7946 0018', 'GB')).toBe('phone_invalid');
    expect(phoneIssue('call me maybe', 'GB')).toBe('phone_invalid');
  });

  it('says a number with too many digits is too long', () => {
    expect(phoneIssue('07400 7587130', 'GB')).toBe('phone_too_long');
  });

  it('says a complete number in a range no line is given is not in use (not an area code problem)', () => {
    // 07700 900000–900999 is kept by Ofcom for films and TV: the right length, never a real line.
    expect(phoneIssue('07700 900123', 'GB')).toBe('phone_not_in_use');
    expect(normalizePhone('07700 900123', 'GB')).toBeNull();
  });
});

describe('phone numbers shown to staff', () => {
  it('shows a number of the store country as it is dialled there', () => {
    expect(formatPhoneForStore('+447400758713', 'GB')).toBe('07400 758713');
    expect(formatPhoneForStore('+442079460999', 'GB')).toBe('020 7946 0999');
  });

  it('shows a number from another country in international form', () => {
    expect(formatPhoneForStore('+33612345678', 'GB')).toBe('+33 6 12 34 56 78');
  });

  it('shows what does not parse as it is', () => {
    expect(formatPhoneForStore('not a phone', 'GB')).toBe('not a phone');
  });
});
