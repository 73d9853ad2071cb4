/**
 * Dates the manager types into the audit filters, in the page language's own numeric format, not
 * the browser's: Chromium draws `<input type="date">` in the operating system's locale, so a
 * Russian page on an English computer would ask for MM/DD/YYYY. The order and separator come from
 * the formatting locale (en-GB 31/12/2026, en-US 12/31/2026, ru 31.12.2026); the letters of the
 * hint from the language (DD/MM/YYYY, ДД.ММ.ГГГГ). Pure: unit-tested in Node; the till's log and HQ's console
 * both use it.
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

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** An instant as ISO 8601 in local time with its UTC offset, e.g. `2026-03-29T00:00:00.000+02:00`. */
export function isoWithOffset(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/**
 * A calendar date (`YYYY-MM-DD`, from typed-date.ts) turned
 * into the first or last instant of that day in this computer's time zone. Null when not a real date.
 */
export function localDayEdge(value: string, edge: 'start' | 'end'): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(2000, 0, 1, 0, 0, 0, 0);
  date.setFullYear(year, month - 1, day);
  if (edge === 'end') date.setHours(23, 59, 59, 999);
  else date.setHours(0, 0, 0, 0);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return isoWithOffset(date);
}

export type DateRange = { ok: true; from?: string; to?: string } | { ok: false; problem: 'invalid' | 'order' };

/** The `from`/`to` instants of an audit query from two optional local dates, both days included. */
export function localDateRange(fromDate: string, toDate: string): DateRange {
  const range: { ok: true; from?: string; to?: string } = { ok: true };
  if (fromDate) {
    const from = localDayEdge(fromDate, 'start');
    if (!from) return { ok: false, problem: 'invalid' };
    range.from = from;
  }
  if (toDate) {
    const to = localDayEdge(toDate, 'end');
    if (!to) return { ok: false, problem: 'invalid' };
    range.to = to;
  }
  if (fromDate && toDate && fromDate > toDate) return { ok: false, problem: 'order' };
  return range;
}

export type TypedInstantRange =
  { ok: true; from?: string; to?: string } | { ok: false; problem: 'invalid_from' | 'invalid_to' | 'order' };

/** Two typed dates as the first and last instants of those local days (either may be empty). */
export function typedInstantRange(fromText: string, toText: string, pattern: DatePattern): TypedInstantRange {
  const typed = parseTypedRange(fromText, toText, pattern);
  if (!typed.ok) return typed;
  const range = localDateRange(typed.from, typed.to);
  if (!range.ok) return { ok: false, problem: range.problem === 'order' ? 'order' : 'invalid_from' };
  return range;
}
