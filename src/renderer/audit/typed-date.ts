/**
 * Dates the manager types into the audit filters, in the page language's own numeric format, not
 * the browser's: Chromium draws `<input type="date">` in the operating system's locale, so a
 * Russian page on an English computer would ask for MM/DD/YYYY. The order and separator come from
 * the formatting locale (en-GB 31/12/2026, en-US 12/31/2026, ru 31.12.2026); the letters of the
 * hint from the language (DD/MM/YYYY, ДД.ММ.ГГГГ). Pure: unit-tested in Node.
 */
export type DatePart = 'day' | 'month' | 'year';

export interface DatePattern {
  order: readonly [DatePart, DatePart, DatePart];
  separator: string;
  /** What the field's hint shows: "DD/MM/YYYY", "ДД.ММ.ГГГГ". */
  hint: string;
  /** A worked example in the pattern (31 December of the example year). */
  example: string;
}

const LETTERS: Readonly<Record<string, Readonly<Record<DatePart, string>>>> = {
  en: { day: 'DD', month: 'MM', year: 'YYYY' },
  ru: { day: 'ДД', month: 'ММ', year: 'ГГГГ' },
};

/** The numeric date pattern of a formatting locale, with the hint letters of the page language. */
export function datePattern(locale: string, language: string): DatePattern {
  const sample = new Date(2026, 11, 31);
  const parts = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(
    sample,
  );
  const order = parts
    .filter((part): part is Intl.DateTimeFormatPart & { type: DatePart } =>
      ['day', 'month', 'year'].includes(part.type),
    )
    .map((part) => part.type);
  const literal = parts.find((part) => part.type === 'literal')?.value.trim() || '.';
  const known: readonly [DatePart, DatePart, DatePart] =
    order.length === 3 && new Set(order).size === 3
      ? (order as unknown as [DatePart, DatePart, DatePart])
      : ['day', 'month', 'year'];
  const letters = LETTERS[language] ?? LETTERS.en ?? { day: 'DD', month: 'MM', year: 'YYYY' };
  const values: Record<DatePart, string> = { day: '31', month: '12', year: '2026' };
  return {
    order: known,
    separator: literal,
    hint: known.map((part) => letters[part]).join(literal),
    example: known.map((part) => values[part]).join(literal),
  };
}

/**
 * A typed date as `YYYY-MM-DD`, or null when it is not a real date in the pattern. Any of . / -
 * or a space separates the parts (a scanner or habit may type another); the year has four digits.
 */
export function parseTypedDate(text: string, pattern: DatePattern): string | null {
  const pieces = text.trim().split(/[./\-\s]+/);
  if (pieces.length !== 3 || pieces.some((piece) => !/^\d+$/.test(piece))) return null;
  const value: Record<DatePart, number> = { day: 0, month: 0, year: 0 };
  for (const [i, part] of pattern.order.entries()) {
    const piece = pieces[i] ?? '';
    if (part === 'year' ? piece.length !== 4 : piece.length > 2) return null;
    value[part] = Number(piece);
  }
  const { year, month, day } = value;
  if (month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export type TypedRange =
  { ok: true; from: string; to: string } | { ok: false; problem: 'invalid_from' | 'invalid_to' | 'order' };

/** Both typed dates as `YYYY-MM-DD` ('' when left empty), checked for validity and order. */
export function parseTypedRange(fromText: string, toText: string, pattern: DatePattern): TypedRange {
  const from = fromText.trim() ? parseTypedDate(fromText, pattern) : '';
  if (from === null) return { ok: false, problem: 'invalid_from' };
  const to = toText.trim() ? parseTypedDate(toText, pattern) : '';
  if (to === null) return { ok: false, problem: 'invalid_to' };
  if (from && to && from > to) return { ok: false, problem: 'order' };
  return { ok: true, from, to };
}
