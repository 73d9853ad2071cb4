/**
 * The bench table of issue 15 (DESIGN §8): every figure with its baseline, the ratio, the target and
 * PASS/FAIL. Pure: the benches' JSON reports are turned into figures by bench/summary-figures.ts, and
 * tests/unit/bench-table.test.ts checks the verdicts from written-out figures.
 *
 * A target is checked on the figure itself or on its ratio to the baseline. A figure that was not
 * measured (its bench was skipped, failed or ran without the phase) is NOT RUN, never PASS.
 */

/** `<=` at most, `>=` at least, `>` strictly more (growth). */
export type Comparison = '<=' | '>=' | '>';

export interface Target {
  /** What the target is checked on: the measured value, or value ÷ baseline. */
  on: 'value' | 'ratio';
  op: Comparison;
  limit: number;
}

export interface Figure {
  /** The row's label, e.g. "earn CPU, aegis ÷ plain, 1,000,000 members". */
  what: string;
  /** The measured value; null when it was not measured. */
  value: number | null;
  /** Unit of value and baseline: 'ms', 'members/s', 'ops/s', 'tps', 'ms CPU' … */
  unit: string;
  /** What the figure is compared with (plain SQLite, pgbench's TPS, one HQ process …). */
  baseline: { label: string; value: number | null } | null;
  /** Null: reported, not checked. */
  target: Target | null;
}

export type Verdict = 'PASS' | 'FAIL' | 'NOT RUN' | '';

export interface Row {
  what: string;
  measured: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

/** Thousands separators from 100, one decimal from 10, two below; two significant digits under 1 (a 35 µs lookup). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '–';
  if (x !== 0 && Math.abs(x) < 1) return x.toPrecision(2);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const withUnit = (x: number, unit: string) => (unit === '' ? formatNumber(x) : `${formatNumber(x)} ${unit}`);

function compare(x: number, op: Comparison, limit: number): boolean {
  if (op === '<=') return x <= limit;
  if (op === '>=') return x >= limit;
  return x > limit;
}

const SYMBOL: Record<Comparison, string> = { '<=': '≤', '>=': '≥', '>': '>' };

/** The ratio value ÷ baseline, or null when either is missing (or the baseline is 0). */
export function ratioOf(figure: Figure): number | null {
  const base = figure.baseline?.value ?? null;
  if (figure.value === null || base === null || base === 0) return null;
  return figure.value / base;
}

export function rowOf(figure: Figure): Row {
  const ratio = ratioOf(figure);
  const t = figure.target;
  let verdict: Verdict = '';
  if (t !== null) {
    const checked = t.on === 'value' ? figure.value : ratio;
    verdict =
      checked === null || !Number.isFinite(checked) ? 'NOT RUN' : compare(checked, t.op, t.limit) ? 'PASS' : 'FAIL';
  }
  const base = figure.baseline;
  return {
    what: figure.what,
    measured: figure.value === null ? 'not run' : withUnit(figure.value, figure.unit),
    baseline:
      base === null ? '' : `${base.label} ${base.value === null ? 'not run' : withUnit(base.value, figure.unit)}`,
    ratio: ratio === null ? '' : `${ratio.toFixed(2)}×`,
    target:
      t === null
        ? ''
        : t.on === 'ratio'
          ? `${SYMBOL[t.op]} ${t.limit.toFixed(2)}×`
          : `${SYMBOL[t.op]} ${withUnit(t.limit, figure.unit)}`,
    verdict,
  };
}

/** A Markdown table, one row per figure, and a last line counting the verdicts. */
export function formatTable(rows: readonly Row[]): string {
  const lines = ['| figure | measured | baseline | ratio | target | verdict |', '|---|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| ${r.what} | ${r.measured} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.verdict} |`);
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  lines.push(`targets: ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('NOT RUN')} NOT RUN`);
  return lines.join('\n');
}
