/**
 * Code 128 (ISO/IEC 15417) for showing a loyalty card on screen so a USB barcode scanner at another
 * till can read it. Pure: no DOM, no Node. Code sets B (printable ASCII) and C (digit pairs) only;
 * code set A (control characters) and the FNC characters are not needed for card numbers.
 *
 * The encoder picks the shortest symbol sequence. Where two sequences are equally short it keeps the
 * current code set, and starts in set B: an odd count of digits becomes Start B, one digit, Code C,
 * then digit pairs.
 */

/**
 * Bar and space widths (in modules) of symbol values 0–105, bar first; 106 is the stop pattern with
 * its final 2-module termination bar. Every symbol is 11 modules wide, the stop 13.
 */
// prettier-ignore
export const CODE128_PATTERNS: readonly string[] = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213', // 0–9
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132', // 10–19
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211', // 20–29
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313', // 30–39
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331', // 40–49
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111', // 50–59
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214', // 60–69
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111', // 70–79
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141', // 80–89
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141', // 90–99
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112', // 100–105, stop
];

export const CODE_C = 99; // in set B: switch to set C
export const CODE_B = 100; // in set C: switch to set B
export const START_B = 104;
export const START_C = 105;
export const STOP = 106;

/** Modules per symbol character, and of the stop pattern including its termination bar. */
export const SYMBOL_MODULES = 11;
export const STOP_MODULES = 13;

type CodeSet = 'B' | 'C';

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** True for a non-empty string of printable ASCII (space to tilde): what code set B can carry. */
export function isCode128Encodable(text: string): boolean {
  return PRINTABLE_ASCII.test(text);
}

function isDigitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function isDigitPairAt(text: string, i: number): boolean {
  return i + 1 < text.length && isDigitAt(text, i) && isDigitAt(text, i + 1);
}

/** Weighted modulo-103 check value: start value plus each data value times its position (1-based). */
export function code128Checksum(startAndData: readonly number[]): number {
  let sum = 0;
  startAndData.forEach((value, i) => {
    sum += value * Math.max(i, 1);
  });
  return sum % 103;
}

/**
 * Symbol values for `text`: start, data (with any code set switches), check value, stop (106).
 * Throws a RangeError for an empty string or characters outside printable ASCII; the message never
 * repeats the input, which may be a card number.
 */
export function code128Values(text: string): number[] {
  if (!isCode128Encodable(text)) throw new RangeError('Code 128: expected printable ASCII characters');
  const n = text.length;
  // cost[s][i]: fewest symbols that encode text[i..] when the reader is in code set s at position i.
  // Options at each step: encode the next unit in the current set, or switch and encode it in the other.
  const costB = new Array<number>(n + 1).fill(0);
  const costC = new Array<number>(n + 1).fill(0);
  const switchFromB = new Array<boolean>(n).fill(false);
  const switchFromC = new Array<boolean>(n).fill(false);
  for (let i = n - 1; i >= 0; i--) {
    const pair = isDigitPairAt(text, i);
    const inB = 1 + (costB[i + 1] ?? 0);
    const inC = pair ? 1 + (costC[i + 2] ?? 0) : Infinity;
    // Ties keep the current set: fewer switches for the same length.
    switchFromB[i] = 1 + inC < inB;
    costB[i] = switchFromB[i] ? 1 + inC : inB;
    switchFromC[i] = 1 + inB < inC;
    costC[i] = switchFromC[i] ? 1 + inB : inC;
  }

  let set: CodeSet = (costC[0] ?? Infinity) < (costB[0] ?? Infinity) ? 'C' : 'B';
  const values: number[] = [set === 'C' ? START_C : START_B];
  for (let i = 0; i < n;) {
    if (set === 'B' && switchFromB[i]) {
      values.push(CODE_C);
      set = 'C';
    } else if (set === 'C' && switchFromC[i]) {
      values.push(CODE_B);
      set = 'B';
    }
    if (set === 'C') {
      values.push((text.charCodeAt(i) - 48) * 10 + (text.charCodeAt(i + 1) - 48));
      i += 2;
    } else {
      values.push(text.charCodeAt(i) - 32);
      i += 1;
    }
  }
  values.push(code128Checksum(values), STOP);
  return values;
}

/**
 * Module widths of the whole symbol without quiet zones: bars and spaces alternating, starting and
 * ending with a bar. Start, data, check value and stop (including its termination bar).
 */
export function encodeCode128(text: string): number[] {
  const widths: number[] = [];
  for (const value of code128Values(text)) {
    const pattern = CODE128_PATTERNS[value];
    if (pattern === undefined) throw new RangeError('Code 128: no pattern for a symbol value');
    for (const ch of pattern) widths.push(ch.charCodeAt(0) - 48);
  }
  return widths;
}

/** One entry per module, true for a bar (dark) and false for a space, without quiet zones. */
export function code128Modules(text: string): boolean[] {
  const modules: boolean[] = [];
  encodeCode128(text).forEach((width, i) => {
    for (let k = 0; k < width; k++) modules.push(i % 2 === 0);
  });
  return modules;
}
