import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const RENDERER = join(__dirname, '../../../src/renderer');
/** The only modules that may call Intl's number and date formatters. */
const FORMATTERS = new Set(['app/format-number.ts', 'app/format-date.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('one formatter for numbers and one for dates', () => {
  it('is what every screen uses: no toLocaleString or Intl number/date formatter elsewhere', () => {
    const offenders = sources(RENDERER)
      .map((path) => relative(RENDERER, path).split('\\').join('/'))
      .filter((path) => !FORMATTERS.has(path))
      .filter((path) =>
        /toLocale(?:Date|Time)?String\(|Intl\.(?:NumberFormat|DateTimeFormat)/.test(
          readFileSync(join(RENDERER, path), 'utf8'),
        ),
      );
    // A number formatted elsewhere shows the hyphen-minus ("-482"), a date elsewhere another format.
    expect(offenders).toEqual([]);
  });
});
