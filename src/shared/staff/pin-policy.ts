/**
 * Staff PIN rules (DESIGN §4). A PIN is digits only; its length is set by HQ (default 6, never
 * below 4). Obvious PINs are refused: one digit repeated, runs up or down, repeated pairs or
 * triples, and the PINs people pick most often.
 */
export const DEFAULT_PIN_LENGTH = 6;
export const MIN_PIN_LENGTH = 4;
export const MAX_PIN_LENGTH = 12;

const COMMON_PINS = new Set([
  '1234',
  '1111',
  '0000',
  '1212',
  '7777',
  '1004',
  '2000',
  '4444',
  '2222',
  '6969',
  '9999',
  '3333',
  '5555',
  '6666',
  '1122',
  '1313',
  '8888',
  '4321',
  '2001',
  '1010',
  '2580',
  '0852',
  '1379',
  '9731',
  '1470',
  '0741',
  '1478',
  '3698',
  '123456',
  '654321',
  '111111',
  '000000',
  '123123',
  '666666',
  '121212',
  '112233',
  '789456',
  '159753',
  '123321',
  '696969',
  '520520',
  '102030',
  '147258',
  '147852',
  '258369',
  '987654',
  '147369',
  '159357',
  '852456',
  '101010',
  '112358',
  '131313',
  '010203',
  '246810',
  '135790',
  '456789',
  '741852',
  '963852',
  '369258',
  '258258',
  '142536',
  '090909',
  '808080',
  '100200',
  '200000',
  '999999',
  '888888',
  '777777',
  '555555',
  '444444',
  '333333',
  '222222',
]);

export type PinProblem = 'pin_format' | 'pin_too_short' | 'pin_too_long' | 'pin_weak';

function isRun(pin: string, step: number): boolean {
  for (let i = 1; i < pin.length; i++) {
    if ((pin.charCodeAt(i) - pin.charCodeAt(i - 1) + 10) % 10 !== (step + 10) % 10) return false;
  }
  return true;
}

function isRepeatOf(pin: string, unit: number): boolean {
  if (pin.length % unit !== 0 || pin.length === unit) return false;
  return pin === pin.slice(0, unit).repeat(pin.length / unit);
}

export function checkPin(pin: string, requiredLength: number = DEFAULT_PIN_LENGTH): PinProblem | null {
  const length = Math.min(MAX_PIN_LENGTH, Math.max(MIN_PIN_LENGTH, requiredLength));
  if (!/^\d+$/.test(pin)) return 'pin_format';
  if (pin.length < length) return 'pin_too_short';
  if (pin.length > MAX_PIN_LENGTH) return 'pin_too_long';
  if (COMMON_PINS.has(pin)) return 'pin_weak';
  if (isRun(pin, 0) || isRun(pin, 1) || isRun(pin, -1) || isRun(pin, 2) || isRun(pin, -2)) return 'pin_weak';
  if (isRepeatOf(pin, 2) || isRepeatOf(pin, 3)) return 'pin_weak';
  // Mirrored halves such as 123321 or 4554.
  if (pin === [...pin].reverse().join('') && new Set(pin).size <= Math.ceil(pin.length / 2)) return 'pin_weak';
  return null;
}
