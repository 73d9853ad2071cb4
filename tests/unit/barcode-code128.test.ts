import { describe, expect, it } from 'vitest';
import {
  CODE128_PATTERNS,
  code128Checksum,
  code128Modules,
  code128Values,
  encodeCode128,
  isCode128Encodable,
} from '../../src/shared/barcode/code128';
import { checkCardNumber, withCheckDigit } from '../../src/shared/members/card-number';

/*
 * An independent reading of Code 128 for these tests: the 106 symbol characters written as module
 * strings (1 = bar, 0 = space) as ISO/IEC 15417 Table 1 draws them, rather than the encoder's width
 * digits. The table was compared entry by entry against the module strings in python-barcode
 * (WhyNotHugo/python-barcode, barcode/charsets/code128.py, CODES), and its start and stop entries match
 * ZXing's Code128WriterTestCase constants (START_CODE_B 11010010000, START_CODE_C 11010011100,
 * STOP 1100011101011).
 */
// prettier-ignore
const MODULE_TABLE: readonly string[] = [
  '11011001100', '11001101100', '11001100110', '10010011000', '10010001100', '10001001100', '10011001000', '10011000100', // 0–7
  '10001100100', '11001001000', '11001000100', '11000100100', '10110011100', '10011011100', '10011001110', '10111001100', // 8–15
  '10011101100', '10011100110', '11001110010', '11001011100', '11001001110', '11011100100', '11001110100', '11101101110', // 16–23
  '11101001100', '11100101100', '11100100110', '11101100100', '11100110100', '11100110010', '11011011000', '11011000110', // 24–31
  '11000110110', '10100011000', '10001011000', '10001000110', '10110001000', '10001101000', '10001100010', '11010001000', // 32–39
  '11000101000', '11000100010', '10110111000', '10110001110', '10001101110', '10111011000', '10111000110', '10001110110', // 40–47
  '11101110110', '11010001110', '11000101110', '11011101000', '11011100010', '11011101110', '11101011000', '11101000110', // 48–55
  '11100010110', '11101101000', '11101100010', '11100011010', '11101111010', '11001000010', '11110001010', '10100110000', // 56–63
  '10100001100', '10010110000', '10010000110', '10000101100', '10000100110', '10110010000', '10110000100', '10011010000', // 64–71
  '10011000010', '10000110100', '10000110010', '11000010010', '11001010000', '11110111010', '11000010100', '10001111010', // 72–79
  '10100111100', '10010111100', '10010011110', '10111100100', '10011110100', '10011110010', '11110100100', '11110010100', // 80–87
  '11110010010', '11011011110', '11011110110', '11110110110', '10101111000', '10100011110', '10001011110', '10111101000', // 88–95
  '10111100010', '11110101000', '11110100010', '10111011110', '10111101110', '11101011110', '11110101110', '11010000100', // 96–103
  '11010010000', '11010011100', // 104–105
];
const STOP_MODULES = '1100011101011'; // 2331112: the stop character plus its 2-module termination bar

/** Widths → module string, written here rather than taken from the encoder. */
function widthsToModules(widths: readonly number[]): string {
  return widths.map((w, i) => (i % 2 === 0 ? '1' : '0').repeat(w)).join('');
}

/** Decodes a module string (no quiet zones) back to text, checking start, check value and stop. */
function decode(modules: string): { text: string; values: number[] } {
  if (!modules.endsWith(STOP_MODULES)) throw new Error('no stop pattern');
  const body = modules.slice(0, -STOP_MODULES.length);
  if (body.length % 11 !== 0) throw new Error(`body of ${body.length} modules is not whole symbols`);
  const values: number[] = [];
  for (let i = 0; i < body.length; i += 11) {
    const value = MODULE_TABLE.indexOf(body.slice(i, i + 11));
    if (value < 0) throw new Error(`unknown symbol at module ${i}`);
    values.push(value);
  }
  const [start, ...rest] = values;
  const check = rest.pop();
  if (start === undefined || check === undefined) throw new Error('too short');
  let weighted = start;
  rest.forEach((v, i) => (weighted += (i + 1) * v));
  if (weighted % 103 !== check) throw new Error(`check value ${check}, expected ${weighted % 103}`);
  let set: 'B' | 'C';
  if (start === 104) set = 'B';
  else if (start === 105) set = 'C';
  else throw new Error(`unexpected start ${start}`);
  let text = '';
  for (const v of rest) {
    if (set === 'B') {
      if (v === 99) set = 'C';
      else if (v <= 95) text += String.fromCharCode(v + 32);
      else throw new Error(`unexpected value ${v} in set B`);
    } else {
      if (v === 100) set = 'B';
      else if (v <= 99) text += String(v).padStart(2, '0');
      else throw new Error(`unexpected value ${v} in set C`);
    }
  }
  return { text, values: [...values, 106] };
}

/** Deterministic PRNG (mulberry32) so a failure names a reproducible card number. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCard(rand: () => number): string {
  const length = 8 + Math.floor(rand() * 12); // 8–19 digits in all
  let payload = '';
  for (let i = 0; i < length - 1; i++) payload += String(Math.floor(rand() * 10));
  return withCheckDigit(payload);
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('Code 128 pattern tables', () => {
  it('the test table is a well-formed Code 128 table', () => {
    expect(MODULE_TABLE).toHaveLength(106);
    expect(new Set(MODULE_TABLE).size).toBe(106);
    for (const m of MODULE_TABLE) {
      // 11 modules, 3 bars and 3 spaces, bar first and space last, bars cover an even number of modules.
      expect(m).toMatch(/^1+0+1+0+1+0+$/);
      expect(m).toHaveLength(11);
      expect(m.replace(/0/g, '').length % 2).toBe(0);
    }
  });

  it('the encoder table has 107 entries that agree with the test table', () => {
    expect(CODE128_PATTERNS).toHaveLength(107);
    CODE128_PATTERNS.slice(0, 106).forEach((widths, value) => {
      expect(widthsToModules([...widths].map(Number)), `value ${value}`).toBe(MODULE_TABLE[value]);
    });
    expect(widthsToModules([...CODE128_PATTERNS[106]!].map(Number))).toBe(STOP_MODULES);
  });
});

describe('Code 128 check value (worked by hand)', () => {
  it('"1234567890": Start C, five digit pairs', () => {
    // Start C = 105; pairs 12, 34, 56, 78, 90 at positions 1..5.
    // 105 + 1*12 + 2*34 + 3*56 + 4*78 + 5*90 = 105 + 12 + 68 + 168 + 312 + 450 = 1115
    // 1115 mod 103 = 1115 - 10*103 = 1115 - 1030 = 85
    expect(code128Values('1234567890')).toEqual([105, 12, 34, 56, 78, 90, 85, 106]);
  });

  it('"6004123456788" (13 digits, Luhn-valid): Start B, one digit, Code C, six pairs', () => {
    expect(checkCardNumber('6004123456788')).toBeNull();
    // Start B = 104; "6" in set B = 0x36 - 32 = 22; Code C = 99; pairs 00, 41, 23, 45, 67, 88.
    // 104 + 1*22 + 2*99 + 3*0 + 4*41 + 5*23 + 6*45 + 7*67 + 8*88
    //   = 104 + 22 + 198 + 0 + 164 + 115 + 270 + 469 + 704 = 2046
    // 2046 mod 103 = 2046 - 19*103 = 2046 - 1957 = 89
    expect(code128Values('6004123456788')).toEqual([104, 22, 99, 0, 41, 23, 45, 67, 88, 89, 106]);
  });

  it('"AIM" in set B', () => {
    // Start B = 104; A = 65-32 = 33, I = 73-32 = 41, M = 77-32 = 45.
    // 104 + 1*33 + 2*41 + 3*45 = 104 + 33 + 82 + 135 = 354; 354 mod 103 = 354 - 309 = 45
    expect(code128Values('AIM')).toEqual([104, 33, 41, 45, 45, 106]);
  });

  it('code128Checksum weights the start value by 1 like the first data value', () => {
    expect(code128Checksum([105, 12, 34, 56, 78, 90])).toBe(85);
    expect(code128Checksum([104])).toBe(104 % 103);
  });
});

describe('Code 128 against published encodings', () => {
  // zint, backend/tests/test_code128.c, test_encode: "AIM" is ISO/IEC 15417:2007 Figure 1.
  it.each([
    ['AIM', '11010010000101000110001100010001010111011000101110110001100011101011'],
    ['1234567890', '110100111001011001110010001011000111000101101100001010011011110110100111100101100011101011'],
  ])('%s matches zint module for module', (text, expected) => {
    expect(widthsToModules(encodeCode128(text))).toBe(expected);
    expect(
      code128Modules(text)
        .map((m) => (m ? '1' : '0'))
        .join(''),
    ).toBe(expected);
  });

  // zint, backend/tests/test_code128.c, test_input codeword dumps (incl. check value);
  // "AIM1234" is the ISO/IEC 15417 Annex A.1 example with check value 87.
  it.each([
    ['AIM1234', [104, 33, 41, 45, 99, 12, 34, 87, 106]],
    ['1234', [105, 12, 34, 82, 106]],
    ['12', [105, 12, 14, 106]],
    ['1', [104, 17, 18, 106]],
    ['123', [104, 17, 18, 19, 8, 106]],
  ])('%s gives the same symbol values as zint', (text, expected) => {
    expect(code128Values(text)).toEqual(expected);
  });

  // Same zint table: where two encodings are equally short zint may switch elsewhere (it writes "12345"
  // as Start C 12 34 Code B 5, we as Start B 1 Code C 23 45), but the symbol widths must agree.
  it.each([
    ['12345', 79],
    ['AAAa12345aAA', 167],
  ])('%s is as short as zint makes it (%i modules)', (text, modules) => {
    expect(sum(encodeCode128(text))).toBe(modules);
    expect(decode(widthsToModules(encodeCode128(text))).text).toBe(text);
  });

  it('an all-digit string matches the widths in jbarcode (iText-derived) Barcode128Test', () => {
    // borisklug/jbarcode, jbarcode/src/test/java/de/klg/lib/jbarcode/lib/Barcode128Test.java:
    // Start C, 16 digit pairs, check value 22, stop.
    const expected = [
      2, 1, 1, 2, 3, 2, 2, 2, 2, 1, 2, 2, 1, 2, 1, 3, 2, 2, 2, 2, 2, 1, 2, 2, 3, 1, 2, 1, 3, 1, 1, 1, 3, 1, 2, 3, 1, 1,
      1, 3, 2, 3, 1, 1, 1, 3, 2, 3, 1, 1, 2, 3, 1, 3, 1, 1, 3, 2, 2, 2, 1, 2, 1, 2, 2, 3, 1, 1, 2, 2, 3, 2, 2, 1, 2, 3,
      2, 1, 2, 2, 1, 3, 1, 2, 1, 1, 2, 2, 3, 2, 1, 3, 1, 1, 2, 3, 3, 3, 1, 1, 2, 1, 2, 2, 3, 1, 1, 2, 2, 3, 3, 1, 1, 1,
      2,
    ];
    expect(encodeCode128('01040123453333361503123110123456')).toEqual(expected);
  });
});

describe('Code 128 symbol size', () => {
  /** Symbols before the stop for n digits: start + data (+ Code C) + check. */
  function digitSymbols(n: number): number {
    if (n === 1) return 3; // Start B, digit, check
    if (n % 2 === 0) return 1 + n / 2 + 1; // Start C, pairs, check
    return 1 + 1 + 1 + (n - 1) / 2 + 1; // Start B, digit, Code C, pairs, check
  }

  it('digit strings of 1–40 digits: 11 modules per symbol plus 13 for the stop', () => {
    for (let n = 1; n <= 40; n++) {
      const digits = '9876543210'.repeat(4).slice(0, n);
      const widths = encodeCode128(digits);
      const k = digitSymbols(n);
      expect(code128Values(digits), `${n} digits`).toHaveLength(k + 1);
      expect(widths, `${n} digits`).toHaveLength(6 * k + 7);
      expect(sum(widths), `${n} digits`).toBe(11 * k + 13);
    }
  });

  it('widths run bar-space-bar from the first to the last module, no quiet zone included', () => {
    for (const text of ['6004123456788', '60041234567880', 'Card #42']) {
      const widths = encodeCode128(text);
      expect(widths.length % 2).toBe(1); // odd count: starts and ends with a bar
      expect(widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 4)).toBe(true);
      const modules = code128Modules(text);
      expect(modules).toHaveLength(sum(widths));
      expect(modules[0]).toBe(true);
      expect(modules.at(-1)).toBe(true);
      expect(modules.at(-2)).toBe(true); // the 2-module termination bar
      expect(modules.at(-3)).toBe(false);
      // every symbol, start to check value, is exactly 11 modules
      for (let i = 0; i + 7 < widths.length; i += 6) expect(sum(widths.slice(i, i + 6))).toBe(11);
    }
  });
});

describe('Code 128 round trip through the independent decoder', () => {
  it('500 random Luhn card numbers of 8–19 digits', () => {
    const rand = mulberry32(0x12817);
    const lengths = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const card = randomCard(rand);
      expect(checkCardNumber(card)).toBeNull();
      lengths.add(card.length);
      const { text, values } = decode(widthsToModules(encodeCode128(card)));
      expect(text, card).toBe(card);
      expect(values, card).toEqual(code128Values(card));
      // odd digit counts start in set B with one digit then switch to C; even ones are all set C
      if (card.length % 2 === 1) expect(values.slice(0, 3), card).toEqual([104, card.charCodeAt(0) - 32, 99]);
      else expect(values[0], card).toBe(105);
    }
    expect(lengths.size).toBe(12);
  });

  it('random printable ASCII with digit runs', () => {
    const rand = mulberry32(42);
    const alphabet = ' !"#$%&()*+,-./:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~0123456789';
    for (let i = 0; i < 300; i++) {
      let text = '';
      const length = 1 + Math.floor(rand() * 30);
      while (text.length < length) {
        if (rand() < 0.3) text += String(Math.floor(rand() * 1e6)).slice(0, 1 + Math.floor(rand() * 6));
        else text += alphabet[Math.floor(rand() * alphabet.length)];
      }
      expect(decode(widthsToModules(encodeCode128(text))).text, JSON.stringify(text)).toBe(text);
    }
  });

  it('a corrupted symbol fails the decoder (so the decoder can fail)', () => {
    const modules = widthsToModules(encodeCode128('6004123456788'));
    // Swap the digit pair 45 (set C) for 46: a valid symbol, so only the check value catches it.
    const at = 11 * 6;
    const swapped = modules.slice(0, at) + MODULE_TABLE[46]! + modules.slice(at + 11);
    expect(MODULE_TABLE.indexOf(modules.slice(at, at + 11))).toBe(45);
    expect(() => decode(swapped)).toThrow(/check value/);
  });
});

describe('Code 128 input validation', () => {
  it.each(['', 'é', 'line\nbreak', '\u007f', 'tab\there', '6004 1234 €'])('refuses %j', (text) => {
    expect(isCode128Encodable(text)).toBe(false);
    expect(() => encodeCode128(text)).toThrow(RangeError);
  });

  it('never repeats the input in the error message', () => {
    expect(() => code128Values('6004123456788\n')).toThrow(/^(?!.*6004)/);
  });

  it('accepts every printable ASCII character', () => {
    let all = '';
    for (let c = 32; c <= 126; c++) all += String.fromCharCode(c);
    expect(isCode128Encodable(all)).toBe(true);
    expect(decode(widthsToModules(encodeCode128(all))).text).toBe(all);
  });
});
